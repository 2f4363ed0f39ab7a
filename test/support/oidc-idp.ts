import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A real OpenID Connect provider (`oidc-provider`) on loopback, with its development login form. */
export interface OidcIdp {
  /** `http://127.0.0.1:<port>`: the issuer. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Cloudflare's `config` for an `oidc` identity provider pointing at this one. */
  config(claims?: string[]): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts the provider; `users` maps a login name (typed in its form, any password) to the claims
 * it vouches for (`email`, `groups` …). `redirectUri` is the warren team domain's callback.
 */
export async function startOidcIdp(
  redirectUri: string,
  users: Record<string, Record<string, unknown>>,
): Promise<OidcIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'warren-access';
  const clientSecret = 'idp-client-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // Claims in the id token itself, as warren reads them (not only from userinfo).
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups', 'offline_access'],
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx: unknown, id: string) => {
      const claims = users[id];
      if (claims === undefined) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email_verified: true, ...claims }) };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    config: (claims = ['groups']) => ({
      client_id: clientId,
      client_secret: clientSecret,
      auth_url: `${issuer}/auth`,
      token_url: `${issuer}/token`,
      certs_url: `${issuer}/jwks`,
      issuer_url: issuer,
      scopes: ['openid', 'email', 'groups'],
      claims,
      email_claim_name: 'email',
      pkce_enabled: true,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
