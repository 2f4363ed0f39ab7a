/** Wall-clock time, injected so expiry and status can be tested without sleeping. */
export interface Clock {
  now(): Date;
}

export interface TimerOptions {
  /** Keep the process alive while the timer is pending (default false). */
  ref?: boolean;
}

/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;

/**
 * Time and timers, injected so backoff, sweeps, jobs and health checks are tested by moving a
 * manual clock (`ManualClock`) instead of waiting.
 */
export interface Timers extends Clock {
  /**
   * Calls `fn` once after `ms` milliseconds. The system's timer does not keep the process alive
   * unless `options.ref` (a wait the process exists for, such as a reconnect backoff).
   */
  after(ms: number, fn: () => void, options?: TimerOptions): Cancel;
  /** Calls `fn` every `ms` milliseconds, the first time `ms` from now. */
  every(ms: number, fn: () => void): Cancel;
}
