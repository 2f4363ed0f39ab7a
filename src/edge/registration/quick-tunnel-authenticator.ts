import { type RegisterFailure, type RegisterRequest, verifyProof } from '../../protocol/index.js';
import type { RateLimiter } from '../rate-limiter.js';
import { QUICK_ACCOUNT_TAG, type QuickTunnelAuthority } from './quick-tunnel-authority.js';
import { type AuthResult, credentialsRejected, type TunnelAuthenticator } from './tunnel-authenticator.js';

/** Where quick-tunnel hostnames are held: a name goes to one tunnel and stays with it. */
export interface QuickNames {
  /** True when `tunnelId` holds `hostname` afterwards; false when another tunnel holds it. */
  claim(hostname: string, tunnelId: string): boolean;
}

/**
 * How often a new quick tunnel draws a fresh id when its name is taken. With 64-bit names a
 * second draw practically never happens; the bound keeps a broken name function from looping.
 */
export const QUICK_NAME_DRAWS = 8;

/**
 * Quick tunnels: `quick-new` mints credentials (rate-limited per source address);
 * `secret` with account tag `quick` re-joins one, also after an edge restart.
 * Everything else goes to `named` (the control plane), when there is one.
 */
export class QuickTunnelAuthenticator implements TunnelAuthenticator {
  readonly #authority: QuickTunnelAuthority;
  readonly #limiter: RateLimiter;
  readonly #names: QuickNames;
  readonly #named: TunnelAuthenticator | undefined;

  constructor(authority: QuickTunnelAuthority, limiter: RateLimiter, names: QuickNames, named?: TunnelAuthenticator) {
    this.#authority = authority;
    this.#limiter = limiter;
    this.#names = names;
    this.#named = named;
  }

  async authenticate(request: RegisterRequest, nonce: string, remoteIp: string): Promise<AuthResult> {
    const auth = request.auth;
    if (auth.kind === 'quick-new') {
      if (!this.#limiter.take(remoteIp)) {
        return refuse(
          'WARREN_QUICK_RATE_LIMITED',
          'too many quick tunnels requested from this address; wait a minute or use a named tunnel',
          true,
        );
      }
      for (let draw = 0; draw < QUICK_NAME_DRAWS; draw++) {
        const quick = this.#authority.create();
        // A name that is taken is never reassigned: draw another id (and with it another name).
        if (this.#names.claim(quick.hostname, quick.tunnelId)) {
          return { ok: true, tunnelId: quick.tunnelId, hostname: quick.hostname, quick };
        }
      }
      return refuse(
        'WARREN_QUICK_NAME_TAKEN',
        `no free quick-tunnel name after ${QUICK_NAME_DRAWS} draws; try again`,
        true,
      );
    }
    if (auth.accountTag === QUICK_ACCOUNT_TAG) {
      const secret = this.#authority.secretFor(auth.tunnelId);
      if (!verifyProof(secret, nonce, auth.proof)) {
        return refuse(
          'WARREN_AUTH_FAILED',
          'quick tunnel credentials were not issued by this edge (its data directory was reset?); start a new quick tunnel',
          false,
        );
      }
      const hostname = this.#authority.hostnameFor(auth.tunnelId);
      if (!this.#names.claim(hostname, auth.tunnelId)) {
        return refuse(
          'WARREN_QUICK_NAME_TAKEN',
          `${hostname} belongs to another quick tunnel on this edge now; start a new quick tunnel`,
          false,
        );
      }
      return { ok: true, tunnelId: auth.tunnelId, hostname };
    }
    if (this.#named !== undefined) return this.#named.authenticate(request, nonce, remoteIp);
    return credentialsRejected();
  }
}

function refuse(code: RegisterFailure['code'], message: string, retryable: boolean): AuthResult {
  return { ok: false, failure: { code, message, retryable } };
}
