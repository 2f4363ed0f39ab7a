import type { Cancel, Timers } from './clock.js';

/**
 * A background job that runs every `intervalMs` on injected timers, one run at a time: a tick
 * while a run is in flight joins it. Tests call `runOnce()` or move a `ManualClock`.
 */
export class PeriodicJob<T> {
  readonly #timers: Timers;
  readonly #run: () => Promise<T>;
  readonly #onError: (err: unknown) => void;
  #cancel: Cancel | undefined;
  #running: Promise<T> | undefined;

  /** `onError` hears a failed timed run (the next tick tries again); `runOnce()` callers get the rejection. */
  constructor(timers: Timers, run: () => Promise<T>, onError: (err: unknown) => void) {
    this.#timers = timers;
    this.#run = run;
    this.#onError = onError;
  }

  /** Starts the schedule (once; a second call keeps the first schedule). */
  start(intervalMs: number): void {
    if (this.#cancel !== undefined) return;
    this.#cancel = this.#timers.every(intervalMs, () => {
      this.runOnce().catch(this.#onError);
    });
  }

  /** Stops the schedule; resolves once a run in flight has ended. */
  async stop(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    await this.#running?.catch(() => {});
  }

  /** One run now, or the one in flight. */
  runOnce(): Promise<T> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
