import { spkiPin } from '../../pki/index.js';
import type { TunnelConnectionRow, TunnelRow } from '../../store/index.js';

export type TunnelStatus = 'inactive' | 'healthy' | 'degraded' | 'down';

/** A connector keeps this many HA connections when all is well (cloudflared's and warren's default). */
export const HEALTHY_CONNECTIONS_PER_CONNECTOR = 4;

/**
 * As Cloudflare: `inactive` never ran; `down` ran but has no connection now; `healthy`
 * when every connector holds all its HA connections; `degraded` when one is short.
 */
export function tunnelStatus(t: TunnelRow, conns: readonly TunnelConnectionRow[]): TunnelStatus {
  if (conns.length === 0) return t.conns_active_at === null ? 'inactive' : 'down';
  const perConnector = new Map<string, number>();
  for (const c of conns) perConnector.set(c.connector_id, (perConnector.get(c.connector_id) ?? 0) + 1);
  for (const n of perConnector.values()) if (n < HEALTHY_CONNECTIONS_PER_CONNECTOR) return 'degraded';
  return 'healthy';
}

/** One edge link of a connector, as the API shows it (Cloudflare's shape). */
export interface ConnectionView {
  id: string;
  uuid: string;
  client_id: string;
  client_version: string;
  colo_name: string;
  conn_index: number;
  is_pending_reconnect: boolean;
  opened_at: string;
  origin_ip: string;
}

/** A tunnel as `/cfd_tunnel` answers it; the server builds it and `ControlApiClient` reads it. */
export interface TunnelView {
  id: string;
  account_tag: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
  connections: ConnectionView[];
  conns_active_at: string | null;
  conns_inactive_at: string | null;
  tun_type: 'cfd_tunnel';
  metadata: Record<string, never>;
  status: TunnelStatus;
  remote_config: boolean;
  config_src: TunnelRow['config_src'];
}

/** `POST /cfd_tunnel`: the tunnel, and its credentials file (the only time its secret is shown). */
export interface CreatedTunnelView extends TunnelView {
  credentials_file: { AccountTag: string; TunnelID: string; TunnelName: string; TunnelSecret: string };
}

/** One connector (replica) of a tunnel, its links inside. */
export interface ConnectorView {
  id: string;
  arch: string;
  version: string;
  config_version: number;
  features: string[];
  run_at: string;
  conns: ConnectionView[];
  /** warren's addition (Cloudflare's connections have no tags): the connector's `--tag KEY=VALUE` pairs. */
  tags: Record<string, string>;
}

function connectionView(c: TunnelConnectionRow): ConnectionView {
  return {
    id: c.id,
    uuid: c.id,
    client_id: c.connector_id,
    client_version: c.client_version,
    colo_name: c.edge_name,
    conn_index: c.conn_index,
    is_pending_reconnect: false,
    opened_at: c.opened_at,
    origin_ip: c.origin_ip,
  };
}

export function tunnelView(t: TunnelRow, conns: readonly TunnelConnectionRow[]): TunnelView {
  return {
    id: t.id,
    account_tag: t.account_id,
    name: t.name,
    created_at: t.created_at,
    deleted_at: t.deleted_at,
    connections: conns.map(connectionView),
    conns_active_at: t.conns_active_at,
    conns_inactive_at: t.conns_inactive_at,
    tun_type: 'cfd_tunnel' as const,
    metadata: {},
    status: tunnelStatus(t, conns),
    remote_config: t.config_src === 'cloudflare',
    config_src: t.config_src,
  };
}

/** `/cfd_tunnel/{t}/connections`: one entry per connector (replica), its links inside. */
export function connectorsView(conns: readonly TunnelConnectionRow[]): ConnectorView[] {
  const byConnector = new Map<string, TunnelConnectionRow[]>();
  for (const c of conns) {
    const list = byConnector.get(c.connector_id) ?? [];
    list.push(c);
    byConnector.set(c.connector_id, list);
  }
  return [...byConnector.entries()].map(([id, list]) => {
    const first = list[0] as TunnelConnectionRow;
    return {
      id,
      arch: first.arch,
      version: first.client_version,
      config_version: 0,
      features: [],
      run_at: list.map((c) => c.opened_at).sort()[0] ?? first.opened_at,
      conns: list.map(connectionView),
      tags: tagsOf(first),
    };
  });
}

/** Where connectors dial and whom they trust: a tunnel token's `e` and `p`. */
export interface TokenEdge {
  /** HOST:PORT of the tunnel listener. */
  address: string;
  /** PEM of the tunnel listener's CA; undefined when it has a publicly trusted certificate. */
  caPem: string | undefined;
}

/**
 * What `warren tunnel run --token` takes: base64 JSON `{a, t, s}`, cloudflared's shape, plus
 * warren's `e` (the edge's HOST:PORT) and `p` (its CA's SPKI pin), so that the token alone
 * reaches and trusts this edge from any directory.
 */
export function tunnelToken(accountId: string, tunnelId: string, secret: Buffer, edge?: TokenEdge): string {
  const fields: Record<string, string> = { a: accountId, t: tunnelId, s: secret.toString('base64') };
  if (edge !== undefined) {
    fields.e = edge.address;
    if (edge.caPem !== undefined) fields.p = spkiPin(edge.caPem);
  }
  return Buffer.from(JSON.stringify(fields)).toString('base64');
}

/** Stored tags; a row the edge wrote is valid JSON of strings, anything else shows as none. */
function tagsOf(c: TunnelConnectionRow): Record<string, string> {
  if (c.tags === null) return {};
  try {
    const v: unknown = JSON.parse(c.tags);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
