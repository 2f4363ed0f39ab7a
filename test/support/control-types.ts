export type { Envelope } from './control-harness.js';

/** The API's result shapes, as far as tests read them. */
export interface ZoneResult {
  id: string;
  name: string;
  type: 'full' | 'partial';
  status: string;
  name_servers: string[];
  verification_key?: string;
  account: { id: string; name: string };
}

export interface RecordResult {
  id: string;
  zone_id: string;
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  priority?: number;
  data?: Record<string, unknown>;
}

export interface TunnelResult {
  id: string;
  account_tag: string;
  name: string;
  status: 'inactive' | 'healthy' | 'degraded' | 'down';
  deleted_at: string | null;
  connections: { id: string; client_id: string; conn_index: number; colo_name: string; origin_ip: string }[];
  credentials_file?: { AccountTag: string; TunnelID: string; TunnelSecret: string };
}

export interface TokenResult {
  id: string;
  name: string;
  status: string;
  value?: string;
  policies: unknown[];
}

export interface AuditResult {
  id: string;
  action: { type: string; result: boolean };
  actor: { id: string; email: string; ip: string; type: string };
  metadata: Record<string, unknown>;
  owner: { id: string };
  resource: { id: string; type: string };
  when: string;
}

export interface MemberResult {
  id: string;
  user: { id: string; email: string };
  roles: { id: string; name: string }[];
  token?: TokenResult;
}

export interface AccountResult {
  id: string;
  name: string;
}
