/**
 * How much ACME one tenant may spend, so that one account's 200 hostnames do not burn the ACME
 * account's limits for everybody (Let's Encrypt allows 300 new orders per 3 hours per account).
 */
export interface AcmeLimits {
  /** Orders one warren account (a tenant) may place in a rolling hour. */
  ordersPerAccountPerHour: number;
  /** Orders for names of one zone in a rolling hour. */
  ordersPerZonePerHour: number;
  /** Backoff after a name's first failure; doubles with each further failure. */
  backoffBaseMs: number;
  /** The longest backoff between two attempts for one name. */
  backoffMaxMs: number;
  /** A certificate is renewed when it has this long left. */
  renewBeforeMs: number;
}

export const DEFAULT_ACME_LIMITS: AcmeLimits = {
  ordersPerAccountPerHour: 30,
  ordersPerZonePerHour: 20,
  backoffBaseMs: 60_000, // 1 minute after the first failure, then 2, 4, 8 … minutes
  backoffMaxMs: 86_400_000, // 24 hours at most between attempts
  renewBeforeMs: 30 * 86_400_000, // 30 days before expiry
};

/** The wait before the next attempt after `failures` failures in a row (≥ 1). */
export function backoffMs(limits: AcmeLimits, failures: number): number {
  return Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}
