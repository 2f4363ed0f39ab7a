import { Type } from '@sinclair/typebox';
import { tunnelTarget } from '../../protocol/index.js';
import { type DnsRecordRow, longestZone, type Repositories, type ZoneRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { type AuditBy, audit, byApi } from '../audit/audit-trail.js';
import { hostSetupAdvice } from '../zones/dns-setup-advice.js';
import { parseHostname } from '../zones/hostname.js';
import { zoneFor } from '../zones/zone-routes.js';
import { tunnelFor } from './tunnel-routes.js';

/**
 * The zone of the account's `zones` a route for `host` goes in: the longest that contains it,
 * pending or active (a route may be made before the zone is active, as a DNS record may).
 */
export function zoneOfHost(host: string, zones: readonly ZoneRow[]): ZoneRow | undefined {
  return longestZone(host, zones, false);
}

/**
 * Tunnel routes are subdomains only (one rule for the routes API, classic tunnels and the DNS
 * records API): a proxied CNAME to a tunnel at a zone apex is refused.
 */
export function assertNotApexRoute(host: string, zone: Pick<ZoneRow, 'name'>): void {
  if (host === zone.name) {
    throw new ApiError(
      'WARREN_ROUTE_APEX',
      `${host} is the apex of the zone ${zone.name}; tunnel routes are subdomains only: route e.g. app.${zone.name}`,
    );
  }
}

/**
 * `PUT /zones/{zone_id}/tunnels/{tunnel_id}/routes` (what `warren tunnel route dns` calls):
 * a proxied CNAME `user_hostname → <uuid>.tunnel.<domain>`. Subdomains only; the hostname must
 * be in a zone of the tunnel's account, and is never appended to another zone.
 */
export interface TunnelCname {
  zone: ZoneRow;
  host: string;
  /** `<tunnel-uuid>.tunnel.<domain>` (see tunnelTarget). */
  target: string;
  tunnelId: string;
  comment: string;
  by: AuditBy;
  /** Extra audit metadata (e.g. `classic: true`). */
  metadata?: Record<string, unknown>;
}

/** Deletes a record of `zone` through the API, with its `rec_del` audit entry saying why, in `tx`. */
export async function deleteRecordAudited(
  tx: Repositories,
  zone: ZoneRow,
  r: DnsRecordRow,
  by: AuditBy,
  reason: string,
): Promise<void> {
  await tx.zones.deleteRecord(r.id);
  await audit(tx, by, {
    accountId: zone.account_id,
    action: 'rec_del',
    resource: { id: r.id, type: 'DNS_record' },
    metadata: { zone_id: zone.id, zone_name: zone.name, name: r.name, type: r.type, content: r.content, reason },
  });
}

/** Creates the proxied CNAME that routes `host` to a tunnel, with its `rec_add` audit entry, in `tx`. */
export async function createTunnelCname(tx: Repositories, c: TunnelCname): Promise<DnsRecordRow> {
  const rec = await tx.zones.createRecord({
    zone_id: c.zone.id,
    account_id: c.zone.account_id,
    name: c.host,
    type: 'CNAME',
    content: c.target,
    proxied: 1,
    ttl: 1,
    priority: null,
    comment: c.comment,
    tags: '[]',
    data: null,
  });
  await audit(tx, c.by, {
    accountId: c.zone.account_id,
    action: 'rec_add',
    resource: { id: rec.id, type: 'DNS_record' },
    metadata: {
      zone_id: c.zone.id,
      zone_name: c.zone.name,
      name: c.host,
      type: 'CNAME',
      content: c.target,
      proxied: true,
      tunnel_id: c.tunnelId,
      ...c.metadata,
    },
  });
  return rec;
}

export function tunnelDnsRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  return [
    typedRoute({
      method: 'PUT',
      url: '/zones/:zone_id/tunnels/:tunnel_id/routes',
      summary: 'Routes a hostname to a tunnel with a proxied CNAME (type "dns")',
      tag: 'Tunnels',
      params: { zone_id: ID_PARAM, tunnel_id: ID_PARAM },
      body: Type.Object({
        type: Enum(['dns', 'lb']),
        user_hostname: Type.String({ minLength: 1, maxLength: 253 }),
        overwrite_existing: Type.Optional(Type.Boolean()),
        lb_pool: Type.Optional(Type.String()),
      }),
      handler: async ({ principal: p, params, body }) => {
        if (body.type !== 'dns')
          throw ApiError.invalid('only "dns" routes exist on warren; load-balancer routes are not supported');
        const pathZone = await zoneFor(ctx, p, params.zone_id, 'dns:write');
        const tunnel = await tunnelFor(ctx, p, pathZone.account_id, params.tunnel_id, 'tunnel:read');
        if (tunnel.deleted_at !== null) {
          throw new ApiError(
            'WARREN_TUNNEL_NOT_FOUND',
            `tunnel ${tunnel.id} was deleted on ${tunnel.deleted_at}; route to a live tunnel`,
          );
        }
        const host = parseHostname(body.user_hostname, 'user_hostname', { wildcard: true });
        const zones = await store.zones.zonesOfAccount(pathZone.account_id);
        const zone = zoneOfHost(host, zones);
        if (zone === undefined) {
          throw new ApiError(
            'WARREN_ROUTE_FOREIGN_ZONE',
            `${host} is not inside any zone of this account (${zones.map((z) => z.name).join(', ') || 'no zones'}); add its zone to the account first — warren never appends it to ${pathZone.name}`,
          );
        }
        if (zone.id !== pathZone.id) {
          // The hostname lives in another zone of the same account: it needs DNS write there too.
          await zoneFor(ctx, p, zone.id, 'dns:write');
        }
        assertNotApexRoute(host, zone);
        const target = tunnelTarget(tunnel.id, domain);
        const result = await store.transaction(async (tx) => {
          const existing = await tx.zones.recordsNamed(zone.id, host);
          if (
            existing.length === 1 &&
            existing[0]?.type === 'CNAME' &&
            existing[0].content === target &&
            existing[0].proxied === 1
          ) {
            return 'unchanged' as const;
          }
          if (existing.length > 0 && body.overwrite_existing !== true) {
            throw new ApiError(
              'WARREN_DNS_RECORD_EXISTS',
              `${host} already has ${existing.map((r) => `a ${r.type} record`).join(', ')}; pass overwrite_existing: true (warren tunnel route dns --overwrite-dns) to replace it`,
            );
          }
          for (const r of existing) await deleteRecordAudited(tx, zone, r, byApi(p), 'overwritten by tunnel route');
          await createTunnelCname(tx, {
            zone,
            host,
            target,
            tunnelId: tunnel.id,
            comment: `tunnel ${tunnel.name}`,
            by: byApi(p),
          });
          return existing.length > 0 ? ('updated' as const) : ('new' as const);
        });
        if (result !== 'unchanged') await store.feed.publish('dns');
        // What is left to set outside warren (registrar delegation, or the CNAME at a partial zone's provider).
        return ok({ cname: result, name: host, dns_setup: hostSetupAdvice(zone, host, domain) });
      },
    }),
  ];
}
