import { randomBytes, randomInt } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { tunnelTarget } from '../../protocol/index.js';
import type { DnsRecordRow, TunnelRow } from '../../store/index.js';
import { fingerprint, newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { parseHostname } from '../zones/hostname.js';
import { zoneFor } from '../zones/zone-routes.js';
import { assertNotApexRoute, createTunnelCname, zoneOfHost } from './tunnel-dns-route.js';
import { tunnelToken } from './tunnel-view.js';

const HOUR_MS = 3_600_000;
/** cloudflared's promise: records of an unregistered classic tunnel go away after 24 to 48 hours. */
export const CLASSIC_CLEANUP_MIN_MS = 24 * HOUR_MS;
export const CLASSIC_CLEANUP_MAX_MS = 48 * HOUR_MS;
const SECRET_BYTES = 32;

/** The delay for one record: the configured one, else a random point in the 24–48 hour window. */
export function classicCleanupDelay(configured: number | undefined): number {
  return configured ?? randomInt(CLASSIC_CLEANUP_MIN_MS, CLASSIC_CLEANUP_MAX_MS + 1);
}

/** The tunnel name a classic tunnel for `host` gets (one per hostname, reused on every run). */
export function classicTunnelName(host: string): string {
  return `classic:${host}`;
}

/**
 * `POST /zones/{zone_id}/classic_tunnels` — what `warren tunnel --hostname H` calls with
 * cert.pem's token: a tunnel for H (made on first use, reused after), and the proxied CNAME
 * H → `<uuid>.tunnel.<domain>`, remembered so the cleanup job deletes it once the tunnel has
 * stayed unregistered long enough.
 */
export function classicTunnelRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  return [
    typedRoute({
      method: 'POST',
      url: '/zones/:zone_id/classic_tunnels',
      summary:
        'Registers a classic (hostname) tunnel: creates or reuses its tunnel and the proxied CNAME; returns the run token',
      tag: 'Tunnels',
      params: { zone_id: ID_PARAM },
      body: Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 253 }) }),
      handler: async ({ principal: p, params, body }) => {
        const pathZone = await zoneFor(ctx, p, params.zone_id, 'dns:write');
        const accountId = pathZone.account_id;
        await authorize(store, p, { accountId, scope: 'tunnel:write', what: `account ${accountId}` });
        const host = parseHostname(body.hostname, '--hostname');
        const zones = await store.zones.zonesOfAccount(accountId);
        const zone = zoneOfHost(host, zones);
        if (zone === undefined) {
          throw new ApiError(
            'WARREN_ROUTE_FOREIGN_ZONE',
            `${host} is not inside any zone of this account (${zones.map((z) => z.name).join(', ')}); use a hostname in one of them — warren never appends it to ${pathZone.name}`,
          );
        }
        if (zone.id !== pathZone.id) await zoneFor(ctx, p, zone.id, 'dns:write');
        assertNotApexRoute(host, zone);
        const name = classicTunnelName(host);
        const secret = randomBytes(SECRET_BYTES);
        const { tunnel, cname } = await store.transaction(async (tx) => {
          let tunnel: TunnelRow | undefined = (
            await tx.tunnels.tunnels(accountId, { name, isDeleted: false }, { page: 1, perPage: 1 })
          ).rows[0];
          if (tunnel === undefined) {
            tunnel = await tx.tunnels.createTunnel({
              id: newUuid(),
              account_id: accountId,
              name,
              secret_sealed: store.secrets.seal(secret),
              secret_fingerprint: fingerprint(secret),
              config_src: 'local',
            });
            await audit(tx, byApi(p), {
              accountId,
              action: 'tunnel_create',
              resource: { id: tunnel.id, type: 'cfd_tunnel' },
              metadata: { name, classic: true, secret_fingerprint: tunnel.secret_fingerprint },
            });
          }
          const target = tunnelTarget(tunnel.id, domain);
          const existing = await tx.zones.recordsNamed(zone.id, host);
          const mine = existing.find((r) => r.type === 'CNAME' && r.content === target);
          if (mine !== undefined) {
            const known = await tx.classic.ofTunnel(tunnel.id);
            if (!known.some((k) => k.record_id === mine.id)) {
              await tx.classic.add(classicRow(mine, tunnel.id, ctx.classicCleanupAfterMs));
            }
            return { tunnel, cname: 'unchanged' as const };
          }
          if (existing.length > 0) {
            throw new ApiError(
              'WARREN_DNS_RECORD_EXISTS',
              `${host} already has ${existing.map((r) => `a ${r.type} record`).join(', ')}; delete it first, or choose another hostname`,
            );
          }
          const rec = await createTunnelCname(tx, {
            zone,
            host,
            target,
            tunnelId: tunnel.id,
            comment: `classic tunnel ${host}`,
            by: byApi(p),
            metadata: { classic: true },
          });
          await tx.classic.add(classicRow(rec, tunnel.id, ctx.classicCleanupAfterMs));
          return { tunnel, cname: 'new' as const };
        });
        await store.feed.publish('tunnels');
        if (cname === 'new') await store.feed.publish('dns');
        return ok({
          id: tunnel.id,
          name: tunnel.name,
          hostname: host,
          cname,
          token: tunnelToken(tunnel.account_id, tunnel.id, store.secrets.open(tunnel.secret_sealed), {
            address: ctx.edgeAddress,
            caPem: ctx.edgeCaPem,
          }),
        });
      },
    }),
  ];
}

function classicRow(rec: DnsRecordRow, tunnelId: string, configured: number | undefined) {
  return {
    record_id: rec.id,
    tunnel_id: tunnelId,
    zone_id: rec.zone_id,
    account_id: rec.account_id,
    name: rec.name,
    cleanup_after_ms: classicCleanupDelay(configured),
  };
}
