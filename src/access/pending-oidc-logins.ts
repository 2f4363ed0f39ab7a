import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/index.js';

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
/** Past this many logins in flight the oldest are dropped, so visitors cannot fill the store. */
export const MAX_PENDING_OIDC_LOGINS = 10_000;
const KIND = 'oidc';

export type PendingTake =
  | { ok: true; login: PendingOidcLogin }
  | { ok: false; why: 'unknown' | 'expired' | 'other browser' };

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * OIDC logins in flight, keyed by their `state`, each bound to the browser that started it (a
 * random value in an HttpOnly cookie on the team domain). `take` is single use: a state works
 * once, in the browser that started it, within {@link OIDC_LOGIN_TTL_MS}; a forged, replayed
 * or stolen state (a link sent to someone else) is refused.
 *
 * Kept in the store (issue 23), sealed with the store's key (the nonce and PKCE verifier are
 * secrets), so the callback may reach any edge process, not only the one that redirected.
 */
export class PendingOidcLogins {
  readonly #store: Store;
  readonly #max: number;

  /** `max`: the bound on logins in flight (tests use a small one). */
  constructor(store: Store, max = MAX_PENDING_OIDC_LOGINS) {
    this.#store = store;
    this.#max = max;
  }

  /** Records a login; returns its `state` and the browser binding to put in the cookie. */
  async start(login: PendingOidcLogin): Promise<{ state: string; binding: string }> {
    const now = this.#store.clock.now().getTime();
    const state = randomBytes(24).toString('base64url');
    const binding = randomBytes(24).toString('base64url');
    await this.#store.cluster.putPending(
      {
        kind: KIND,
        id: state,
        secret_hash: sha(binding),
        payload: this.#store.secrets.seal(Buffer.from(JSON.stringify(login))),
        expires_ms: now + OIDC_LOGIN_TTL_MS,
        attempts: 0,
      },
      now,
      this.#max,
    );
    return { state, binding };
  }

  /** The login of `state` when `binding` is the cookie of the browser that started it; it is gone after. */
  async take(state: string, binding: string | undefined): Promise<PendingTake> {
    const row = await this.#store.cluster.pending(KIND, state);
    if (row === undefined) return { ok: false, why: 'unknown' };
    if (binding === undefined || !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(sha(binding)))) {
      // Left in place: a stolen state presented elsewhere must not void the real user's login.
      return { ok: false, why: 'other browser' };
    }
    // Single use across processes: only the caller whose delete removed the row goes on.
    if (!(await this.#store.cluster.takePending(KIND, state))) return { ok: false, why: 'unknown' };
    if (row.expires_ms <= this.#store.clock.now().getTime()) return { ok: false, why: 'expired' };
    return { ok: true, login: JSON.parse(this.#store.secrets.open(row.payload).toString('utf8')) as PendingOidcLogin };
  }
}
