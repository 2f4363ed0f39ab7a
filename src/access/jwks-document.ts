import type { JWK } from 'jose';

export interface PublishedKey {
  kid: string;
  publicJwk: JWK;
  certificate: string;
}

/** Cloudflare's `/cdn-cgi/access/certs` document. */
export interface JwksDocument {
  keys: (JWK & { kid: string; alg: 'RS256'; use: 'sig' })[];
  public_cert: { kid: string; cert: string } | Record<string, never>;
  public_certs: { kid: string; cert: string }[];
}

/** The JWKS of a team: every key that still verifies; `public_cert` is the current (signing) one, listed first. */
export function jwksDocument(keys: readonly PublishedKey[]): JwksDocument {
  const certs = keys.map((k) => ({ kid: k.kid, cert: k.certificate }));
  return {
    keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'RS256', use: 'sig' })),
    public_cert: certs[0] ?? {},
    public_certs: certs,
  };
}
