import { parseRemoteConfig } from '../connector/config/index.js';
import { WarrenError } from '../errors/index.js';
import { MAX_CONFIG_PUSH_BYTES } from '../protocol/index.js';
import type { TunnelConfigurationRow, TunnelRow } from '../store/index.js';
import { ApiError } from './api-error.js';
import { type ApiRoute, ID_PARAM, route } from './api-route.js';
import { audit, byApi } from './audit-trail.js';
import type { ControlContext } from './control-context.js';
import { ok } from './envelope.js';
import { tunnelFor } from './tunnel-routes.js';

/** Room the push's own fields (`{"version":2147483647,"config":…}`) take around the configuration. */
const PUSH_ENVELOPE_BYTES = 64;
/** Largest configuration the API stores: what still fits in one push to the connectors. */
export const MAX_TUNNEL_CONFIGURATION_BYTES = MAX_CONFIG_PUSH_BYTES - PUSH_ENVELOPE_BYTES;

/** Cloudflare's configuration result; a tunnel never configured has version 0 and config null. */
export interface TunnelConfigurationView {
  account_id: string;
  tunnel_id: string;
  version: number;
  config: Record<string, unknown> | null;
  source: 'local' | 'cloudflare';
  created_at: string | null;
}

function configurationView(t: TunnelRow, row: TunnelConfigurationRow | undefined): TunnelConfigurationView {
  return {
    account_id: t.account_id,
    tunnel_id: t.id,
    version: row === undefined ? 0 : Number(row.version),
    config: row === undefined ? null : (JSON.parse(row.config) as Record<string, unknown>),
    source: row === undefined ? t.config_src : 'cloudflare',
    created_at: row?.created_at ?? null,
  };
}

/**
 * `/accounts/{a}/cfd_tunnel/{t}/configurations`: a remotely-managed tunnel's ingress rules and
 * originRequest, in Cloudflare's shape. A PUT is validated by the connector's own rules
 * (parseRemoteConfig), stored as the next version, and pushed to the tunnel's connectors by
 * every edge (TunnelConfigurationPusher, on the `tunnel_configs` change).
 */
export function tunnelConfigurationRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  return [
    route<{ account_id: string; tunnel_id: string }, unknown, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/configurations',
      summary: "A remotely-managed tunnel's configuration (version 0 and config null when never set)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        return ok(configurationView(t, await store.tunnelConfigs.current(t.id)));
      },
    }),
    route<{ account_id: string; tunnel_id: string }, unknown, { config: Record<string, unknown> }>({
      method: 'PUT',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/configurations',
      summary:
        'Sets the configuration of a remotely-managed tunnel ({config: {ingress: [{hostname?, path?, service, originRequest?}], originRequest?}}); pushed to its connectors',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      body: {
        type: 'object',
        required: ['config'],
        // Its keys are checked by parseRemoteConfig, with messages that name the rule and the field.
        properties: { config: { type: 'object' } },
      },
      handler: async ({ principal: p, params, body }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
        if (t.deleted_at !== null)
          throw new ApiError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was deleted on ${t.deleted_at}`);
        const json = JSON.stringify(body.config);
        const bytes = Buffer.byteLength(json);
        if (bytes > MAX_TUNNEL_CONFIGURATION_BYTES) {
          throw ApiError.invalid(
            `config is ${bytes} bytes of JSON, over the ${MAX_TUNNEL_CONFIGURATION_BYTES}-byte limit; use fewer rules, or wildcard hostnames and path patterns`,
          );
        }
        let rules: number;
        try {
          rules = parseRemoteConfig(body.config).ingress.rules.length;
        } catch (err) {
          if (err instanceof WarrenError) throw ApiError.invalid(err.message);
          throw err;
        }
        const row = await store.transaction(async (tx) => {
          const before = await tx.tunnelConfigs.current(t.id);
          const row = await tx.tunnelConfigs.put(t.id, t.account_id, json);
          await tx.tunnelConfigs.markRemote(t.id);
          await audit(tx, byApi(p), {
            accountId: t.account_id,
            action: 'tunnel_configuration_update',
            resource: { id: t.id, type: 'cfd_tunnel' },
            metadata: { version: Number(row.version), rules },
            oldValue: { version: before === undefined ? 0 : Number(before.version), config_src: t.config_src },
            newValue: { version: Number(row.version), config_src: 'cloudflare' },
          });
          return row;
        });
        // Every edge (this process and the others on the database) pushes it to its links.
        await store.feed.publish('tunnel_configs');
        return ok(configurationView({ ...t, config_src: 'cloudflare' }, row));
      },
    }),
  ];
}
