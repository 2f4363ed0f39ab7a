import type { Clock, Timers } from './clock.js';

/**
 * The process's own time and timers. Timers are unref'd unless asked otherwise: a pending check
 * or sweep never keeps a stopping process alive.
 */
export const SYSTEM_TIMERS: Timers = {
  now: () => new Date(),
  after(ms, fn, options) {
    const t = setTimeout(fn, ms);
    if (options?.ref !== true) t.unref();
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

/** `SYSTEM_TIMERS` where only the time is needed. */
export const SYSTEM_CLOCK: Clock = SYSTEM_TIMERS;
