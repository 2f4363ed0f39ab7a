import type { RegisterFailure, RegisterRequest } from '../protocol/index.js';

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
