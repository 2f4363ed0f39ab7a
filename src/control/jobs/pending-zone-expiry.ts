import type { Logger } from 'pino';
import type { Store } from '../../store/index.js';
import { PeriodicJob, SYSTEM_TIMERS, type Timers } from '../../time/index.js';
import { publishZoneRemoval, removeExpiredPendingZones } from '../zones/zone-ownership.js';

export const PENDING_ZONE_SWEEP_MS = 60 * 60_000; // 1 hour between sweeps; the bound is days

/**
 * Removes pending zones whose reservation of their name expired (`--pending-zone-expiry-days`
 * after they became pending), with their records and the Access apps that only they covered,
 * each audited in the zone's account. Creating a zone does the same lazily for the names it
 * overlaps, so an expired zone never blocks another account even between sweeps. Time comes
 * from the store's clock and the sweeps from injected timers.
 */
export class PendingZoneExpiry {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #expiryMs: number;
  readonly #job: PeriodicJob<number>;

  constructor(store: Store, logger: Logger, expiryMs: number, timers: Timers = SYSTEM_TIMERS) {
    this.#store = store;
    this.#logger = logger;
    this.#expiryMs = expiryMs;
    this.#job = new PeriodicJob(
      timers,
      async () => {
        const r = await store.exclusive('pending-zone-expiry', () => this.#sweep());
        return r.ran ? r.value : 0;
      },
      (err) => this.#logger.error({ err }, 'pending zone expiry failed; it runs again at the next sweep'),
    );
  }

  start(intervalMs = PENDING_ZONE_SWEEP_MS): void {
    this.#job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }

  /** One sweep (one at a time); resolves with how many zones it removed. */
  runOnce(): Promise<number> {
    return this.#job.runOnce();
  }

  async #sweep(): Promise<number> {
    const removed = await this.#store.transaction(async (tx) => {
      await tx.zones.lockOwnership();
      return removeExpiredPendingZones(tx, this.#store.clock.now(), this.#expiryMs);
    });
    if (removed.length === 0) return 0;
    await publishZoneRemoval(this.#store);
    for (const z of removed) {
      this.#logger.info({ zoneId: z.id, zone: z.name }, 'pending zone expired: removed, its name is free again');
    }
    return removed.length;
  }
}
