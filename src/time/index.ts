export type { Cancel, Clock, TimerOptions, Timers } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { PeriodicJob } from './periodic-job.js';
export { RerunAfter } from './rerun-after.js';
export { SYSTEM_CLOCK, SYSTEM_TIMERS } from './system-timers.js';
