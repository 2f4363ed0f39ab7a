import { WarrenError } from '../../errors/index.js';
import { isUuid } from '../../protocol/index.js';
import type { ConnectorView, CreatedTunnelView, TunnelView } from '../tunnels/tunnel-view.js';
import type { ControlClient } from './control-client.js';

/** `PUT /zones/{zone}/tunnels/{tunnel}/routes`: whether the CNAME was added, replaced or already there. */
export interface DnsRouteResult {
  cname: 'new' | 'updated' | 'unchanged';
  name: string;
  /** What is left to set outside warren (absent from older servers). */
  dns_setup?: { instructions: string[] };
}

/** `POST /zones/{zone}/classic_tunnels`. */
export interface ClassicTunnelResult {
  id: string;
  name: string;
  hostname: string;
  cname: 'new' | 'unchanged';
  token: string;
}

export interface TunnelFilter {
  name?: string | undefined;
  id?: string | undefined;
  /** false: live tunnels only; undefined: deleted ones too. */
  isDeleted?: boolean | undefined;
  namePrefix?: string | undefined;
  excludePrefix?: string | undefined;
  /** ISO time: tunnels that existed then. */
  existedAt?: string | undefined;
  /** Most tunnels fetched (`--max-fetch-size`); default 1000. */
  perPage?: number | undefined;
}

/**
 * The tunnel endpoints of warren's control API, typed with the views the server builds
 * (src/control/tunnel-view.ts), for one account and the zone of its cert.pem. The CLI formats
 * what these return; it builds no paths of its own.
 */
export class ControlApiClient {
  readonly #http: ControlClient;
  readonly accountId: string;
  readonly zoneId: string;

  constructor(http: ControlClient, scope: { accountId: string; zoneId: string }) {
    this.#http = http;
    this.accountId = scope.accountId;
    this.zoneId = scope.zoneId;
  }

  get #tunnels(): string {
    return `/accounts/${this.accountId}/cfd_tunnel`;
  }

  listTunnels(filter: TunnelFilter = {}): Promise<TunnelView[]> {
    const q = new URLSearchParams({ per_page: String(filter.perPage ?? 1000) });
    if (filter.isDeleted !== undefined) q.set('is_deleted', String(filter.isDeleted));
    if (filter.namePrefix !== undefined) q.set('name_prefix', filter.namePrefix);
    if (filter.excludePrefix !== undefined) q.set('exclude_prefix', filter.excludePrefix);
    if (filter.existedAt !== undefined) q.set('existed_at', filter.existedAt);
    if (filter.name !== undefined) q.set('name', filter.name);
    if (filter.id !== undefined) q.set('uuid', filter.id);
    return this.#http.call<TunnelView[]>('GET', `${this.#tunnels}?${q}`);
  }

  getTunnel(id: string): Promise<TunnelView> {
    return this.#http.call<TunnelView>('GET', `${this.#tunnels}/${id.toLowerCase()}`);
  }

  /** A tunnel by id or by name (live tunnels only); the error says how to see what exists. */
  async findTunnel(ref: string): Promise<TunnelView> {
    if (isUuid(ref)) return this.getTunnel(ref);
    const t = (await this.listTunnels({ name: ref, isDeleted: false }))[0];
    if (t === undefined) {
      throw new WarrenError(
        'WARREN_TUNNEL_NOT_FOUND',
        `no tunnel named "${ref}" in account ${this.accountId}; list them with \`warren tunnel list\``,
      );
    }
    return t;
  }

  /** `secret`: base64 of at least 32 bytes (`tunnel create --secret`); the server generates one when absent. */
  createTunnel(name: string, secret?: string): Promise<CreatedTunnelView> {
    return this.#http.call<CreatedTunnelView>('POST', this.#tunnels, {
      name,
      config_src: 'local',
      ...(secret !== undefined ? { tunnel_secret: secret } : {}),
    });
  }

  connectors(tunnelId: string): Promise<ConnectorView[]> {
    return this.#http.call<ConnectorView[]>('GET', `${this.#tunnels}/${tunnelId}/connections`);
  }

  /** `cascade`: delete it even while connectors are attached (they are dropped). */
  deleteTunnel(tunnelId: string, o: { cascade: boolean }): Promise<TunnelView> {
    return this.#http.call<TunnelView>('DELETE', `${this.#tunnels}/${tunnelId}${o.cascade ? '?cascade=true' : ''}`);
  }

  /** Deletes the CNAMEs pointing at the tunnel, in every zone of the account; returns their names. */
  deleteDnsRoutesOf(tunnelId: string): Promise<{ tunnel_id: string; deleted: string[] }> {
    return this.#http.call('DELETE', `${this.#tunnels}/${tunnelId}/routes`);
  }

  /** Closes the tunnel's connections; returns how many there were. */
  cleanupConnections(tunnelId: string, connectorId?: string): Promise<{ connections: number }> {
    const q = connectorId === undefined ? '' : `?client_id=${encodeURIComponent(connectorId)}`;
    return this.#http.call('DELETE', `${this.#tunnels}/${tunnelId}/connections${q}`);
  }

  /** A short-lived token for the edge's management endpoint (`warren tail`). */
  managementToken(tunnelId: string, resources: 'logs'[] = ['logs']): Promise<string> {
    return this.#http.call<string>('POST', `${this.#tunnels}/${tunnelId}/management`, { resources });
  }

  /** The token `warren tunnel run --token` takes. */
  tunnelToken(tunnelId: string): Promise<string> {
    return this.#http.call<string>('GET', `${this.#tunnels}/${tunnelId}/token`);
  }

  routeDns(tunnelId: string, hostname: string, o: { overwrite: boolean }): Promise<DnsRouteResult> {
    return this.#http.call<DnsRouteResult>('PUT', `/zones/${this.zoneId}/tunnels/${tunnelId}/routes`, {
      type: 'dns',
      user_hostname: hostname,
      overwrite_existing: o.overwrite,
    });
  }

  deleteTunnelRoute(hostname: string): Promise<{ hostname: string }> {
    return this.#http.call(
      'DELETE',
      `/accounts/${this.accountId}/tunnel_routes?hostname=${encodeURIComponent(hostname)}`,
    );
  }

  registerClassicTunnel(hostname: string): Promise<ClassicTunnelResult> {
    return this.#http.call<ClassicTunnelResult>('POST', `/zones/${this.zoneId}/classic_tunnels`, { hostname });
  }
}
