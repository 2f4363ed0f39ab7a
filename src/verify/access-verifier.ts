import { createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { type AccessJwtClaims, readAccessClaims } from './access-claims.js';
import { acceptAccessJwt } from './access-jwt-rules.js';
import { AccessVerifyError } from './access-verify-error.js';
import { fetchedKeySet } from './fetched-key-set.js';
import { accessTokenOf, type RequestLike } from './token-from-request.js';

/**
 * Default for {@link AccessVerifierOptions.clockToleranceSeconds}.
 *
 * @example
 * ```ts
 * createAccessVerifier({ teamDomain, audience, clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS * 2 });
 * ```
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5; // 5 seconds of clock skew between edge and origin
/**
 * Default for {@link AccessVerifierOptions.jwksTimeoutMs}.
 *
 * @example
 * ```ts
 * createAccessVerifier({ teamDomain, audience, jwksTimeoutMs: DEFAULT_JWKS_TIMEOUT_MS * 2 });
 * ```
 */
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000; // 5 seconds for the team domain to answer
/**
 * Default for {@link AccessVerifierOptions.jwksCooldownMs}.
 *
 * @example
 * ```ts
 * createAccessVerifier({ teamDomain, audience, jwksCooldownMs: DEFAULT_JWKS_COOLDOWN_MS / 2 });
 * ```
 */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000; // 30 seconds between refetches for unknown kids
/**
 * Default for {@link AccessVerifierOptions.jwksCacheMaxAgeMs}.
 *
 * @example
 * ```ts
 * createAccessVerifier({ teamDomain, audience, jwksCacheMaxAgeMs: DEFAULT_JWKS_CACHE_MAX_AGE_MS * 6 });
 * ```
 */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000; // 10 minutes before keys are refetched anyway
/**
 * Longer strings are refused before any parsing (a real Access token is about 1 KiB).
 *
 * @example
 * ```ts
 * if (token.length > MAX_TOKEN_LENGTH) return res.writeHead(431).end();
 * ```
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * What {@link createAccessVerifier} takes: the team domain and the app's AUD tag are required.
 *
 * @example
 * ```ts
 * const options: AccessVerifierOptions = {
 *   teamDomain: 'myteam.access.example.com',
 *   audience: process.env.ACCESS_AUD ?? '',
 *   jwksUrl: 'http://10.0.0.5/cdn-cgi/access/certs', // a private address of the team domain
 * };
 * ```
 */
export interface AccessVerifierOptions {
  /** The team domain, `<team>.access.<domain>` (an `https://` prefix is accepted). Tokens must have `iss` = `https://<teamDomain>`. */
  teamDomain: string;
  /** The application's AUD tag (or several: a token for any of them is accepted). */
  audience: string | readonly string[];
  /** Where the signing keys are; default `https://<teamDomain>/cdn-cgi/access/certs`. */
  jwksUrl?: string | URL;
  /**
   * Reads the keys some other way than HTTPS (warren's connector asks its edge over the tunnel
   * link); same caching and unknown-`kid` cooldown as the HTTPS fetch. `jwksUrl` is then only named in errors.
   */
  fetchJwks?: () => Promise<JSONWebKeySet>;
  clockToleranceSeconds?: number;
  jwksTimeoutMs?: number;
  /** A token naming an unknown `kid` refetches the keys, at most once per this interval. */
  jwksCooldownMs?: number;
  jwksCacheMaxAgeMs?: number;
  /** For tests: the time tokens are checked against. */
  now?: () => Date;
}

/**
 * One application's verifier, from {@link createAccessVerifier}.
 *
 * @example
 * ```ts
 * const access: AccessVerifier = createAccessVerifier({ teamDomain, audience });
 * const claims = await access.verify(request.headers.get('cf-access-jwt-assertion') ?? '');
 * ```
 */
export interface AccessVerifier {
  /** The issuer tokens must carry: `https://<teamDomain>`. */
  readonly issuer: string;
  /**
   * Verifies a token (a JWT string, or a request carrying `Cf-Access-Jwt-Assertion` or the
   * `CF_Authorization` cookie) and resolves with its claims; rejects with an {@link AccessVerifyError}.
   */
  verify(tokenOrRequest: string | RequestLike): Promise<AccessJwtClaims>;
}

/**
 * Creates a verifier for one Access application: RS256 signatures against the team's JWKS
 * (fetched once, cached, refetched when a token names an unknown `kid`), then `aud`, `iss`,
 * `exp` and `nbf`. Create it once and share it: the JWKS cache lives in it.
 *
 * @example
 * ```ts
 * import { createAccessVerifier } from 'warren/verify';
 *
 * const access = createAccessVerifier({
 *   teamDomain: 'myteam.access.example.com',
 *   audience: '4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2',
 * });
 * const claims = await access.verify(req); // or access.verify(jwtString)
 * console.log(claims.email);
 * ```
 */
export function createAccessVerifier(options: AccessVerifierOptions): AccessVerifier {
  const team = options.teamDomain.replace(/^https:\/\//, '').replace(/\/+$/, '');
  if (team === '' || /[/\s]/.test(team)) {
    throw new TypeError(`teamDomain "${options.teamDomain}" is not a host name; pass e.g. "myteam.access.example.com"`);
  }
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) {
    throw new TypeError("audience must be the application's AUD tag (a non-empty string, or a list of them)");
  }
  const issuer = `https://${team}`;
  const url = new URL(options.jwksUrl ?? `${issuer}/cdn-cgi/access/certs`);
  const cooldownDuration = options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  const cacheMaxAge = options.jwksCacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS;
  const keys: JWTVerifyGetKey =
    options.fetchJwks === undefined
      ? createRemoteJWKSet(url, {
          timeoutDuration: options.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
          cooldownDuration,
          cacheMaxAge,
        })
      : fetchedKeySet(options.fetchJwks, cooldownDuration, cacheMaxAge);
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const now = options.now;
  return {
    issuer,
    async verify(tokenOrRequest) {
      const token = typeof tokenOrRequest === 'string' ? tokenOrRequest : accessTokenOf(tokenOrRequest);
      if (token === undefined || token === '') {
        throw new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_MISSING',
          'no Access token: the request has no Cf-Access-Jwt-Assertion header and no CF_Authorization cookie',
        );
      }
      if (token.length > MAX_TOKEN_LENGTH) {
        throw new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_MALFORMED',
          `the Access token is longer than ${MAX_TOKEN_LENGTH} characters`,
        );
      }
      let payload: Record<string, unknown>;
      try {
        payload = await acceptAccessJwt(token, keys, {
          issuer,
          audience,
          clockToleranceSeconds: tolerance,
          now: now?.(),
        });
      } catch (err) {
        throw refusal(err, issuer, url);
      }
      const claims = readAccessClaims(payload);
      if (claims === undefined) {
        throw new AccessVerifyError('WARREN_ACCESS_TOKEN_MALFORMED', 'the Access token has a claim of the wrong type');
      }
      return claims;
    },
  };
}

/** Maps jose's error codes onto ours; messages carry no token material. */
function refusal(err: unknown, issuer: string, url: URL): AccessVerifyError {
  const cause = { cause: err };
  if (err instanceof errors.JWTExpired) {
    return new AccessVerifyError('WARREN_ACCESS_TOKEN_EXPIRED', 'the Access token has expired', cause);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_AUDIENCE',
          "the Access token was issued for another application (aud lacks this application's AUD tag)",
          cause,
        );
      case 'iss':
        return new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_ISSUER',
          `the Access token was not issued by ${issuer}`,
          cause,
        );
      case 'nbf':
        return new AccessVerifyError('WARREN_ACCESS_TOKEN_NOT_YET_VALID', 'the Access token is not valid yet', cause);
      case 'iat':
        return new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_NOT_YET_VALID',
          'the Access token was issued in the future (iat)',
          cause,
        );
      default:
        return new AccessVerifyError(
          'WARREN_ACCESS_TOKEN_MALFORMED',
          `the Access token's ${err.claim} claim is invalid`,
          cause,
        );
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new AccessVerifyError('WARREN_ACCESS_TOKEN_ALG', 'the Access token is not signed with RS256', cause);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new AccessVerifyError(
      'WARREN_ACCESS_TOKEN_SIGNATURE',
      "the Access token's signature does not verify",
      cause,
    );
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new AccessVerifyError(
      'WARREN_ACCESS_TOKEN_KEY_UNKNOWN',
      `the Access token names a signing key that ${url.href} does not list`,
      cause,
    );
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new AccessVerifyError(
      'WARREN_ACCESS_TOKEN_MALFORMED',
      'the Access token is not a well-formed signed JWT',
      cause,
    );
  }
  return new AccessVerifyError(
    'WARREN_ACCESS_JWKS_UNAVAILABLE',
    `the signing keys at ${url.href} could not be fetched or read (${err instanceof Error ? err.message : 'error'})`,
    cause,
  );
}
