import type { JSONWebKeySet } from 'jose';
import { WarrenError } from '../errors/index.js';
import { AccessVerifyError, createAccessVerifier, type AccessVerifier as TokenVerifier } from '../verify/index.js';
import type { AccessVerifier } from './access-check.js';
import type { AccessConfig } from './ingress/index.js';

export interface AccessJwtVerifierOptions {
  /**
   * The service domain D, for a `teamName` without a dot: its team domain is `<teamName>.access.D`.
   * A `teamName` with a dot is taken as the whole team domain.
   */
  accessDomain?: string | (() => string | undefined) | undefined;
  /** Passed to `warren/verify` (tests shorten the unknown-kid refetch cooldown); default 10 s. */
  jwksCooldownMs?: number | undefined;
  /**
   * The team's keys over the tunnel link (edge feature `access-keys`), or undefined when no link
   * offers them: the keys are then fetched from `https://<team domain>/cdn-cgi/access/certs`.
   */
  linkKeys?: ((teamDomain: string) => Promise<{ keys: unknown[] }> | undefined) | undefined;
}

/** Unknown-`kid` refetches of a team's keys, at most once per this interval. */
export const CONNECTOR_JWKS_COOLDOWN_MS = 10_000; // 10 seconds
const JWKS_FETCH_TIMEOUT_MS = 5_000; // 5 seconds, as warren/verify's own fetch

/** The HTTPS fallback when no link answers AccessKeys (an older edge). */
async function httpsJwks(teamDomain: string): Promise<JSONWebKeySet> {
  const res = await fetch(`https://${teamDomain}/cdn-cgi/access/certs`, {
    signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`https://${teamDomain}/cdn-cgi/access/certs answered ${res.status}`);
  return (await res.json()) as JSONWebKeySet;
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
      `originRequest.access.teamName "${access.teamName}" is a short team name, and neither the edge (at registration) nor WARREN_DOMAIN gave the service domain; write teamName: ${access.teamName}.access.<domain>`,
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
  const { linkKeys } = options;
  const verifierFor = (access: AccessConfig): TokenVerifier => {
    const domain = typeof options.accessDomain === 'function' ? options.accessDomain() : options.accessDomain;
    const problem = accessProblemOf(access, domain);
    if (problem !== undefined) throw problem;
    const team = teamDomainOf(access, domain) as string;
    const key = `${team}\n${access.jwksUrl ?? ''}\n${access.audTag.join(',')}`;
    let v = verifiers.get(key);
    if (v === undefined) {
      v = createAccessVerifier({
        teamDomain: team,
        audience: access.audTag,
        ...(access.jwksUrl === undefined ? {} : { jwksUrl: access.jwksUrl }),
        // Over the link when one offers it, else HTTPS; a rule's own jwksUrl is always fetched.
        ...(access.jwksUrl !== undefined || linkKeys === undefined
          ? {}
          : { fetchJwks: async () => ((await linkKeys(team)) as JSONWebKeySet | undefined) ?? httpsJwks(team) }),
        jwksCooldownMs: options.jwksCooldownMs ?? CONNECTOR_JWKS_COOLDOWN_MS,
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
