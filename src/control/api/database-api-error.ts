import {
  DATABASE_FAULT_CODES,
  DATABASE_FAULT_WORDS,
  type DatabaseFaultReason,
  databaseFault,
} from '../../store/index.js';
import { ApiError } from './api-error.js';

/** Seconds a client waits before trying again (`Retry-After`), by reason. */
export const DATABASE_RETRY_AFTER_S: Readonly<Record<DatabaseFaultReason, number>> = {
  unavailable: 1, // a restart or failover is usually over in a second or two
  conflict: 1,
  disk_full: 5, // someone has to free space: no point in hammering
};

/**
 * The API's answer to a transient database fault: 503 with `Retry-After` and the fault's
 * retryable code (docs/errors.md); undefined for any other error (it stays a 500).
 */
export function databaseApiError(err: unknown): ApiError | undefined {
  const fault = databaseFault(err);
  if (fault === undefined) return undefined;
  const wait = DATABASE_RETRY_AFTER_S[fault.reason];
  const e = new ApiError(
    DATABASE_FAULT_CODES[fault.reason],
    `${DATABASE_FAULT_WORDS[fault.reason]} (${fault.driverCode}); nothing was written: try again in ${wait} s`,
    503,
  );
  e.retryAfterSeconds = wait;
  return e;
}
