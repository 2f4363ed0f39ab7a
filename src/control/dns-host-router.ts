import type { Logger } from 'pino';
import type { HostRouter } from '../edge/index.js';
import type { Store } from '../store/index.js';

export const ROUTER_DEBOUNCE_MS = 20; // coalesce bursts of changes into one reload
export const ROUTER_SAFETY_REFRESH_MS = 60_000; // 1 minute: a full reload even without notifications
const MAX_CNAME_CHAIN = 8;

/**
 * Host → tunnel id for named tunnels, answered from memory (no database round trip per
 * request). A host routes when its zone is active (not paused, not a partial zone pending
 * verification) and has a proxied CNAME that reaches
 * `<uuid>.tunnel.<domain>` of a live tunnel of the same account, directly or through other
 * CNAMEs of that account. Rebuilt from the store on every change notification.
 */
export class DnsHostRouter implements HostRouter {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #target: RegExp;
  #exact = new Map<string, string>();
  /** `*.example.com` records, keyed by `example.com`. */
  #wild = new Map<string, string>();
  #live = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #safety: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  readonly #listeners = new Set<() => void>();

  constructor(store: Store, domain: string, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    const d = domain.toLowerCase().replaceAll('.', '\\.');
    this.#target = new RegExp(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.tunnel\\.${d}$`);
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#store.feed.subscribe((topic) => {
      if (topic === 'dns' || topic === 'zones' || topic === 'tunnels') this.#schedule();
    });
    this.#safety = setInterval(() => this.#schedule(), ROUTER_SAFETY_REFRESH_MS);
    this.#safety.unref();
    await this.refresh();
  }

  resolve(host: string): string | undefined {
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    const dot = host.indexOf('.');
    return dot < 0 ? undefined : this.#wild.get(host.slice(dot + 1));
  }

  /** The tunnel exists and is not deleted (as of the last reload). */
  isLive(tunnelId: string): boolean {
    return this.#live.has(tunnelId);
  }

  /** Called after each reload. */
  onRefresh(listener: () => void): void {
    this.#listeners.add(listener);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.refresh().catch((err: unknown) =>
        this.#logger.error({ err }, 'router: reload from the store failed; keeping the last routes'),
      );
    }, ROUTER_DEBOUNCE_MS);
  }

  /** Reloads now (one at a time; a change during a reload triggers one more). */
  async refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#load();
      } while (this.#again);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
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
    const exact = new Map<string, string>();
    const wild = new Map<string, string>();
    // Only active zones route. A paused zone's hostnames are not proxied (Cloudflare's "paused"),
    // and a partial zone pending verification has not proven it belongs to the account.
    const serving = new Set(snap.zones.filter((z) => z.paused !== 1 && z.status === 'active').map((z) => z.id));
    for (const r of snap.cnames) {
      if (r.proxied !== 1 || !serving.has(r.zone_id)) continue;
      const names = byAccount.get(r.account_id) as Map<string, string>;
      let target: string | undefined = r.content;
      let tunnelId: string | undefined;
      for (let i = 0; i < MAX_CNAME_CHAIN && target !== undefined; i++) {
        const m = this.#target.exec(target);
        if (m !== null) {
          const id = m[1] as string;
          if (tunnelAccount.get(id) === r.account_id) tunnelId = id;
          break;
        }
        target = names.get(target);
      }
      if (tunnelId === undefined) continue;
      if (r.name.startsWith('*.')) wild.set(r.name.slice(2), tunnelId);
      else exact.set(r.name, tunnelId);
    }
    this.#exact = exact;
    this.#wild = wild;
    this.#live = new Set(tunnelAccount.keys());
    for (const l of this.#listeners) l();
  }

  close(): void {
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#safety !== undefined) clearInterval(this.#safety);
  }
}
