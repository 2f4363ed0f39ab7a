import type { Logger } from 'pino';
import type { Store } from '../../store/index.js';
import { PeriodicJob, SYSTEM_TIMERS, type Timers } from '../../time/index.js';

export const CLASSIC_CLEANUP_INTERVAL_MS = 10 * 60_000; // 10 minutes between sweeps; the window is hours

/**
 * The background job that deletes the DNS records classic tunnels created, once the tunnel has
 * had no connection for the record's delay (24–48 hours by default). Only records it created
 * are touched, and only while they still point where it left them. Time comes from the store's
 * clock and the sweeps from injected timers, so tests move a manual clock instead of waiting.
 */
export class ClassicDnsCleanup {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #job: PeriodicJob<number>;

  constructor(store: Store, logger: Logger, intervalMs = CLASSIC_CLEANUP_INTERVAL_MS, timers: Timers = SYSTEM_TIMERS) {
    this.#store = store;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#job = new PeriodicJob(
      timers,
      // Once across every process on the database (issue 23): the others skip the sweep.
      async () => {
        const r = await store.exclusive('classic-dns-cleanup', () => this.#sweep());
        return r.ran ? r.value : 0;
      },
      (err) => this.#logger.error({ err }, 'classic DNS cleanup failed; it runs again at the next sweep'),
    );
  }

  start(): void {
    this.#job.start(this.#intervalMs);
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }

  /** One sweep (one at a time); resolves with how many records it deleted. */
  runOnce(): Promise<number> {
    return this.#job.runOnce();
  }

  async #sweep(): Promise<number> {
    const now = this.#store.clock.now().getTime();
    let deleted = 0;
    for (const r of await this.#store.classic.idle()) {
      const quiet = Math.max(Date.parse(r.quiet_since), Date.parse(r.created_on));
      if (now - quiet < r.cleanup_after_ms) continue;
      const gone = await this.#store.transaction(async (tx) => {
        // It may have reconnected since the scan: then it keeps its record.
        if ((await tx.tunnels.connections(r.tunnel_id)).length > 0) return false;
        await tx.classic.remove(r.record_id);
        const rec = await tx.zones.record(r.zone_id, r.record_id);
        if (rec === undefined) return false;
        await tx.zones.deleteRecord(rec.id);
        await tx.audit.append({
          accountId: r.account_id,
          action: 'rec_del',
          actor: { id: 'classic-dns-cleanup', email: '', ip: '', type: 'Cloudflare' },
          interface: 'classic DNS cleanup',
          resource: { id: rec.id, type: 'DNS_record' },
          metadata: {
            zone_id: rec.zone_id,
            name: rec.name,
            type: rec.type,
            content: rec.content,
            tunnel_id: r.tunnel_id,
            reason: `classic tunnel unregistered since ${new Date(quiet).toISOString()}`,
          },
        });
        return true;
      });
      if (gone) {
        deleted++;
        this.#logger.info(
          { tunnelId: r.tunnel_id, name: r.name },
          'classic tunnel unregistered too long: DNS record deleted',
        );
      }
    }
    if (deleted > 0) await this.#store.feed.publish('dns');
    return deleted;
  }
}
