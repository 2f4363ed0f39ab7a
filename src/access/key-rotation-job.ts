import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import { PeriodicJob, SYSTEM_TIMERS, type Timers } from '../time/index.js';
import type { AccessKeyRing } from './key-ring.js';

export const KEY_ROTATION_CHECK_MS = 60 * 60_000; // 1 hour between checks; intervals are whole days

/**
 * Rotates signing keys whose `key_rotation_interval_days` has passed. Time comes from the
 * store's clock and the checks from injected timers, so tests move a manual clock (or call
 * `runOnce()`) instead of waiting.
 */
export class KeyRotationJob {
  readonly #ring: AccessKeyRing;
  readonly #logger: Logger;
  readonly #job: PeriodicJob<string[]>;

  /** With `store`, a check runs in one process at a time across the database (the others skip it). */
  constructor(ring: AccessKeyRing, logger: Logger, timers: Timers = SYSTEM_TIMERS, store?: Store) {
    this.#ring = ring;
    this.#logger = logger;
    this.#job = new PeriodicJob(
      timers,
      async () => {
        if (store === undefined) return this.#rotate();
        const r = await store.exclusive('access-key-rotation', () => this.#rotate());
        return r.ran ? r.value : [];
      },
      (err) => this.#logger.warn({ err: (err as Error).message }, 'access: key rotation check failed'),
    );
  }

  /** One check now (or the one in flight); resolves with the accounts whose key it rotated. */
  runOnce(): Promise<string[]> {
    return this.#job.runOnce();
  }

  start(everyMs = KEY_ROTATION_CHECK_MS): void {
    this.#job.start(everyMs);
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }

  async #rotate(): Promise<string[]> {
    const rotated = await this.#ring.rotateDue();
    for (const accountId of rotated) this.#logger.info({ accountId }, 'access: signing key rotated (interval reached)');
    return rotated;
  }
}
