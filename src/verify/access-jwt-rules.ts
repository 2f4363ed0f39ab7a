import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

/** What an Access token is checked against: who issued it, for which app, how much clock skew. */
export interface AccessJwtRules {
  /** `https://<team domain>`. */
  issuer: string;
  /** The application's AUD tag(s) (or the team domain, for the team domain's own session). */
  audience: string | readonly string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: number;
  /** The time to check against (default: now). */
  now?: Date | undefined;
}

/**
 * The one acceptance rule for an Access token, used by the edge's session cache and by
 * `warren/verify` alike: RS256 only; `exp`, `iat`, `iss` and `aud` present; the issuer and an
 * audience match; not expired, not before `nbf`, and not issued in the future (`iat`), each
 * within the clock tolerance. Resolves with the verified payload; rejects with jose's errors
 * (an `iat` in the future is a `JWTClaimValidationFailed` on `iat`).
 *
 * @example
 * const payload = await acceptAccessJwt(token, createRemoteJWKSet(certsUrl), {
 *   issuer: 'https://team.access.example.com',
 *   audience: aud,
 *   clockToleranceSeconds: 5,
 * });
 */
export async function acceptAccessJwt(
  token: string,
  keys: JWTVerifyGetKey,
  rules: AccessJwtRules,
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keys, {
    algorithms: ['RS256'],
    issuer: rules.issuer,
    audience: typeof rules.audience === 'string' ? rules.audience : [...rules.audience],
    clockTolerance: rules.clockToleranceSeconds,
    requiredClaims: ['exp', 'iat', 'iss', 'aud'],
    ...(rules.now === undefined ? {} : { currentDate: rules.now }),
  });
  // jose checks nbf and exp; an iat in the future is as suspicious as an early nbf.
  const nowSeconds = Math.floor((rules.now ?? new Date()).getTime() / 1000);
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + rules.clockToleranceSeconds) {
    throw new errors.JWTClaimValidationFailed(
      '"iat" claim timestamp check failed (it should be in the past)',
      payload,
      'iat',
      'check_failed',
    );
  }
  return payload;
}
