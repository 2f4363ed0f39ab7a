import type { ErrorSpec } from './error-spec.js';

/** Codes of `warren tail` and the edge's management endpoint. Part of the one error table (error-table.ts). */
export const MANAGEMENT_ERRORS = {
  WARREN_MANAGEMENT_TOKEN_INVALID: {
    where: 'edge management endpoint, `warren tail`',
    status: 401,
    retryable: false,
    meaning:
      'The management token is missing, malformed, not signed by this deployment, expired (it opens a session for 5 minutes after it was issued), or names another tunnel or resource.',
    action:
      'Get a new one: `warren tail` does it by itself (`POST /accounts/{a}/cfd_tunnel/{t}/management` with `{"resources":["logs"]}`).',
  },
  WARREN_TAIL_SESSIONS_FULL: {
    where: 'edge management endpoint, `warren tail`',
    status: 429,
    retryable: true,
    meaning: 'The tunnel already has as many `warren tail` sessions on this edge as it may (4).',
    action: 'Close another `warren tail` of this tunnel, or try again later.',
  },
} as const satisfies Record<string, ErrorSpec>;
