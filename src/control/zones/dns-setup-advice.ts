import type { ZoneRow } from '../../store/index.js';
import { serviceNameservers } from '../jobs/zone-activation.js';
import { VERIFICATION_LABEL } from './zone-verifier.js';

/** What the owner of a zone still has to set outside warren for a hostname to resolve to it. */
export interface DnsSetupAdvice {
  zone_status: ZoneRow['status'];
  zone_type: ZoneRow['type'];
  /** Full zone, pending: the name servers to set at the registrar. */
  name_servers?: string[];
  /** Partial zone: the record to create at the DNS provider that serves the zone. */
  cname?: { type: 'CNAME'; name: string; content: string };
  /** Each step in one sentence; empty when nothing is left to do. */
  instructions: string[];
}

/** The registrar step of a pending full zone (the API's activation_check answer and `route dns` print it). */
export function registrarInstruction(zone: Pick<ZoneRow, 'id' | 'name'>, domain: string): string {
  const [ns1, ns2] = serviceNameservers(domain);
  return `zone ${zone.name} is pending: at its registrar, set its name servers to ${ns1} and ${ns2} (and remove any others); warren activates it once the delegation is visible (checked in the background, or now with PUT /zones/${zone.id}/activation_check)`;
}

/** The TXT step of a pending partial zone. */
function verificationInstruction(zone: Pick<ZoneRow, 'name' | 'verification_key'>): string {
  return `zone ${zone.name} is pending: at its DNS provider, create TXT ${VERIFICATION_LABEL}.${zone.name} "${zone.verification_key ?? ''}" so warren can verify the zone is yours`;
}

/** What `zone` still needs for anything to resolve (no hostname: the zone's own steps). */
export function zoneSetupAdvice(zone: ZoneRow, domain: string): DnsSetupAdvice {
  const base = { zone_status: zone.status, zone_type: zone.type };
  if (zone.status === 'active') return { ...base, instructions: [] };
  if (zone.type === 'full')
    return { ...base, name_servers: serviceNameservers(domain), instructions: [registrarInstruction(zone, domain)] };
  return { ...base, instructions: [verificationInstruction(zone)] };
}

/**
 * What `host` (a route or a proxied record in `zone`) still needs: for a pending full zone the
 * delegation; for a partial zone the CNAME `<host>` → `<host>.cdn.<domain>` at the user's
 * provider (warren does not serve that zone), plus the TXT verification while pending.
 */
export function hostSetupAdvice(zone: ZoneRow, host: string, domain: string): DnsSetupAdvice {
  const advice = zoneSetupAdvice(zone, domain);
  if (zone.type !== 'partial') return advice;
  const cname = { type: 'CNAME' as const, name: host, content: `${host}.cdn.${domain}` };
  return {
    ...advice,
    cname,
    instructions: [
      `at the DNS provider of ${zone.name}, create ${cname.name} CNAME ${cname.content}`,
      ...advice.instructions,
    ],
  };
}
