/**
 * What the API answers in `result`, per route. openapi.json describes every route's path, query
 * and body (schema/*.d.ts is generated from it) but not its results: each answers the shared
 * Envelope with `result: {}`. So the result shapes the dashboard reads are written here, by
 * hand, once, and looked up by route (`ResultOf`). Fields the request schemas do define (enums
 * such as a policy's decision) are taken from the generated types.
 */
import type { Body } from './client';

export interface Account {
  id: string;
  name: string;
}

/** GET /user/sessions/current. */
export interface Session {
  id: string;
  user: { id: string; email: string };
  csrf_token: string;
  created_on: string;
  expires_on: string;
}

/** GET /user/sessions. */
export interface SessionRow {
  id: string;
  created_on: string;
  last_seen_on: string;
  expires_on: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

export type TunnelStatus = 'inactive' | 'healthy' | 'degraded' | 'down';

export interface Connection {
  id: string;
  client_id: string;
  client_version: string;
  colo_name: string;
  conn_index: number;
  opened_at: string;
  origin_ip: string;
}

export interface Tunnel {
  id: string;
  name: string;
  created_at: string;
  connections: Connection[];
  status: TunnelStatus;
  config_src: NonNullable<Body<'post', '/accounts/{account_id}/cfd_tunnel'>['config_src']>;
}

/** GET …/cfd_tunnel/{t}/connections: one connector (replica) and its links. */
export interface Connector {
  id: string;
  arch: string;
  version: string;
  run_at: string;
  conns: Connection[];
}

/** GET …/cfd_tunnel/{t}/routes. */
export interface TunnelRoute {
  hostname: string;
  zone_name: string;
  record_id: string;
}

/** One ingress rule, in cloudflared's (and Cloudflare's API) shape. */
export interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

/** GET/PUT …/cfd_tunnel/{t}/configurations. */
export interface TunnelConfiguration {
  version: number;
  config: { ingress?: IngressRule[]; originRequest?: Record<string, unknown> } | null;
}

export interface Zone {
  id: string;
  name: string;
  status: 'active' | 'pending' | 'moved' | 'deleted';
  paused: boolean;
  type: 'full' | 'partial';
  name_servers: string[];
  /** Partial zones: `<host>` CNAME `<host>.<cname_suffix>` at the user's own DNS provider. */
  cname_suffix?: string;
  verification_record?: { type: 'TXT'; name: string; content: string };
}

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxiable: boolean;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  priority?: number;
}

export interface Certificate {
  id: string;
  certificate: string;
  hostnames: string[];
  expires_on: string;
  request_type: Body<'post', '/certificates'>['request_type'];
  status: 'active' | 'revoked' | 'expired';
}

/** A zone's ACME certificate for one name (`/zones/{z}/ssl/certificate_packs`). */
export interface CertificatePack {
  id: string;
  hosts: string[];
  status: 'active' | 'pending_validation' | 'validation_timed_out';
  acme_state: 'issued' | 'pending' | 'failed';
  failures: number;
  next_attempt_at: string | null;
  validation_errors: { message: string }[];
  issuer: string | null;
  expires_on: string | null;
}

/** One Access rule: `{email: {email}}`, `{group: {id}}`, … */
export type Rule = Record<string, Record<string, string>>;
type PolicyBody = Body<'post', '/accounts/{account_id}/access/policies'>;

export interface AccessPolicy {
  id: string;
  name: string;
  decision: PolicyBody['decision'];
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
  precedence: number;
}

export interface AccessApp {
  id: string;
  aud: string;
  name?: string;
  domain: string;
  session_duration?: string;
  /** Ids of the login methods this app offers; empty or absent: all of the account's. */
  allowed_idps?: string[];
  policies: AccessPolicy[];
}

/** GET …/access/organizations: the account's team domain and login settings. */
export interface AccessOrganization {
  name: string;
  auth_domain: string;
  session_duration?: string;
}

export interface AccessGroup {
  id: string;
  name: string;
  include: Rule[];
  require?: Rule[];
  exclude?: Rule[];
}

export interface ServiceToken {
  id: string;
  name: string;
  client_id: string;
  /** null: never expires. */
  expires_at: string | null;
}

export interface IdentityProvider {
  id: string;
  name: string;
  type: string;
}

/** GET …/access/keys. */
export interface KeySettings {
  key_rotation_interval_days: number;
  last_key_rotation_at: string | null;
  days_until_next_rotation: number;
}

/** Cloudflare's access request log entry. */
export interface AccessRequest {
  user_email?: string;
  ip_address?: string;
  app_domain?: string;
  app_uid?: string;
  action?: string;
  allowed?: boolean;
  connection?: string;
  created_at: string;
  ray_id?: string;
}

export interface Role {
  id: string;
  name: string;
  /** The scopes the role grants (GET …/roles has them; a member's roles may not). */
  permissions?: Record<string, boolean>;
}

export interface Member {
  id: string;
  user: { id: string; email: string; service_user: boolean };
  status: 'accepted' | 'pending' | 'rejected';
  /** While pending: when the invitation stops being acceptable (7 days after it was sent). */
  invitation_expires_on?: string;
  roles: Role[];
}

export interface PermissionGroup {
  id: string;
  name: string;
  scopes: string[];
}

export interface ApiToken {
  id: string;
  name: string;
  status: 'active' | 'disabled' | 'expired';
  last_used_on: string | null;
  policies: { permission_groups: { id: string; name: string }[] }[];
}

/** The account's audit log entry (Cloudflare's v1 shape). */
export interface AuditEntry {
  id: string;
  action: { type: string; result: boolean };
  actor: { email: string | null; ip: string | null; type: string };
  interface: string | null;
  metadata: unknown;
  resource: { id: string | null; type: string | null };
  when: string;
}

/** The result of each route the dashboard calls, by verb and OpenAPI template. */
interface Results {
  get: {
    '/accounts': Account[];
    '/accounts/{account_id}/access/apps': AccessApp[];
    '/accounts/{account_id}/access/apps/{app_id}': AccessApp;
    '/accounts/{account_id}/access/groups': AccessGroup[];
    '/accounts/{account_id}/access/identity_providers': IdentityProvider[];
    '/accounts/{account_id}/access/keys': KeySettings;
    '/accounts/{account_id}/access/organizations': AccessOrganization;
    '/accounts/{account_id}/access/logs/access_requests': AccessRequest[];
    '/accounts/{account_id}/access/policies': AccessPolicy[];
    '/accounts/{account_id}/access/service_tokens': ServiceToken[];
    '/accounts/{account_id}/audit_logs': AuditEntry[];
    '/accounts/{account_id}/cfd_tunnel': Tunnel[];
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}': Tunnel;
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations': TunnelConfiguration;
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/connections': Connector[];
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/routes': TunnelRoute[];
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/token': string;
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/run_command': { token: string; command: string };
    '/accounts/{account_id}/members': Member[];
    '/accounts/{account_id}/roles': Role[];
    '/accounts/{account_id}/tokens': ApiToken[];
    '/accounts/{account_id}/tokens/permission_groups': PermissionGroup[];
    '/certificates': Certificate[];
    '/user/sessions': SessionRow[];
    '/user/sessions/current': Session;
    '/user/tokens': ApiToken[];
    '/user/tokens/permission_groups': PermissionGroup[];
    '/zones': Zone[];
    '/zones/{zone_id}': Zone;
    '/zones/{zone_id}/dns_records': DnsRecord[];
    '/zones/{zone_id}/ssl/certificate_packs': CertificatePack[];
  };
  post: {
    '/accounts/{account_id}/access/apps': AccessApp;
    '/accounts/{account_id}/access/service_tokens': ServiceToken & { client_secret: string };
    '/accounts/{account_id}/access/service_tokens/{id}/rotate': ServiceToken & { client_secret: string };
    '/accounts/{account_id}/cfd_tunnel': Tunnel;
    '/accounts/{account_id}/members': Member & { invite_link: string; invite_mailed: boolean };
    '/accounts/{account_id}/service_users': Member & { token: { value: string } };
    '/accounts/{account_id}/tokens': ApiToken & { value: string };
    '/certificates': Certificate;
    '/zones': Zone;
    '/user/sessions': Session;
    '/user/tokens': ApiToken & { value: string };
  };
  put: {
    '/accounts/{account_id}/access/organizations': AccessOrganization;
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations': TunnelConfiguration;
    '/accounts/{account_id}/tokens/{token_id}/value': string;
    '/user/tokens/{token_id}/value': string;
    '/zones/{zone_id}/activation_check': { id: string; zone_status: Zone['status']; instructions: string[] };
  };
  patch: Record<never, never>;
  delete: {
    '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/connections': { closed: number };
    '/user/sessions': { revoked: number };
  };
}

/** The `result` of `verb` on `template`; `unknown` for a route whose result the dashboard does not read. */
export type ResultOf<V extends keyof Results, P extends string> = P extends keyof Results[V] ? Results[V][P] : unknown;
