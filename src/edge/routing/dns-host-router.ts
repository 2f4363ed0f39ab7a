import type { Logger } from 'pino';
import { tunnelIdOfTarget } from '../../protocol/index.js';
import { FeedReload, owningZoneIn, type Store } from '../../store/index.js';
import type { HostRouter } from '../visitor-proxy.js';

export const ROUTER_DEBOUNCE_MS = 20; // coalesce bursts of changes into one reload
export const ROUTER_SAFETY_REFRESH_MS = 60_000; // 1 minute: a full reload even without notifications
const MAX_CNAME_CHAIN = 8;

/** A routable record: the zone it is in, and the tunnel it reaches. */
interface Route {
  zoneId: string;
  tunnelId: string;
}

/**
 * Host → tunnel id for named tunnels, answered from memory (no database round trip per
 * request). A host belongs to the longest active zone that contains it (whatever the account),
 * and only that zone's records route it: a record in `example.com` named `x.app.example.com`
 * does not route once the zone `app.example.com` is active. The host routes when that zone is not
 * paused and has a proxied CNAME for it that reaches
 * `<uuid>.tunnel.<domain>` of a live tunnel of the same account, directly or through other
 * CNAMEs of that account. Rebuilt from the store on every change notification.
 */
export class DnsHostRouter implements HostRouter {
  readonly #store: Store;
  readonly #domain: string;
  /** Exact-name records, keyed `<zone id>/<name>`. */
  #exact = new Map<string, Route>();
  /** `*.example.com` records, keyed `<zone id>/example.com`. */
  #wild = new Map<string, Route>();
  /** Active zones by name: `{id, paused}`. */
  #zones = new Map<string, { id: string; paused: boolean }>();
  #live = new Set<string>();
  readonly #listeners = new Set<() => void>();
  readonly #reload: FeedReload;

  constructor(store: Store, domain: string, logger: Logger) {
    this.#store = store;
    this.#reload = new FeedReload({
      feed: store.feed,
      topics: ['dns', 'zones', 'tunnels'],
      load: () => this.#load(),
      debounceMs: ROUTER_DEBOUNCE_MS,
      safetyMs: ROUTER_SAFETY_REFRESH_MS,
      onError: (err) => logger.error({ err }, 'router: reload from the store failed; keeping the last routes'),
    });
    this.#domain = domain;
  }

  start(): Promise<void> {
    return this.#reload.start();
  }

  resolve(host: string): string | undefined {
    const zone = this.#owner(host);
    if (zone === undefined || zone.paused) return undefined;
    const exact = this.#exact.get(`${zone.id}/${host}`);
    if (exact !== undefined) return exact.tunnelId;
    const dot = host.indexOf('.');
    return dot < 0 ? undefined : this.#wild.get(`${zone.id}/${host.slice(dot + 1)}`)?.tunnelId;
  }

  /** The longest active zone containing `host` (the host itself, then each parent). */
  #owner(host: string): { id: string; paused: boolean } | undefined {
    return owningZoneIn(host, this.#zones);
  }

  /** The tunnel exists and is not deleted (as of the last reload). */
  isLive(tunnelId: string): boolean {
    return this.#live.has(tunnelId);
  }

  /** Called after each reload. */
  onRefresh(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** Reloads now (one at a time; a change during a reload triggers one more). */
  refresh(): Promise<void> {
    return this.#reload.run();
  }

  async #load(): Promise<void> {
    const snap = await this.#store.zones.routingSnapshot();
    const tunnelAccount = new Map(snap.tunnels.map((t) => [t.id, t.account_id]));
    // CNAMEs by account and name, for following chains inside one account only.
    const byAccount = new Map<string, Map<string, string>>();
    for (const r of snap.cnames) {
      let m = byAccount.get(r.account_id);
      if (m === undefined) {
        m = new Map();
        byAccount.set(r.account_id, m);
      }
      m.set(r.name, r.content);
    }
    const exact = new Map<string, Route>();
    const wild = new Map<string, Route>();
    // Only active zones own hostnames: a zone pending its activation (NS delegation, or the TXT
    // verification of a partial zone) has not proven the domain is delegated to this account.
    // A paused zone owns its hostnames but does not proxy them (Cloudflare's "paused").
    const zones = new Map<string, { id: string; paused: boolean }>();
    for (const z of snap.zones) if (z.status === 'active') zones.set(z.name, { id: z.id, paused: z.paused === 1 });
    const active = new Set([...zones.values()].map((z) => z.id));
    for (const r of snap.cnames) {
      if (r.proxied !== 1 || !active.has(r.zone_id)) continue;
      const names = byAccount.get(r.account_id) as Map<string, string>;
      let target: string | undefined = r.content;
      let tunnelId: string | undefined;
      for (let i = 0; i < MAX_CNAME_CHAIN && target !== undefined; i++) {
        const id = tunnelIdOfTarget(target, this.#domain);
        if (id !== undefined) {
          if (tunnelAccount.get(id) === r.account_id) tunnelId = id;
          break;
        }
        target = names.get(target);
      }
      if (tunnelId === undefined) continue;
      const route = { zoneId: r.zone_id, tunnelId };
      if (r.name.startsWith('*.')) wild.set(`${r.zone_id}/${r.name.slice(2)}`, route);
      else exact.set(`${r.zone_id}/${r.name}`, route);
    }
    this.#zones = zones;
    this.#exact = exact;
    this.#wild = wild;
    this.#live = new Set(tunnelAccount.keys());
    for (const l of this.#listeners) l();
  }

  close(): void {
    this.#reload.close();
  }
}
