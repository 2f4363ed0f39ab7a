import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { type DnsZoneReader, FeedReload, type ServedRecord, type Store } from '../store/index.js';
import { addAcmeChallenge, type DnsAddresses, serviceZone, userZone, type ZoneIndex } from './zone-index.js';

export const DNS_RELOAD_DEBOUNCE_MS = 20; // coalesce a burst of API changes into one reload
export const DNS_SAFETY_RELOAD_MS = 60_000; // 1 minute: a full reload even without notifications

/**
 * The zones the DNS server answers for, in memory (no database round trip per query), reloaded
 * on every `dns`/`zones` change notification (and `acme_challenges`: DNS-01 TXT values in flight), the way DnsHostRouter does: in-process at once,
 * across processes through PostgreSQL's LISTEN/NOTIFY.
 *
 * SOA serial: there is no serial column, and a deleted record leaves no modification time, so
 * the serial is the time (Unix seconds) at which this process first loaded the zone's current
 * contents, and at least the previous serial + 1. It grows on every change and across restarts
 * (as long as the clock does); two processes may show different serials for the same contents.
 */
export class DnsZoneCache {
  readonly #reader: DnsZoneReader;
  readonly #store: Store;
  readonly #domain: string;
  readonly #addresses: DnsAddresses;
  readonly #now: () => number;
  #index: ZoneIndex = new Map();
  /** zone id → fingerprint of its contents and the serial given to it. */
  #serials = new Map<string, { fingerprint: string; serial: number }>();
  readonly #reload: FeedReload;

  constructor(options: {
    store: Store;
    domain: string;
    addresses: DnsAddresses;
    logger: Logger;
    /** Milliseconds since the epoch (injectable for tests). */
    now?: () => number;
  }) {
    this.#reader = options.store.dnsZones;
    this.#store = options.store;
    this.#domain = options.domain.toLowerCase();
    this.#addresses = options.addresses;
    this.#now = options.now ?? Date.now;
    this.#reload = new FeedReload({
      feed: options.store.feed,
      topics: ['dns', 'zones', 'acme_challenges'],
      load: () => this.#load(),
      debounceMs: DNS_RELOAD_DEBOUNCE_MS,
      safetyMs: DNS_SAFETY_RELOAD_MS,
      onError: (err) =>
        options.logger.error({ err }, 'dns: reload from the store failed; answering from the last zones'),
    });
  }

  get index(): ZoneIndex {
    return this.#index;
  }

  start(): Promise<void> {
    return this.#reload.start();
  }

  /** Reloads now (one at a time; a change during a reload triggers one more). */
  refresh(): Promise<void> {
    return this.#reload.run();
  }

  #serial(id: string, fingerprint: string): number {
    const nowS = Math.floor(this.#now() / 1000);
    const prev = this.#serials.get(id);
    if (prev !== undefined && prev.fingerprint === fingerprint) return prev.serial;
    // RFC 1982 arithmetic is not needed before 2106; stay within 32 bits anyway.
    const serial = Math.max(prev === undefined ? 0 : prev.serial + 1, nowS) >>> 0;
    this.#serials.set(id, { fingerprint, serial });
    return serial;
  }

  async #load(): Promise<void> {
    const snap = await this.#reader.snapshot();
    const byZone = new Map<string, ServedRecord[]>();
    for (const r of snap.records) {
      const list = byZone.get(r.zone_id);
      if (list === undefined) byZone.set(r.zone_id, [r]);
      else list.push(r);
    }
    const index = new Map<string, ReturnType<typeof userZone>>();
    const live = new Set<string>();
    const owner = new Map(snap.zones.map((z) => [z.name.toLowerCase(), z.account_id]));
    for (const z of snap.zones) {
      const name = z.name.toLowerCase();
      // The API refuses these; the server does not rely on it. A zone inside the service domain
      // would answer for `*.tunnel.D` or `ns1.D`, and one inside another account's zone would take
      // over that account's names: neither is served.
      if (name === this.#domain || name.endsWith(`.${this.#domain}`)) continue;
      if (this.#insideForeignZone(name, z.account_id, owner)) continue;
      const records = byZone.get(z.id) ?? [];
      // Pausing changes answers (DNS-only): it changes the serial too.
      const h = createHash('sha256').update(`${z.name}\t${z.paused}`);
      for (const line of records
        .map((r) => `${r.name}\t${r.type}\t${r.content}\t${r.proxied}\t${r.ttl}\t${r.priority}\t${r.data}`)
        .sort())
        h.update(`\n${line}`);
      live.add(z.id);
      index.set(name, userZone(z, records, this.#serial(z.id, h.digest('hex')), this.#domain, this.#addresses));
    }
    for (const id of this.#serials.keys()) if (!live.has(id) && id !== '') this.#serials.delete(id);
    index.set(this.#domain, serviceZone(this.#domain, this.#serial('', 'service'), this.#addresses));
    for (const c of await this.#store.acme.dnsChallenges()) addAcmeChallenge(index, c.name, c.value);
    this.#index = index;
  }

  #insideForeignZone(name: string, accountId: string, owner: ReadonlyMap<string, string>): boolean {
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      const other = owner.get(name.slice(dot + 1));
      if (other !== undefined && other !== accountId) return true;
    }
    return false;
  }

  close(): void {
    this.#reload.close();
  }
}
