import type { WarrenErrorCode } from '../../errors/index.js';

/**
 * What kind of transient fault a database error is:
 * - `disk_full`: the disk under the database is full; reads work, writes fail until space is freed;
 * - `unavailable`: the server cannot be reached or refuses work for now (restart, outage, failover);
 * - `conflict`: this write collided with another one; the same write again will likely pass.
 */
export type DatabaseFaultReason = 'disk_full' | 'unavailable' | 'conflict';

export interface DatabaseFault {
  reason: DatabaseFaultReason;
  /** The driver's own code (`SQLITE_FULL`, `57P01`, `ECONNREFUSED`, …): safe to log and to show. */
  driverCode: string;
  /** The error the driver threw (kept as the cause; its message may carry server details, so it is only logged). */
  error: unknown;
}

export const DATABASE_FAULT_CODES: Readonly<Record<DatabaseFaultReason, WarrenErrorCode>> = {
  disk_full: 'WARREN_DATABASE_FULL',
  unavailable: 'WARREN_DATABASE_UNAVAILABLE',
  conflict: 'WARREN_DATABASE_CONFLICT',
};

/** What an operator reads in the log and on /readyz for each reason. */
export const DATABASE_FAULT_WORDS: Readonly<Record<DatabaseFaultReason, string>> = {
  disk_full: 'the disk under the database is full: writes fail until space is freed',
  unavailable: 'the database cannot be reached',
  conflict: 'a write collided with a concurrent one',
};

// SQLite result codes (better-sqlite3 sets `code` to the extended name).
const SQLITE: Readonly<Record<string, DatabaseFaultReason>> = {
  SQLITE_FULL: 'disk_full',
  SQLITE_BUSY: 'conflict',
  SQLITE_BUSY_SNAPSHOT: 'conflict',
  SQLITE_LOCKED: 'conflict',
};

// PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const POSTGRES: Readonly<Record<string, DatabaseFaultReason>> = {
  '53100': 'disk_full', // disk_full
  '53200': 'unavailable', // out_of_memory
  '53300': 'unavailable', // too_many_connections
  '57P01': 'unavailable', // admin_shutdown: the server is stopping or the backend was terminated
  '57P02': 'unavailable', // crash_shutdown
  '57P03': 'unavailable', // cannot_connect_now: the server is starting up or in recovery
  '25006': 'unavailable', // read_only_sql_transaction: a standby during failover
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
};

// Socket errors of the connection to PostgreSQL.
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// node-postgres reports a dropped or timed-out connection with no code at all; its messages are
// the only signal (pinned by test/store-faults.test.ts against a real server).
const PG_CONNECTION_MESSAGES = [
  'Connection terminated', // "… unexpectedly", "… due to connection timeout"
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/**
 * The transient fault `err` (or one of its causes) is, or undefined for every other error
 * (constraint violations, bugs, bad SQL): those are not retried and keep answering 500.
 *
 * @example
 * const fault = databaseFault(err);
 * if (fault?.reason === 'disk_full') logger.error({ dbCode: fault.driverCode }, 'store: disk full');
 */
export function databaseFault(err: unknown): DatabaseFault | undefined {
  // Bounded: a cause chain longer than a few links is not a driver error.
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const found = faultOf(e as { code?: unknown; message?: unknown; errors?: unknown });
    if (found !== undefined) return { ...found, error: err };
    // AggregateError (node's happy-eyeballs connect) carries the socket errors in `errors`.
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) {
      for (const x of inner) {
        const f = typeof x === 'object' && x !== null ? faultOf(x as { code?: unknown }) : undefined;
        if (f !== undefined) return { ...f, error: err };
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function faultOf(e: { code?: unknown; message?: unknown }): Omit<DatabaseFault, 'error'> | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    const reason =
      SQLITE[code] ??
      POSTGRES[code] ??
      (code.startsWith('08') && code.length === 5 ? 'unavailable' : undefined) ?? // connection_exception class
      (SOCKET.has(code) ? 'unavailable' : undefined);
    if (reason !== undefined) return { reason, driverCode: code };
  }
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === undefined && PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m))) {
    return { reason: 'unavailable', driverCode: 'connection-lost' };
  }
  return undefined;
}
