import type { ErrorSpec } from './error-spec.js';
import { ACCESS_ERRORS } from './error-table-access.js';
import { CONTROL_ERRORS } from './error-table-control.js';
import { MANAGEMENT_ERRORS } from './error-table-management.js';
import { STORE_ERRORS } from './error-table-store.js';
import { TUNNEL_ERRORS } from './error-table-tunnel.js';
import { installErrorTable } from './warren-error.js';

/**
 * The one table of error codes: HTTP status, Cloudflare code, retryable flag and what to do.
 * docs/errors.md is generated from it (`npm run docs:errors`); test/errors-doc.test.ts fails when
 * the file is stale. Split in files by plane only to keep each file small.
 */
export const ERROR_TABLE = {
  ...TUNNEL_ERRORS,
  ...CONTROL_ERRORS,
  ...STORE_ERRORS,
  ...ACCESS_ERRORS,
  ...MANAGEMENT_ERRORS,
} as const;

/** Every stable code: a literal union, so `switch (err.code)` narrows. */
export type WarrenErrorCode = keyof typeof ERROR_TABLE;

export function errorSpec(code: WarrenErrorCode): ErrorSpec {
  return ERROR_TABLE[code];
}

export function isWarrenErrorCode(value: unknown): value is WarrenErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

installErrorTable(errorSpec);
