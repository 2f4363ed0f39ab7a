/** Row shapes of the Access tables (see schema.ts for the conventions every table follows). */
/** An Access JWT signing key (RS256) of one account. */
export interface AccessKeyRow {
  kid: string;
  account_id: string;
  /** JSON of the public JWK (kty, n, e). */
  public_jwk: string;
  /** PKCS#8 PEM of the private key, sealed with the secret box. */
  private_sealed: string;
  /** A self-signed X.509 certificate (PEM) of the public key, for JWKS `public_cert`. */
  certificate: string;
  created_at: string;
  /**
   * When it began to sign (null: the next key, published in the JWKS ahead of its use so that
   * verifiers already hold it when a rotation promotes it).
   */
  activated_at: string | null;
  /** When a newer key replaced it (null: the current or next key). */
  retired_at: string | null;
  /** Until when a retired key still verifies (retired_at + 7 days). */
  expires_at: string | null;
}

export interface AccessKeySettingsRow {
  account_id: string;
  key_rotation_interval_days: number;
  last_key_rotation_at: string | null;
}

/** Access objects kept as Cloudflare-shaped JSON documents, with the columns queries need. */
export interface AccessOrganizationRow {
  account_id: string;
  /** `<team>.access.<domain>`, unique across accounts. */
  auth_domain: string;
  data: string;
  created_at: string;
  updated_at: string;
}

export interface AccessAppRow {
  id: string;
  account_id: string;
  /** Lower case, maybe with a leading `*.` and a path. */
  domain: string;
  /** 64 hex digits. */
  aud: string;
  data: string;
  created_at: string;
  updated_at: string;
  /**
   * `POST …/revoke_tokens`: tokens issued before this are refused. A column of its own, which
   * no PUT of the app writes (it used to live in `data`, which a PUT rebuilds).
   */
  tokens_revoked_at: string | null;
}

export interface AccessPolicyRow {
  id: string;
  account_id: string;
  /** null: a reusable policy (attached to apps through access_app_policies). */
  app_id: string | null;
  precedence: number;
  data: string;
  created_at: string;
  updated_at: string;
}

export interface AccessAppPolicyRow {
  app_id: string;
  policy_id: string;
  precedence: number;
}

export interface AccessGroupRow {
  id: string;
  account_id: string;
  data: string;
  created_at: string;
  updated_at: string;
}

export interface AccessServiceTokenRow {
  id: string;
  account_id: string;
  name: string;
  client_id: string;
  /** sha256 hex of the secret; the secret is shown once. */
  secret_hash: string;
  /** After a rotate: the old secret's hash, valid until previous_valid_until. */
  previous_secret_hash: string | null;
  previous_valid_until: string | null;
  duration: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AccessIdentityProviderRow {
  id: string;
  account_id: string;
  type: string;
  /** Cloudflare's shape with secrets (client_secret) removed. */
  data: string;
  /** The secret fields, sealed with the secret box (null: none). */
  secrets_sealed: string | null;
  created_at: string;
  updated_at: string;
}

/** An uploaded mTLS certificate authority (`/access/certificates`, migration 0015). */
export interface AccessCertificateRow {
  id: string;
  account_id: string;
  name: string;
  /** PEM of the CA certificate (public; client certificates are verified against it). */
  certificate: string;
  /** `SHA256 Fingerprint=AB:CD:…` of the CA certificate; one upload per account and fingerprint. */
  fingerprint: string;
  /** JSON array of host names on which the edge asks visitors for a client certificate. */
  associated_hostnames: string;
  expires_on: string;
  created_at: string;
  updated_at: string;
}
