import { WarrenError } from '../errors/index.js';
import { AccessVerifyError, createAccessVerifier, type AccessVerifier as TokenVerifier } from '../verify/index.js';
import type { AccessVerifier } from './access-check.js';
import type { AccessConfig } from './ingress/index.js';

export interface AccessJwtVerifierOptions {
  /**
   * The service domain D, for a `teamName` without a dot: its team domain is `<teamName>.access.D`.
   * A `teamName` with a dot is taken as the whole team domain.
   */
  accessDomain?: string | undefined;
  /** Passed to `warren/verify` (tests shorten the unknown-kid refetch cooldown). */
  jwksCooldownMs?: number | undefined;
}

/** The team domain of a rule, or why there is none. */
export function teamDomainOf(access: AccessConfig, accessDomain: string | undefined): string | WarrenError {
  if (access.teamName.includes('.')) return access.teamName;
  if (access.teamName === '') {
    return new WarrenError('WARREN_ACCESS_UNVERIFIABLE', 'originRequest.access has no teamName');
  }
  if (accessDomain === undefined || accessDomain === '') {
    return new WarrenError(
      'WARREN_ACCESS_UNVERIFIABLE',
      `originRequest.access.teamName "${access.teamName}" is not a full team domain and WARREN_DOMAIN is not set; write teamName: ${access.teamName}.access.<domain>`,
    );
  }
  return `${access.teamName}.access.${accessDomain}`;
}

/** Why a rule's tokens cannot be verified, or undefined when they can (checked at start-up, logged). */
export function accessProblemOf(access: AccessConfig, accessDomain: string | undefined): WarrenError | undefined {
  const team = teamDomainOf(access, accessDomain);
  if (team instanceof WarrenError) return team;
  if (access.audTag.length === 0) {
    return new WarrenError(
      'WARREN_ACCESS_UNVERIFIABLE',
      "originRequest.access has no audTag: add the application's AUD tag (GET /accounts/{a}/access/apps/{id} → aud)",
    );
  }
  return undefined;
}

/**
 * The connector's Access check (issue 12 item 6): each request's `Cf-Access-Jwt-Assertion` must
 * verify with `warren/verify` against the rule's team JWKS (`https://<team domain>/cdn-cgi/access/certs`,
 * or `access.jwksUrl`), its `aud` must hold one of the rule's `audTag`s. A rule that cannot be
 * verified (no team domain, no audTag) refuses everything: required never means pass-through.
 * One `warren/verify` instance (and so one JWKS cache) per team, JWKS address and tags, kept across reloads.
 */
export function accessJwtVerifier(options: AccessJwtVerifierOptions = {}): AccessVerifier {
  const verifiers = new Map<string, TokenVerifier>();
  const verifierFor = (access: AccessConfig): TokenVerifier => {
    const problem = accessProblemOf(access, options.accessDomain);
    if (problem !== undefined) throw problem;
    const team = teamDomainOf(access, options.accessDomain) as string;
    const key = `${team}\n${access.jwksUrl ?? ''}\n${access.audTag.join(',')}`;
    let v = verifiers.get(key);
    if (v === undefined) {
      v = createAccessVerifier({
        teamDomain: team,
        audience: access.audTag,
        ...(access.jwksUrl === undefined ? {} : { jwksUrl: access.jwksUrl }),
        ...(options.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: options.jwksCooldownMs }),
      });
      verifiers.set(key, v);
    }
    return v;
  };
  return async (token, access) => {
    const v = verifierFor(access);
    if (token === undefined) {
      throw new AccessVerifyError('WARREN_ACCESS_TOKEN_MISSING', 'the request has no Cf-Access-Jwt-Assertion header');
    }
    await v.verify(token);
    return true;
  };
}
