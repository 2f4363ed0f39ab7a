import { Type } from '@sinclair/typebox';
import { tunnelIdOfTarget, tunnelTarget } from '../../protocol/index.js';
import type { DnsRecordRow, ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { byApi } from '../audit/audit-trail.js';
import { parseHostname } from '../zones/hostname.js';
import { deleteRecordAudited, zoneOfHost } from './tunnel-dns-route.js';
import { MAX_TUNNEL_ROUTES } from './tunnel-route-list-routes.js';
import { tunnelFor } from './tunnel-routes.js';

async function deleteRoutes(
  ctx: ControlContext,
  p: Principal,
  zone: ZoneRow,
  records: readonly DnsRecordRow[],
  reason: string,
): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    for (const r of records) {
      await tx.classic.remove(r.id);
      await deleteRecordAudited(tx, zone, r, byApi(p), reason);
    }
  });
}

/**
 * Deleting tunnel routes: `warren tunnel route delete HOST` (one hostname, only when it is a
 * tunnel route) and `warren tunnel delete --cleanup-dns` (every CNAME that points at the tunnel).
 */
export function tunnelRouteDeleteRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  return [
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/tunnel_routes',
      summary: 'Deletes the tunnel route (proxied CNAME to <uuid>.tunnel.<domain>) of one hostname',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM },
      query: { hostname: Type.String({ minLength: 1, maxLength: 253 }) },
      handler: async ({ principal: p, params, query }) => {
        if (query.hostname === undefined) throw ApiError.invalid('pass ?hostname=app.example.com');
        const host = parseHostname(query.hostname, 'hostname', { wildcard: true });
        // Only a gate: the zone's own dns:write is checked below (cert.pem's token has DNS on its zone only).
        await authorize(store, p, {
          accountId: params.account_id,
          scope: 'account:read',
          what: `account ${params.account_id}`,
        });
        const zones = await store.zones.zonesOfAccount(params.account_id);
        const zone = zoneOfHost(host, zones);
        if (zone === undefined) {
          throw new ApiError(
            'WARREN_ROUTE_FOREIGN_ZONE',
            `${host} is not inside any zone of this account (${zones.map((z) => z.name).join(', ') || 'no zones'})`,
          );
        }
        await authorize(store, p, {
          accountId: zone.account_id,
          zoneId: zone.id,
          scope: 'dns:write',
          what: `zone ${zone.name}`,
        });
        const records = await store.zones.recordsNamed(zone.id, host);
        if (records.length === 0) throw ApiError.notFound(`a DNS record named ${host}`);
        const routes = records.filter((r) => r.type === 'CNAME' && tunnelIdOfTarget(r.content, domain) !== undefined);
        if (routes.length === 0) {
          throw ApiError.invalid(
            `${host} is not a tunnel route (it has ${records.map((r) => `a ${r.type} record`).join(', ')}); delete it with the DNS records API instead`,
          );
        }
        await deleteRoutes(ctx, p, zone, routes, 'tunnel route deleted');
        await store.feed.publish('dns');
        return ok({ hostname: host, deleted: routes.map((r) => ({ id: r.id, content: r.content })) });
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/connections',
      summary: "Cleans up the tunnel's connections: they are closed (connectors still running register again)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      // Cloudflare's client_id: clean up one connector only.
      query: { client_id: Type.String({ maxLength: 64 }) },
      handler: async ({ principal: p, params, query }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
        const one = query.client_id?.toLowerCase();
        const before = (await store.tunnels.connections(t.id)).filter(
          (c) => one === undefined || c.connector_id === one,
        ).length;
        const closed = ctx.dropTunnelLinks(t.id, one);
        return ok({ tunnel_id: t.id, connections: before, closed });
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/routes',
      summary: 'Deletes every DNS route (CNAME) that points at the tunnel, in all zones of the account',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
        const target = tunnelTarget(t.id, domain);
        const deleted: string[] = [];
        for (const { zone, records: rows } of await store.zones.cnamesTo(t.account_id, target, MAX_TUNNEL_ROUTES)) {
          await authorize(store, p, {
            accountId: zone.account_id,
            zoneId: zone.id,
            scope: 'dns:write',
            what: `zone ${zone.name}`,
          });
          await deleteRoutes(ctx, p, zone, rows, `routes of tunnel ${t.id} cleaned up`);
          deleted.push(...rows.map((r) => r.name));
        }
        if (deleted.length > 0) await store.feed.publish('dns');
        return ok({ tunnel_id: t.id, deleted });
      },
    }),
  ];
}
