/**
 * A certificate the visitor HTTPS listener serves (by SNI): uploaded through
 * `/zones/{z}/custom_certificates` or issued by ACME. The key is sealed with the store's secret box.
 */
export interface EdgeCertificateRow {
  id: string;
  /** The zone it belongs to (null for names warren owns itself, e.g. dash.D). */
  zone_id: string | null;
  account_id: string | null;
  /** `custom` (uploaded; wins over ACME) or `acme`. */
  source: 'custom' | 'acme';
  /** JSON array of the names it covers (exact, or one leading `*.`), lower case. */
  hosts: string;
  /** PEM chain, leaf first. */
  certificate: string;
  key_sealed: string;
  issuer: string;
  signature: string;
  uploaded_on: string;
  expires_on: string;
  /** Lower wins among certificates of the same source covering one name (Cloudflare's `priority`). */
  priority: number;
}

/** One name's ACME state: what happened last and when it may be tried again. */
export interface AcmeNameRow {
  /** The hostname, lower case (a wildcard as `*.example.com`). */
  name: string;
  zone_id: string | null;
  account_id: string | null;
  /** `pending` (wanted, not issued yet), `issued`, or `failed` (retried at next_attempt_at). */
  state: 'pending' | 'issued' | 'failed';
  failures: number;
  next_attempt_at: string;
  last_error: string | null;
  updated_at: string;
}

/** One ACME order placed, for the per-account and per-zone limits (rows older than a day are pruned). */
export interface AcmeOrderRow {
  id: string;
  name: string;
  zone_id: string | null;
  account_id: string | null;
  created_at: string;
}

/** An HTTP-01 challenge in flight, answered by every edge process from the database. */
export interface AcmeChallengeRow {
  token: string;
  key_authorization: string;
  created_at: string;
}

/** The ACME account key (one per directory URL), sealed like the Access signing keys. */
export interface AcmeAccountRow {
  directory: string;
  email: string;
  key_sealed: string;
  created_at: string;
}

/** One zone setting warren enforces at the edge (`always_use_https`, `min_tls_version`, `security_header`). */
export interface ZoneSettingRow {
  zone_id: string;
  /** Cloudflare's setting id. */
  name: string;
  /** JSON of the setting's `value`. */
  value: string;
  modified_on: string;
}
