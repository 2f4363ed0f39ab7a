import { Type } from '@sinclair/typebox';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { MANAGEMENT_RESOURCES, ManagementTokens } from './tunnel-management-token.js';
import { tunnelFor } from './tunnel-routes.js';

/** `POST /accounts/{a}/cfd_tunnel/{t}/management`: a short-lived token for the edge's management endpoint. */
export function tunnelManagementRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const tokens = new ManagementTokens(store.secrets, store.clock);
  return [
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/management',
      summary:
        "A management token for the tunnel's live logs (`warren tail`); `result` is the token string, as Cloudflare answers. It opens a session within 5 minutes, which then lives while connected",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      body: Type.Object({
        resources: Type.Array(Enum(MANAGEMENT_RESOURCES), {
          minItems: 1,
          maxItems: MANAGEMENT_RESOURCES.length,
          uniqueItems: true,
        }),
      }),
      handler: async ({ principal: p, params, body }) => {
        // Logs show what the tunnel serves: the same right as reading the tunnel.
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        if (t.deleted_at !== null) {
          throw new ApiError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was deleted on ${t.deleted_at}`);
        }
        const { token, claims } = tokens.issue(t.account_id, t.id, body.resources);
        await audit(store, byApi(p), {
          accountId: t.account_id,
          action: 'tunnel_management_token',
          resource: { id: t.id, type: 'cfd_tunnel' },
          metadata: {
            resources: body.resources,
            token_id: claims.id,
            expires_on: new Date(claims.expiresAt).toISOString(),
          },
        });
        // Cloudflare's shape: `result` is the token itself (its client types it as a string).
        return ok(token);
      },
    }),
  ];
}
