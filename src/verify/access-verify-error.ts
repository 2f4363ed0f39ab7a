// Not errors/index.ts: that would load the whole error table into the public library.
import { WarrenError } from '../errors/warren-error.js';

/**
 * Why a token was refused. A literal union, so `switch (err.code)` narrows (as jose's codes do).
 * Each code is documented in docs/errors.md.
 *
 * @example
 * ```ts
 * function retryLater(code: AccessVerifyErrorCode): boolean {
 *   return code === 'WARREN_ACCESS_JWKS_UNAVAILABLE';
 * }
 * ```
 */
export type AccessVerifyErrorCode =
  | 'WARREN_ACCESS_TOKEN_MISSING'
  | 'WARREN_ACCESS_TOKEN_MALFORMED'
  | 'WARREN_ACCESS_TOKEN_ALG'
  | 'WARREN_ACCESS_TOKEN_SIGNATURE'
  | 'WARREN_ACCESS_TOKEN_KEY_UNKNOWN'
  | 'WARREN_ACCESS_TOKEN_AUDIENCE'
  | 'WARREN_ACCESS_TOKEN_ISSUER'
  | 'WARREN_ACCESS_TOKEN_EXPIRED'
  | 'WARREN_ACCESS_TOKEN_NOT_YET_VALID'
  | 'WARREN_ACCESS_JWKS_UNAVAILABLE';

/**
 * A refused Access token. The message says why and never contains the token.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(req);
 * } catch (err) {
 *   if (err instanceof AccessVerifyError && err.code === 'WARREN_ACCESS_TOKEN_EXPIRED') {
 *     // ask the visitor to sign in again
 *   }
 * }
 * ```
 */
export class AccessVerifyError extends WarrenError {
  declare readonly code: AccessVerifyErrorCode;

  constructor(code: AccessVerifyErrorCode, message: string, options: { cause?: unknown } = {}) {
    // JWKS outages pass; a bad token stays bad.
    super(code, message, { cause: options.cause, retryable: code === 'WARREN_ACCESS_JWKS_UNAVAILABLE' });
    this.name = 'AccessVerifyError';
  }

  /** 403: every refusal of a token (the error table says the same, without being loaded here). */
  override get status(): number {
    return 403;
  }
}
