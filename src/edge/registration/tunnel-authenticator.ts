import type { RegisterFailure, RegisterRequest } from '../../protocol/index.js';

export type AuthResult =
  | {
      ok: true;
      tunnelId: string;
      accountId?: string;
      /** The public hostname to show the connector (quick tunnels). */
      hostname?: string;
      /** Newly minted quick-tunnel credentials to hand back. */
      quick?: { tunnelId: string; secret: string; hostname: string };
    }
  | { ok: false; failure: RegisterFailure };

/** Decides whether a registration may join a tunnel. Quick tunnels are built in; named tunnels come from the store. */
export interface TunnelAuthenticator {
  authenticate(request: RegisterRequest, nonce: string, remoteIp: string): Promise<AuthResult>;
}

/**
 * The one answer to a registration whose tunnel id and secret do not match a live tunnel: no such
 * tunnel, a deleted one, another account's tag and a wrong secret look the same. Tunnel ids are
 * public (they are CNAME targets), so anything more would tell a stranger about the tunnel.
 */
export function credentialsRejected(): { ok: false; failure: RegisterFailure } {
  return {
    ok: false,
    failure: {
      code: 'WARREN_AUTH_FAILED',
      message:
        'tunnel credentials rejected: the tunnel does not exist, was deleted, or the secret does not match; ' +
        'get its current token (warren tunnel token NAME) or create a new tunnel',
      retryable: false,
    },
  };
}
