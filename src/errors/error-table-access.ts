import type { ErrorSpec } from './error-spec.js';

/** Codes of Access token checks (`warren/verify` and the connector). Part of the one error table (error-table.ts). */
export const ACCESS_ERRORS = {
  WARREN_ACCESS_UNVERIFIABLE: {
    where: 'connector log',
    retryable: false,
    meaning:
      'A rule has `originRequest.access.required: true` but the connector cannot verify tokens for it (no team domain: `teamName` without a dot and no `WARREN_DOMAIN`, or no verifier). Every request to the rule gets 403; none reaches the origin.',
    action:
      'Set `teamName` to the full team domain (`<team>.access.<domain>`) or `WARREN_DOMAIN`; for a private JWKS address set `access.jwksUrl`.',
  },
  WARREN_ACCESS_TOKEN_MISSING: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: 'The request has no `Cf-Access-Jwt-Assertion` header and no `CF_Authorization` cookie.',
    action: 'Reach the app through its protected hostname, so the edge adds the token.',
  },
  WARREN_ACCESS_TOKEN_MALFORMED: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: 'The token is not a compact JWS, or a claim has the wrong type.',
    action: "Do not pass anything but the header's value.",
  },
  WARREN_ACCESS_TOKEN_ALG: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The token's `alg` is not RS256 (`none`, HS256 … are refused).",
    action: 'A forged token; nothing to fix on the origin.',
  },
  WARREN_ACCESS_TOKEN_SIGNATURE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The signature does not verify with the team's key of that `kid`.",
    action: "A forged or altered token, or one from another account's keys.",
  },
  WARREN_ACCESS_TOKEN_KEY_UNKNOWN: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The `kid` is not in the team's JWKS, even after a refetch.",
    action: 'Check `teamDomain`; keys older than the 7-day rotation overlap are gone.',
  },
  WARREN_ACCESS_TOKEN_AUDIENCE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: "The token's `aud` does not hold this app's AUD tag.",
    action: "Set `audience` / `audTag` to the app's `aud` from `GET /accounts/{a}/access/apps/{id}`.",
  },
  WARREN_ACCESS_TOKEN_ISSUER: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`iss` is not `https://<teamDomain>`.',
    action: "Set `teamDomain` / `teamName` to the account's team domain.",
  },
  WARREN_ACCESS_TOKEN_EXPIRED: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`exp` is past.',
    action: 'The visitor signs in again; the edge sends a fresh token.',
  },
  WARREN_ACCESS_TOKEN_NOT_YET_VALID: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: false,
    meaning: '`nbf` (or `iat`) is in the future beyond the clock tolerance.',
    action: 'Check the clocks of the edge and the origin (NTP).',
  },
  WARREN_ACCESS_JWKS_UNAVAILABLE: {
    where: '`warren/verify`, connector',
    status: 403,
    retryable: true,
    meaning: 'The JWKS at `https://<teamDomain>/cdn-cgi/access/certs` (or `jwksUrl`) could not be fetched or parsed.',
    action: 'Check that the origin can reach the team domain; requests are refused until it can.',
  },
} as const satisfies Record<string, ErrorSpec>;
