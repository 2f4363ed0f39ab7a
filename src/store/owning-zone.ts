import type { ZoneRow } from './schema/schema.js';

/** What the longest-zone rule needs of a zone. */
export type OwnedZone = Pick<ZoneRow, 'id' | 'account_id' | 'name' | 'status'>;

/** `name` is `zone` or below it (both lower case, no trailing dot). */
export function isWithin(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * The zone that owns `host`: the longest **active** zone that contains it, whatever its account.
 * Only that zone's records route the host, only its account gets origin certificates for it,
 * and only its account's Access apps gate it. A pending zone owns nothing yet: it has not proven
 * the domain is delegated to it.
 */
export function owningZone<Z extends OwnedZone>(host: string, zones: readonly Z[]): Z | undefined {
  return longestZone(host, zones, true);
}

/**
 * The longest zone among `zones` that contains `host`; with `activeOnly` false, pending zones
 * count too. That is where a new record for `host` goes among one account's zones (records may be
 * added to a zone before it is active, as on Cloudflare); who *owns* the host is `owningZone`.
 */
export function longestZone<Z extends Pick<ZoneRow, 'name' | 'status'>>(
  host: string,
  zones: readonly Z[],
  activeOnly: boolean,
): Z | undefined {
  let best: Z | undefined;
  for (const z of zones) {
    if ((activeOnly && z.status !== 'active') || !isWithin(host, z.name)) continue;
    if (best === undefined || z.name.length > best.name.length) best = z;
  }
  return best;
}

/**
 * The same rule over zones indexed by name (the edge's router and the DNS server keep only the
 * zones that own names, i.e. the active ones): the host itself, then each parent, so a lookup
 * costs one map probe per label, not one comparison per zone.
 */
export function owningZoneIn<Z>(host: string, byName: { get(name: string): Z | undefined }): Z | undefined {
  // Ends: each turn drops one label.
  for (let n = host; ; ) {
    const z = byName.get(n);
    if (z !== undefined) return z;
    const dot = n.indexOf('.');
    if (dot < 0) return undefined;
    n = n.slice(dot + 1);
  }
}

/**
 * The host part of an Access app's domain (`*.app.example.com/admin` → `app.example.com`): the
 * name the zone rules look at. Lower case, no wildcard label, no path, no trailing dot.
 */
export function appDomainHost(domain: string): string {
  const d = domain.trim().toLowerCase();
  const slash = d.indexOf('/');
  const host = slash === -1 ? d : d.slice(0, slash);
  return (host.startsWith('*.') ? host.slice(2) : host).replace(/\.$/, '');
}
