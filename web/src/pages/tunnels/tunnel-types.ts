/** The API's tunnel shapes (src/control/tunnel-view.ts), as the dashboard reads them. */
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
  account_tag: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
  connections: Connection[];
  conns_active_at: string | null;
  conns_inactive_at: string | null;
  status: TunnelStatus;
  remote_config: boolean;
  config_src: 'local' | 'cloudflare';
}

export interface Connector {
  id: string;
  arch: string;
  version: string;
  config_version: number;
  features: string[];
  run_at: string;
  conns: Connection[];
}

/** "edge-a ×4, edge-b ×2": how many links land on each edge. */
export function connectionsPerEdge(conns: readonly Connection[]): string {
  if (conns.length === 0) return 'none';
  const per = new Map<string, number>();
  for (const c of conns) per.set(c.colo_name, (per.get(c.colo_name) ?? 0) + 1);
  return [...per].map(([edge, n]) => `${edge} ×${n}`).join(', ');
}

/** The distinct connector versions of a tunnel's links. */
export function connectorVersions(conns: readonly Connection[]): string {
  const v = [...new Set(conns.map((c) => c.client_version))].sort();
  return v.length === 0 ? '—' : v.join(', ');
}

/** A date as the reader's locale shows it (the ISO value in a title for precision). */
export function when(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
