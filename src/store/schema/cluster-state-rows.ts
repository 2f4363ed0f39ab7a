/**
 * State that used to live in one process's memory (issue 23 item 8), so that any process on a
 * shared PostgreSQL sees it: sign-in failures, Access logins in flight, running-tunnel slots.
 * Times are milliseconds since the epoch (`double precision`: exact to 2^53, a number in both drivers).
 */

/** One key's failures and lock-out: a sign-in throttle (`book` e.g. `access:address`) or a job's backoff (`zone-activation`). */
export interface BackoffLedgerRow {
  book: string;
  key: string;
  failures: number;
  last_failure_ms: number;
  locked_until_ms: number;
}

/** A login in flight: a one-time PIN (`pin`), an OIDC login (`oidc`) or a CLI transfer (`cli`). */
export interface AccessPendingRow {
  kind: string;
  /** The id the browser carries (never the secret itself). */
  id: string;
  /** sha256 hex of the secret the visitor must show (the PIN, the browser binding). */
  secret_hash: string;
  /** JSON of what the login needs at its end. */
  payload: string;
  expires_ms: number;
  attempts: number;
}

/** A tunnel admitted under its account's running-tunnel limit whose link may not be recorded yet. */
export interface TunnelSlotRow {
  account_id: string;
  tunnel_id: string;
  until_ms: number;
}
