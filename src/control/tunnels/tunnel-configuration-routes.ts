// Straight from the module, not the folder's index: this path must never reach a module that
// touches a filesystem (the index also exports config.yml's reader). A tenant's configuration
// is checked by shape here; the files it names are read by the connector on its own host.
// test/configuration-paths-control.test.ts walks this import graph.
import { Type } from '@sinclair/typebox';
import { WarrenError } from '../../errors/index.js';
import { MAX_CONFIG_PUSH_BYTES } from '../../protocol/index.js';
import type { TunnelConfigurationReportRow, TunnelConfigurationRow, TunnelRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { AnyObject, type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { configurationErrors } from './configuration-errors.js';
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
  /**
   * warren's addition: what each connected connector did with the newest version it was pushed.
   * `refused` names why (a file it names cannot be read on the connector's host, …) and the
   * version it keeps serving; `ignored` means its local config file or --url wins.
   */
  warren_connectors: ConnectorConfigurationReport[];
}

export interface ConnectorConfigurationReport {
  connector_id: string;
  version: number;
  status: 'applied' | 'refused' | 'ignored';
  /** The remote version the connector serves (0: none). */
  running_version: number;
  reason: string | null;
  reported_at: string;
}

function configurationView(
  t: TunnelRow,
  row: TunnelConfigurationRow | undefined,
  reports: readonly TunnelConfigurationReportRow[],
): TunnelConfigurationView {
  return {
    account_id: t.account_id,
    tunnel_id: t.id,
    version: row === undefined ? 0 : Number(row.version),
    config: row === undefined ? null : (JSON.parse(row.config) as Record<string, unknown>),
    source: row === undefined ? t.config_src : 'cloudflare',
    created_at: row?.created_at ?? null,
    warren_connectors: reports.map((r) => ({
      connector_id: r.connector_id,
      version: Number(r.version),
      status: r.state,
      running_version: Number(r.running_version),
      reason: r.reason,
      reported_at: r.reported_at,
    })),
  };
}

/**
 * `/accounts/{a}/cfd_tunnel/{t}/configurations`: a remotely-managed tunnel's ingress rules and
 * originRequest, in Cloudflare's shape. A PUT is validated by the connector's own shape rules
 * (parseRemoteConfig: no file it names is opened here, see DESIGN §5), stored as the next
 * version, and pushed to the tunnel's connectors by every edge (TunnelConfigurationPusher, on the
 * `tunnel_configs` change). Each connector reports what became of a version (applied, refused
 * with the reason, or ignored for a local config); GET shows those reports.
 */
export function tunnelConfigurationRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/configurations',
      summary: "A remotely-managed tunnel's configuration (version 0 and config null when never set)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        const [row, reports] = await Promise.all([
          store.tunnelConfigs.current(t.id),
          store.tunnelConfigs.reportsOf(t.id),
        ]);
        return ok(configurationView(t, row, reports));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/configurations',
      summary:
        'Sets the configuration of a remotely-managed tunnel ({config: {ingress: [{hostname?, path?, service, originRequest?}], originRequest?}}); pushed to its connectors',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      body: Type.Object({
        // Its keys are checked by parseRemoteConfig, with messages that name the rule and the field.
        config: AnyObject(),
      }),
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
        // The configuration parser (yaml, re2js for path patterns: about 2 MiB of heap) loads at the first PUT.
        const [{ parseRemoteConfig }, { ConfigErrors }] = await Promise.all([
          import('../../connector/config/remote-config.js'),
          import('../../connector/config/config-errors.js'),
        ]);
        let rules: number;
        try {
          rules = parseRemoteConfig(body.config).ingress.rules.length;
        } catch (err) {
          if (err instanceof ConfigErrors) throw configurationErrors(err);
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
        return ok(
          configurationView({ ...t, config_src: 'cloudflare' }, row, await store.tunnelConfigs.reportsOf(t.id)),
        );
      },
    }),
  ];
}
