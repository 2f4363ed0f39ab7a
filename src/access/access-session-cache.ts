import { createHash } from 'node:crypto';
import { createLocalJWKSet, type JWTPayload } from 'jose';
import { acceptAccessJwt } from '../verify/access-jwt-rules.js';
import type { JwksDocument } from './jwks-document.js';

/** What a verified Access token says, kept in memory so the next request with it is a map lookup. */
export interface AccessSession {
  accountId: string;
  /** The audience the token was verified for: an app's AUD tag, or a team domain. */
  aud: string;
  /** Absent for a service token. */
  email: string | undefined;
  sub: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  /** `common_name` of a service token's JWT. */
  commonName: string | undefined;
  /** The identity provider a person logged in with (absent in tokens from before it was recorded). */
  idp?: { id: string; type: string } | undefined;
  /** OIDC claims mapped by the provider's `claims` (e.g. `groups`). */
  custom?: Readonly<Record<string, unknown>> | undefined;
}

/** Where an account's public keys come from (the key ring's JWKS). */
export type JwksSource = (accountId: string) => Promise<JwksDocument>;

// Memory bounds: past this many tokens the oldest are dropped (then verified again when seen).
const MAX_SESSIONS = 100_000;
const MAX_REFUSED = 10_000;
/** Longer tokens are refused unread (a real one is about 1 KiB); refused ones are remembered by hash. */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** An account's keys are fetched at most this often when a token names an unknown kid. */
const KEY_REFRESH_MIN_MS = 5_000; // 5 seconds
const CLOCK_TOLERANCE_S = 5; // 5 seconds, as warren/verify's default

interface KeySet {
  at: number;
  verify: ReturnType<typeof createLocalJWKSet>;
  kids: Set<string>;
}

/**
 * Verifies Access JWTs (RS256, the account's keys, `aud`, `iss`, `exp`, `nbf`) once, then
 * answers from memory: the edge's budget for a protected request is a few microseconds, and an
 * RSA verification costs more than that. A token is cached under its exact text, with the
 * audience and account it was verified for; a cached token is still checked for expiry and for
 * the audience asked about. Refused tokens are remembered too, so garbage costs one parse.
 */
export class AccessSessionCache {
  readonly #keys: JwksSource;
  readonly #sessions = new Map<string, AccessSession>();
  /** `<aud> <sha256 of token>` of refused tokens (a token for app A is still checked when it reaches app A). */
  readonly #refused = new Map<string, true>();
  readonly #keySets = new Map<string, KeySet>();
  /** Tokens ended by a logout in this process, until they expire. */
  readonly #ended = new Map<string, number>();

  constructor(keys: JwksSource) {
    this.#keys = keys;
  }

  /**
   * The session of `token` when it is cached and valid for `aud` at `nowSeconds`; `null` when it
   * is known to be invalid for it; `undefined` when it was never seen (call {@link verify}).
   */
  cached(token: string, aud: string, nowSeconds: number): AccessSession | null | undefined {
    const s = this.#sessions.get(token);
    if (s !== undefined) return s.aud === aud && s.exp > nowSeconds ? s : null;
    if (token.length > MAX_TOKEN_LENGTH) return null;
    return this.#refused.has(refusedKey(aud, token)) ? null : undefined;
  }

  /** Verifies `token` for `aud`, issued by `https://<teamDomain>` with the account's keys; caches the outcome. */
  async verify(
    token: string,
    expected: { accountId: string; aud: string; teamDomain: string },
    nowSeconds: number,
  ): Promise<AccessSession | null> {
    const known = this.cached(token, expected.aud, nowSeconds);
    if (known !== undefined) return known;
    if (this.#ended.has(token)) return null;
    try {
      const keys = await this.#keySet(expected.accountId, kidOf(token));
      const payload = await acceptAccessJwt(token, keys.verify, {
        audience: expected.aud,
        issuer: `https://${expected.teamDomain}`,
        now: new Date(nowSeconds * 1000),
        // Edge processes' clocks differ a little, and a token issued just after a revocation has
        // an iat (and nbf) up to a second ahead.
        clockToleranceSeconds: CLOCK_TOLERANCE_S,
      });
      const s = sessionOf(payload, expected.accountId, expected.aud);
      this.remember(token, s);
      return s;
    } catch {
      // Refused for this audience: a token for another app is refused again without a signature check.
      if (this.#refused.size >= MAX_REFUSED) this.#refused.clear();
      this.#refused.set(refusedKey(expected.aud, token), true);
      return null;
    }
  }

  /** Caches a token this process has just signed (no need to verify what we minted). */
  remember(token: string, s: AccessSession): void {
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done !== true) this.#sessions.delete(oldest.value);
    }
    this.#sessions.set(token, s);
  }

  /** A logout: the token is refused from now on in this process (until it expires anyway). */
  end(token: string, exp: number): void {
    this.#sessions.delete(token);
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [t, until] of this.#ended) if (until <= nowSeconds) this.#ended.delete(t);
    if (this.#ended.size < MAX_SESSIONS) this.#ended.set(token, exp);
  }

  async #keySet(accountId: string, kid: string | undefined): Promise<KeySet> {
    const now = Date.now();
    const have = this.#keySets.get(accountId);
    if (have !== undefined && (kid === undefined || have.kids.has(kid) || now - have.at < KEY_REFRESH_MIN_MS)) {
      return have;
    }
    const doc = await this.#keys(accountId);
    const set: KeySet = {
      at: now,
      verify: createLocalJWKSet({ keys: doc.keys }),
      kids: new Set(doc.keys.map((k) => k.kid)),
    };
    this.#keySets.set(accountId, set);
    return set;
  }
}

/** By hash: garbage tokens cost a bounded amount of memory however long they are. */
function refusedKey(aud: string, token: string): string {
  return `${aud} ${createHash('sha256').update(token).digest('base64url')}`;
}

function kidOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const h = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof h.kid === 'string' ? h.kid : undefined;
  } catch {
    return undefined;
  }
}

function sessionOf(p: JWTPayload, accountId: string, aud: string): AccessSession {
  return {
    accountId,
    aud,
    email: typeof p.email === 'string' ? p.email : undefined,
    sub: p.sub ?? '',
    iat: p.iat ?? 0,
    exp: p.exp ?? 0,
    commonName: typeof p.common_name === 'string' ? p.common_name : undefined,
    idp: idpOf(p.idp),
    custom:
      typeof p.custom === 'object' && p.custom !== null && !Array.isArray(p.custom)
        ? (p.custom as Record<string, unknown>)
        : undefined,
  };
}

function idpOf(v: unknown): { id: string; type: string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { id, type } = v as { id?: unknown; type?: unknown };
  return typeof id === 'string' && typeof type === 'string' ? { id, type } : undefined;
}
