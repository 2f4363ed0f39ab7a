export type { AccessJwtClaims } from './access-claims.js';
export {
  type AccessVerifiedRequest,
  accessExpress,
  accessFastify,
  type FastifyReplyLike,
  withAccess,
} from './access-middleware.js';
export {
  type AccessVerifier,
  type AccessVerifierOptions,
  createAccessVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  MAX_TOKEN_LENGTH,
} from './access-verifier.js';
export { AccessVerifyError, type AccessVerifyErrorCode } from './access-verify-error.js';
export {
  ACCESS_COOKIE,
  ACCESS_JWT_HEADER,
  accessTokenOf,
  type HeaderSource,
  type RequestLike,
} from './token-from-request.js';
