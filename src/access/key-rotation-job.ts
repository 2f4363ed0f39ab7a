import type { Logger } from 'pino';
import type { AccessKeyRing } from './key-ring.js';

export const KEY_ROTATION_CHECK_MS = 60 * 60_000; // 1 hour between checks; intervals are whole days

/**
 * Rotates signing keys whose `key_rotation_interval_days` has passed. Time comes from the
 * store's clock, so tests move the clock and call `runOnce()` instead of waiting.
 */
export class KeyRotationJob {
  readonly #ring: AccessKeyRing;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(ring: AccessKeyRing, logger: Logger) {
    this.#ring = ring;
    this.#logger = logger;
  }

  async runOnce(): Promise<string[]> {
    const rotated = await this.#ring.rotateDue();
    for (const accountId of rotated) this.#logger.info({ accountId }, 'access: signing key rotated (interval reached)');
    return rotated;
  }

  start(everyMs = KEY_ROTATION_CHECK_MS): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running !== undefined) return;
      this.#running = this.runOnce()
        .then(
          () => {},
          (err: Error) => this.#logger.warn({ err: err.message }, 'access: key rotation check failed'),
        )
        .finally(() => {
          this.#running = undefined;
        });
    }, everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
