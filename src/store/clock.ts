/** Time, injected so expiry and status can be tested without sleeping. */
export interface Clock {
  now(): Date;
}

export const SYSTEM_CLOCK: Clock = { now: () => new Date() };
