import type { Logger } from 'pino';
import type { Store, ZoneRow } from '../store/index.js';
import { activateZone } from './zone-ownership.js';
import { resolveOrNone, ZONE_VERIFY_DNS_TIMEOUT_MS } from './zone-verifier.js';

/** NS records of a name (host names, any case, maybe with a trailing dot); [] when it has none. */
export type NsLookup = (name: string, signal: AbortSignal) => Promise<string[]>;

/**
 * NS lookups through `server` (a parsed `--verify-resolver`, `IP:PORT`), or the system's
 * resolvers when undefined: what the parent zone delegates the domain to.
 */
export function dnsNsLookup(server: string | undefined, timeoutMs = ZONE_VERIFY_DNS_TIMEOUT_MS): NsLookup {
  return (name, signal) => resolveOrNone(server, timeoutMs, signal, (r) => r.resolveNs(name));
}

/** The nameservers a full zone must be delegated to: `ns1.<domain>`, `ns2.<domain>`. */
export function serviceNameservers(domain: string): string[] {
  return [`ns1.${domain}`, `ns2.${domain}`];
}

/**
 * Activates pending full zones whose delegation points at warren (`PUT
 * /zones/{id}/activation_check`): every NS record of the zone must be one of ns1/ns2.<domain>.
 * A delegation that also names other servers is refused: those servers could answer for the
 * domain, so it is not proven that warren serves it.
 */
export class ZoneDelegationCheck {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #lookup: NsLookup;
  readonly #ours: ReadonlySet<string>;
  readonly #abort = new AbortController();

  constructor(store: Store, logger: Logger, domain: string, lookup: NsLookup) {
    this.#store = store;
    this.#logger = logger;
    this.#lookup = lookup;
    this.#ours = new Set(serviceNameservers(domain.toLowerCase()));
  }

  /** Looks the zone's NS records up now; true when this call activated it. */
  async check(zone: ZoneRow): Promise<boolean> {
    if (zone.type !== 'full' || zone.status !== 'pending') return false;
    let found: string[];
    try {
      found = (await this.#lookup(zone.name, this.#abort.signal)).map((n) => n.toLowerCase().replace(/\.$/, ''));
    } catch (err) {
      this.#logger.warn(
        { zoneId: zone.id, err: (err as Error).message },
        'zone activation: NS lookup failed; check --verify-resolver and try again',
      );
      found = [];
    }
    await this.#store.zones.markVerificationChecked(zone.id);
    if (found.length === 0 || !found.every((n) => this.#ours.has(n))) return false;
    const done = await activateZone(
      this.#store,
      zone,
      { actor: { id: 'zone-activation', email: '', ip: '', type: 'Cloudflare' }, interface: 'activation check' },
      { name_servers: found },
    );
    if (done) this.#logger.info({ zoneId: zone.id, zone: zone.name }, 'full zone delegated to warren: active');
    return done;
  }

  /** Cancels lookups in flight. */
  stop(): void {
    this.#abort.abort();
  }
}
