import { type RegisterRequest, verifyProof } from '../protocol/index.js';
import { QUICK_ACCOUNT_TAG, type QuickTunnelAuthority } from './quick-tunnel-authority.js';
import type { RateLimiter } from './rate-limiter.js';
import type { AuthResult, TunnelAuthenticator } from './tunnel-authenticator.js';

/**
 * Quick tunnels: `quick-new` mints credentials (rate-limited per source address);
 * `secret` with account tag `quick` re-joins one, also after an edge restart.
 * Everything else goes to `named` (the control plane), when there is one.
 */
export class QuickTunnelAuthenticator implements TunnelAuthenticator {
  readonly #authority: QuickTunnelAuthority;
  readonly #limiter: RateLimiter;
  readonly #named: TunnelAuthenticator | undefined;

  constructor(authority: QuickTunnelAuthority, limiter: RateLimiter, named?: TunnelAuthenticator) {
    this.#authority = authority;
    this.#limiter = limiter;
    this.#named = named;
  }

  async authenticate(request: RegisterRequest, nonce: string, remoteIp: string): Promise<AuthResult> {
    const auth = request.auth;
    if (auth.kind === 'quick-new') {
      if (!this.#limiter.take(remoteIp)) {
        return {
          ok: false,
          failure: {
            code: 'WARREN_QUICK_RATE_LIMITED',
            message: 'too many quick tunnels requested from this address; wait a minute or use a named tunnel',
            retryable: true,
          },
        };
      }
      const quick = this.#authority.create();
      return { ok: true, tunnelId: quick.tunnelId, hostname: quick.hostname, quick };
    }
    if (auth.accountTag === QUICK_ACCOUNT_TAG) {
      const secret = this.#authority.secretFor(auth.tunnelId);
      if (!verifyProof(secret, nonce, auth.proof)) {
        return {
          ok: false,
          failure: {
            code: 'WARREN_AUTH_FAILED',
            message:
              'quick tunnel credentials were not issued by this edge (its data directory was reset?); start a new quick tunnel',
            retryable: false,
          },
        };
      }
      return { ok: true, tunnelId: auth.tunnelId, hostname: this.#authority.hostnameFor(auth.tunnelId) };
    }
    if (this.#named !== undefined) return this.#named.authenticate(request, nonce, remoteIp);
    return {
      ok: false,
      failure: {
        code: 'WARREN_TUNNEL_NOT_FOUND',
        message: `tunnel ${auth.tunnelId} does not exist on this edge`,
        retryable: false,
      },
    };
  }
}
