/** Wall-clock time, injected so expiry and status can be tested without sleeping. */
export interface Clock {
  now(): Date;
}

/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;

/**
 * Time and timers, injected so backoff, sweeps, jobs and health checks are tested by moving a
 * manual clock (`ManualClock`) instead of waiting.
 */
export interface Timers extends Clock {
  /** Calls `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel;
  /** Calls `fn` every `ms` milliseconds, the first time `ms` from now. */
  every(ms: number, fn: () => void): Cancel;
}
