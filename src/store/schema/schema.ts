import type {
  AccessAppPolicyRow,
  AccessAppRow,
  AccessCertificateRow,
  AccessGroupRow,
  AccessIdentityProviderRow,
  AccessKeyRow,
  AccessKeySettingsRow,
  AccessOrganizationRow,
  AccessPolicyRow,
  AccessServiceTokenRow,
} from './access-rows.js';
import type { AccessPendingRow, BackoffLedgerRow, TunnelSlotRow } from './cluster-state-rows.js';
import type {
  AcmeAccountRow,
  AcmeChallengeRow,
  AcmeNameRow,
  AcmeOrderRow,
  EdgeCertificateRow,
  ZoneSettingRow,
} from './edge-certificate-rows.js';
import type { EdgeAuthorityRow, EdgeMemberRow } from './edge-member-rows.js';

export type * from './access-rows.js';
export type * from './cluster-state-rows.js';
export type * from './edge-certificate-rows.js';
export type * from './edge-member-rows.js';

/**
 * Row shapes of every table, as Kysely sees them. Both dialects store the same
 * representation: ids and timestamps (ISO 8601, UTC) as text, booleans as 0/1,
 * structured values as JSON text. That keeps one set of queries for SQLite and PostgreSQL.
 */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  /** `person` logs in; `service` is an automation identity with tokens only. */
  kind: 'person' | 'service';
  /** scrypt$N$r$p$salt$hash, or null for users that have no password (invited, service). */
  password_hash: string | null;
  /** Bumped when the user's roles or memberships change: tokens bound to the key stop working. */
  api_key_generation: number;
  /** When the API key was last rolled (null: never). */
  api_key_rolled_on: string | null;
  /** 1: created only because the address was invited; `warren admin create-user` may claim it. */
  invited_only: number;
  created_on: string;
  modified_on: string;
}

export interface AccountRow {
  id: string;
  name: string;
  created_on: string;
}

export interface MembershipRow {
  id: string;
  account_id: string;
  user_id: string;
  /** JSON array of role ids (parsed by IdentityStore: see `Membership`). */
  roles: string;
  /** An invitation is `pending` until the user accepts it; only `accepted` grants anything. */
  status: 'accepted' | 'pending' | 'rejected';
  /** E-mail of who invited (null: joined without an invitation, e.g. created the account). */
  invited_by: string | null;
  created_on: string;
}

export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  /** sha256 hex of the token value; the value itself is shown once and never stored. */
  token_hash: string;
  status: 'active' | 'disabled' | 'expired';
  /** JSON array of Cloudflare-shaped policies; [] means "everything the user may do". */
  policies: string;
  /** When set, the token dies with the user's API key (see UserRow.api_key_generation). */
  key_generation: number | null;
  /** The token whose request created this one (null: made by an operator, a session or the global key). */
  parent_token_id: string | null;
  not_before: string | null;
  expires_on: string | null;
  issued_on: string;
  modified_on: string;
  last_used_on: string | null;
}

export interface ZoneRow {
  id: string;
  account_id: string;
  name: string;
  type: 'full' | 'partial';
  status: 'pending' | 'active';
  verification_key: string | null;
  created_on: string;
  modified_on: string;
  /** When the partial zone's TXT verification was last looked up (null: never). */
  verification_checked_on: string | null;
  /** When the zone went active (null: pending, or active since before this was recorded). */
  activated_on: string | null;
  /** 1: the edge does not proxy this zone's hostnames (Cloudflare's "paused"). */
  paused: number;
  /**
   * When the zone last became pending (created pending, or switched to partial); null while
   * active. A pending zone reserves its name only for `--pending-zone-expiry` after this.
   */
  pending_since: string | null;
}

export interface DnsRecordRow {
  id: string;
  zone_id: string;
  account_id: string;
  /** Fully qualified, lower case, no trailing dot. */
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'SRV' | 'CAA' | 'NS' | 'PTR';
  content: string;
  proxied: number;
  ttl: number;
  priority: number | null;
  comment: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON object for SRV/CAA, else null. */
  data: string | null;
  created_on: string;
  modified_on: string;
}

export interface TunnelRow {
  id: string;
  account_id: string;
  name: string;
  /** The tunnel secret sealed with the store's secret box (the edge needs it to check HMAC proofs). */
  secret_sealed: string;
  /** sha256 fingerprint (first 16 hex) of the secret, for logs and support. */
  secret_fingerprint: string;
  config_src: 'local' | 'cloudflare';
  created_at: string;
  deleted_at: string | null;
  conns_active_at: string | null;
  conns_inactive_at: string | null;
}

/** A tunnel's remotely-managed configuration (`/cfd_tunnel/{t}/configurations`): the current version only. */
export interface TunnelConfigurationRow {
  tunnel_id: string;
  account_id: string;
  /** 1 for the first PUT, one more for each later one. */
  version: number;
  /** JSON of Cloudflare's `config` object, as validated by the API. */
  config: string;
  /** When this version was written. */
  created_at: string;
}

/** A connector's report on the newest version pushed to it (one row per tunnel and connector). */
export interface TunnelConfigurationReportRow {
  tunnel_id: string;
  connector_id: string;
  version: number;
  state: 'applied' | 'refused' | 'ignored';
  /** The remote version the connector serves (0: none). */
  running_version: number;
  /** Why it refused or ignored `version`. */
  reason: string | null;
  reported_at: string;
}

export interface TunnelConnectionRow {
  id: string;
  tunnel_id: string;
  account_id: string;
  connector_id: string;
  conn_index: number;
  edge_name: string;
  origin_ip: string;
  client_version: string;
  arch: string;
  opened_at: string;
  /** JSON object of the connector's `--tag KEY=VALUE` pairs (bounded by the edge); null without tags. */
  tags: string | null;
}

export interface AuditLogRow {
  id: string;
  account_id: string;
  when_at: string;
  action_type: string;
  action_result: number;
  actor_id: string;
  actor_email: string;
  actor_ip: string;
  actor_type: 'user' | 'admin' | 'Cloudflare';
  interface: string;
  resource_id: string;
  resource_type: string;
  metadata: string;
  new_value: string | null;
  old_value: string | null;
}

export interface OriginCaRow {
  /** Always `root`: one CA per deployment. */
  id: string;
  certificate: string;
  /** PKCS#8 PEM of the CA key, sealed with the secret box. */
  key_sealed: string;
  created_on: string;
}

export interface OriginCertificateRow {
  id: string;
  account_id: string;
  /** The zone of the first hostname (certificates are listed by zone). */
  zone_id: string;
  /** JSON array of the SANs. */
  hostnames: string;
  request_type: 'origin-rsa' | 'origin-ecc';
  /** Days. */
  requested_validity: number;
  serial: string;
  certificate: string;
  csr: string;
  expires_on: string;
  created_on: string;
  revoked_at: string | null;
  /** The API token `warren login` bundled with this certificate: revoking the certificate disables it. */
  login_token_id: string | null;
}

export interface LoginTransferRow {
  /** sha256 of the CLI's unguessable key; the key itself is never stored. */
  key_hash: string;
  created_on: string;
  expires_on: string;
  /** Set when someone signed in for this key in the browser. */
  user_id: string | null;
  /** sha256 of the one-time value that lets the signed-in page authorize. */
  grant_hash: string | null;
  /** The cert.pem, sealed; cleared once the CLI fetched it. */
  bundle_sealed: string | null;
  ready_on: string | null;
  fetched_on: string | null;
  /** The address that opened the transfer (pending transfers are capped per address). */
  source_ip: string | null;
}

export interface ClassicRecordRow {
  /** A DNS record a classic (`--hostname`) tunnel created, deleted once the tunnel stays unregistered. */
  record_id: string;
  tunnel_id: string;
  zone_id: string;
  account_id: string;
  name: string;
  /** How long after the tunnel's last connection closed the record is deleted. */
  cleanup_after_ms: number;
  created_on: string;
}

export interface SetupLinkRow {
  /** sha256 of the link's token; the token itself is printed once by `warren serve` and never stored. */
  token_hash: string;
  created_on: string;
  expires_on: string;
  used_on: string | null;
}

export interface Database {
  users: UserRow;
  accounts: AccountRow;
  memberships: MembershipRow;
  api_tokens: ApiTokenRow;
  zones: ZoneRow;
  dns_records: DnsRecordRow;
  tunnels: TunnelRow;
  tunnel_connections: TunnelConnectionRow;
  tunnel_configurations: TunnelConfigurationRow;
  tunnel_configuration_reports: TunnelConfigurationReportRow;
  audit_logs: AuditLogRow;
  origin_ca: OriginCaRow;
  origin_certificates: OriginCertificateRow;
  login_transfers: LoginTransferRow;
  classic_records: ClassicRecordRow;
  setup_links: SetupLinkRow;
  zone_ownership_lock: ZoneOwnershipLockRow;
  access_keys: AccessKeyRow;
  access_key_settings: AccessKeySettingsRow;
  access_organizations: AccessOrganizationRow;
  access_apps: AccessAppRow;
  access_policies: AccessPolicyRow;
  access_app_policies: AccessAppPolicyRow;
  access_groups: AccessGroupRow;
  access_service_tokens: AccessServiceTokenRow;
  access_identity_providers: AccessIdentityProviderRow;
  access_certificates: AccessCertificateRow;
  dashboard_sessions: DashboardSessionRow;
  edge_certificates: EdgeCertificateRow;
  acme_names: AcmeNameRow;
  acme_orders: AcmeOrderRow;
  acme_challenges: AcmeChallengeRow;
  acme_accounts: AcmeAccountRow;
  edge_members: EdgeMemberRow;
  edge_authority: EdgeAuthorityRow;
  backoff_ledgers: BackoffLedgerRow;
  access_pending: AccessPendingRow;
  tunnel_slots: TunnelSlotRow;
  zone_settings: ZoneSettingRow;
}

/** A signed-in dashboard session (the `warren_session` cookie); only the cookie value's hash is stored. */
export interface DashboardSessionRow {
  /** Public id (32 hex), shown in GET /user/sessions and used to revoke; not the cookie value. */
  id: string;
  user_id: string;
  /** sha256 hex of the cookie value. */
  token_hash: string;
  created_on: string;
  /** Last request seen (updated at most once a minute); the idle expiry counts from here. */
  last_seen_on: string;
  /** The absolute expiry: no activity extends a session past it. */
  expires_on: string;
  ip: string;
  user_agent: string;
}

/** The single row that serializes changes of zone ownership (see migration 0004). */
export interface ZoneOwnershipLockRow {
  id: number;
  generation: number;
}
