import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One OIDC login between the redirect to the identity provider and its callback. */
export interface PendingOidcLogin {
  idpId: string;
  accountId: string;
  /** The app's AUD tag, its host and the path to return to. */
  aud: string;
  appHost: string;
  back: string;
  nonce: string;
  codeVerifier: string;
  /** The callback URL sent as redirect_uri (the token request must repeat it). */
  redirectUri: string;
}

export const OIDC_LOGIN_TTL_MS = 10 * 60_000; // 10 minutes to log in at the identity provider
/** Past this many logins in flight the oldest are dropped, so visitors cannot fill memory. */
export const MAX_PENDING_OIDC_LOGINS = 10_000;

interface Entry {
  login: PendingOidcLogin;
  /** sha256 of the browser binding (the value of the HttpOnly cookie set with the redirect). */
  binding: Buffer;
  expiresAt: number;
}

export type PendingTake =
  | { ok: true; login: PendingOidcLogin }
  | { ok: false; why: 'unknown' | 'expired' | 'other browser' };

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * OIDC logins in flight, keyed by their `state`, each bound to the browser that started it (a
 * random value in an HttpOnly cookie on the team domain). `take` is single use: a state works
 * once, in the browser that started it, within {@link OIDC_LOGIN_TTL_MS}; a forged, replayed
 * or stolen state (a link sent to someone else) is refused.
 */
export class PendingOidcLogins {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records a login; returns its `state` and the browser binding to put in the cookie. */
  start(login: PendingOidcLogin): { state: string; binding: string } {
    const now = this.#now();
    if (this.#entries.size >= MAX_PENDING_OIDC_LOGINS) {
      for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
      // Still full: drop the oldest (Map keeps insertion order).
      while (this.#entries.size >= MAX_PENDING_OIDC_LOGINS) {
        const oldest = this.#entries.keys().next();
        if (oldest.done === true) break;
        this.#entries.delete(oldest.value);
      }
    }
    const state = randomBytes(24).toString('base64url');
    const binding = randomBytes(24).toString('base64url');
    this.#entries.set(state, { login, binding: sha(binding), expiresAt: now + OIDC_LOGIN_TTL_MS });
    return { state, binding };
  }

  /** The login of `state` when `binding` is the cookie of the browser that started it; it is gone after. */
  take(state: string, binding: string | undefined): PendingTake {
    const e = this.#entries.get(state);
    if (e === undefined) return { ok: false, why: 'unknown' };
    if (binding === undefined || !timingSafeEqual(e.binding, sha(binding))) {
      // Left in place: a stolen state presented elsewhere must not void the real user's login.
      return { ok: false, why: 'other browser' };
    }
    this.#entries.delete(state);
    if (e.expiresAt <= this.#now()) return { ok: false, why: 'expired' };
    return { ok: true, login: e.login };
  }
}
