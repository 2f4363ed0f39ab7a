import { tunnelTarget } from '../../protocol/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize } from '../api/principal.js';
import { tunnelFor } from './tunnel-routes.js';

/** The most routes of one tunnel the routes API lists or deletes in one call. */
export const MAX_TUNNEL_ROUTES = 10_000;

/** "Not allowed" (the caller's roles or token do not reach the zone): the one refusal that skips a zone. */
function notAllowed(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 'WARREN_API_FORBIDDEN' || err.code === 'WARREN_API_NOT_FOUND');
}

/**
 * `GET /accounts/{a}/cfd_tunnel/{t}/routes`: the hostnames routed to a tunnel (proxied CNAMEs to
 * `<uuid>.tunnel.<domain>`) in the zones of its account the caller may read DNS of; zones it
 * may not read are left out, not refused, so a tunnel page works for narrower roles too. Any
 * other failure of the check (the database) fails the request: a list with zones silently
 * missing would look complete.
 */
export function tunnelRouteListRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/routes',
      summary: 'The hostnames routed to the tunnel (its DNS routes), in zones whose DNS the caller may read',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        const target = tunnelTarget(t.id, domain);
        const found: { hostname: string; zone_id: string; zone_name: string; record_id: string; created_on: string }[] =
          [];
        for (const { zone, records: rows } of await store.zones.cnamesTo(t.account_id, target, MAX_TUNNEL_ROUTES)) {
          try {
            await authorize(store, p, {
              accountId: zone.account_id,
              zoneId: zone.id,
              scope: 'dns:read',
              what: `zone ${zone.name}`,
            });
          } catch (err) {
            if (notAllowed(err)) continue;
            throw err;
          }
          for (const r of rows) {
            found.push({
              hostname: r.name,
              zone_id: zone.id,
              zone_name: zone.name,
              record_id: r.id,
              created_on: r.created_on,
            });
          }
        }
        found.sort((a, b) => a.hostname.localeCompare(b.hostname));
        return ok(found);
      },
    }),
  ];
}
