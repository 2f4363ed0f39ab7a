import type { ErrorSpec } from './error-spec.js';

/**
 * Codes of a database that fails for a while and then works again: the API answers them 503 with
 * `Retry-After`, and clients (the CLI included) retry them. A database that cannot be opened at
 * all stays `WARREN_DATABASE`. Part of the one error table (error-table.ts).
 */
export const STORE_ERRORS = {
  WARREN_DATABASE_UNAVAILABLE: {
    where: 'API, serve, control',
    status: 503,
    retryable: true,
    meaning:
      'The database could not be reached for this request: PostgreSQL refused or dropped the connection, is restarting or shutting down, has no connection slot left, or is a read-only standby. Nothing was written.',
    action:
      'Retry after the `Retry-After` seconds (`warren` commands do this for you). `GET /readyz` answers 503 while it lasts; if it does not pass, check PostgreSQL and `--database-url`.',
  },
  WARREN_DATABASE_FULL: {
    where: 'API, serve, control',
    status: 503,
    retryable: true,
    meaning:
      "The database's disk is full (SQLite `SQLITE_FULL`, PostgreSQL `53100`): reads work, writes fail. Nothing was written.",
    action:
      'Free space on the disk of `--data-dir` (or of the PostgreSQL server); writes work again without a restart. `GET /readyz` answers 503 and `warren_database_writes_failing` is 1 until then.',
  },
  WARREN_DATABASE_CONFLICT: {
    where: 'API, serve, control',
    status: 503,
    retryable: true,
    meaning:
      'The write collided with a concurrent one (PostgreSQL serialization failure or deadlock, SQLite still locked by another process after 5 s). Nothing was written.',
    action: 'Retry after the `Retry-After` seconds (`warren` commands do this for you).',
  },
} as const satisfies Record<string, ErrorSpec>;
