import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TunnelRow } from '../../store/index.js';
import { fingerprint, isUniqueViolation, newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { connectorsView, tunnelToken, tunnelView } from './tunnel-view.js';

const MIN_SECRET_BYTES = 32;

/** A tunnel secret from the API: strict base64 of at least 32 bytes (Cloudflare's rule). */
function secretOf(base64: string): Buffer {
  // Buffer.from skips what is not base64; a typo must not silently become a shorter secret.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw ApiError.invalid('tunnel_secret must be standard base64 (e.g. the output of openssl rand -base64 32)');
  }
  const secret = Buffer.from(base64, 'base64');
  if (secret.length < MIN_SECRET_BYTES) {
    throw ApiError.invalid(
      `tunnel_secret must be base64 of at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 32)`,
    );
  }
  return secret;
}
const NAME = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f/]+$' });

/** The tunnel-name rule the dashboard's hint states (issue 20): one clear error, tied to /name. */
function checkTunnelName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw ApiError.invalid(
      `tunnel name ${JSON.stringify(name)} may hold only letters, digits, dots, dashes and underscores; write e.g. "web-app"`,
    ).at('/name');
  }
}

/** Reads a tunnel of the account, or 404 (also for tunnels of other accounts). */
export async function tunnelFor(
  ctx: ControlContext,
  p: Principal,
  accountId: string,
  tunnelId: string,
  scope: 'tunnel:read' | 'tunnel:write',
): Promise<TunnelRow> {
  await authorize(ctx.store, p, { accountId, scope, what: `account ${accountId}` });
  const t = await ctx.store.tunnels.tunnelOf(accountId, tunnelId.toLowerCase());
  if (t === undefined) {
    throw new ApiError(
      'WARREN_TUNNEL_NOT_FOUND',
      `tunnel ${tunnelId} does not exist in this account; list tunnels with GET /accounts/${accountId}/cfd_tunnel`,
    );
  }
  return t;
}

/** `/accounts/{account_id}/cfd_tunnel` and below. */
export function tunnelRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  /** Reading a tunnel's token reveals its secret: that takes write permission, as Cloudflare's. */
  const liveTunnelToRun = async (p: Principal, params: { account_id: string; tunnel_id: string }) => {
    const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
    if (t.deleted_at !== null) {
      throw new ApiError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was deleted on ${t.deleted_at}`);
    }
    return t;
  };
  const tokenOf = (t: TunnelRow): string =>
    tunnelToken(t.account_id, t.id, store.secrets.open(t.secret_sealed), {
      address: ctx.edgeAddress,
      caPem: ctx.edgeCaPem,
    });
  return [
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/cfd_tunnel',
      summary: 'Creates a named tunnel (tunnel_secret: base64 of at least 32 bytes; generated when absent)',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM },
      body: Type.Object({
        name: NAME,
        tunnel_secret: Type.Optional(Type.String({ maxLength: 1024 })),
        config_src: Type.Optional(Enum(['local', 'cloudflare'])),
      }),
      handler: async ({ principal: p, params, body }) => {
        await authorize(store, p, {
          accountId: params.account_id,
          scope: 'tunnel:write',
          what: `account ${params.account_id}`,
        });
        checkTunnelName(body.name);
        const secret =
          body.tunnel_secret === undefined ? randomBytes(MIN_SECRET_BYTES) : Buffer.from(body.tunnel_secret, 'base64');
        if (secret.length < MIN_SECRET_BYTES) {
          throw ApiError.invalid(
            `tunnel_secret must be base64 of at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 32)`,
          );
        }
        try {
          const t = await store.transaction(async (tx) => {
            const t = await tx.tunnels.createTunnel({
              id: newUuid(),
              account_id: params.account_id,
              name: body.name,
              secret_sealed: store.secrets.seal(secret),
              secret_fingerprint: fingerprint(secret),
              config_src: body.config_src ?? 'local',
            });
            await audit(tx, byApi(p), {
              accountId: t.account_id,
              action: 'tunnel_create',
              resource: { id: t.id, type: 'cfd_tunnel' },
              metadata: { name: t.name, secret_fingerprint: t.secret_fingerprint },
            });
            return t;
          });
          await store.feed.publish('tunnels');
          return ok({
            ...tunnelView(t, []),
            credentials_file: {
              AccountTag: t.account_id,
              TunnelID: t.id,
              TunnelName: t.name,
              TunnelSecret: secret.toString('base64'),
            },
          });
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new ApiError(
              'WARREN_API_CONFLICT',
              `a tunnel named "${body.name}" already exists in this account; pick another name or delete it first`,
            ).at('/name');
          }
          throw err;
        }
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel',
      summary: "The account's tunnels (filters: name, is_deleted, uuid, name_prefix, exclude_prefix, existed_at)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM },
      query: {
        ...pagingQuery(1000),
        name: Type.String(),
        is_deleted: Type.Boolean(),
        uuid: Type.String(),
        name_prefix: Type.String({ maxLength: 255 }),
        exclude_prefix: Type.String({ maxLength: 255 }),
        // Checked in the handler, after authorization: another account's id must answer 403/404, not 400.
        existed_at: Type.String({ maxLength: 64 }),
      },
      handler: async ({ principal: p, params, query }) => {
        await authorize(store, p, {
          accountId: params.account_id,
          scope: 'tunnel:read',
          what: `account ${params.account_id}`,
        });
        const existedAt = query.existed_at === undefined ? undefined : Date.parse(query.existed_at);
        if (existedAt !== undefined && Number.isNaN(existedAt)) {
          throw new ApiError('WARREN_API_INVALID', 'existed_at must be an RFC 3339 time, e.g. 2024-01-31T12:00:00Z');
        }
        const page = pageOf(query, 20);
        const paged = await store.tunnels.tunnels(
          params.account_id,
          {
            name: query.name,
            isDeleted: query.is_deleted,
            uuid: query.uuid?.toLowerCase(),
            namePrefix: query.name_prefix,
            excludePrefix: query.exclude_prefix,
            // Stored times are toISOString(); compare like with like.
            existedAt: existedAt === undefined ? undefined : new Date(existedAt).toISOString(),
          },
          page,
        );
        const conns = await store.tunnels.connectionsOfTunnels(paged.rows.map((t) => t.id));
        return okPage(paged, page, (t) =>
          tunnelView(
            t,
            conns.filter((c) => c.tunnel_id === t.id),
          ),
        );
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id',
      summary: 'One tunnel, with its live connections and status',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        return ok(tunnelView(t, await store.tunnels.connections(t.id)));
      },
    }),
    typedRoute({
      method: 'PATCH',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id',
      summary:
        "Updates a tunnel as Cloudflare's: name, tunnel_secret (base64 of at least 32 bytes; connectors registering from then on must prove the new one)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      body: Type.Object(
        { name: Type.Optional(NAME), tunnel_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
        { additionalProperties: false },
      ),
      handler: async ({ principal: p, params, body }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
        if (t.deleted_at !== null)
          throw new ApiError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was deleted on ${t.deleted_at}`);
        const secret = body.tunnel_secret === undefined ? undefined : secretOf(body.tunnel_secret);
        const rename = body.name !== undefined && body.name !== t.name ? body.name : undefined;
        if (rename !== undefined) checkTunnelName(rename);
        if (rename !== undefined || secret !== undefined) {
          try {
            await store.transaction(async (tx) => {
              const oldValue: Record<string, string> = {};
              const newValue: Record<string, string> = {};
              if (rename !== undefined) {
                await tx.tunnels.rename(t.id, rename);
                oldValue.name = t.name;
                newValue.name = rename;
              }
              if (secret !== undefined) {
                const fp = fingerprint(secret);
                await tx.tunnels.setSecret(t.id, store.secrets.seal(secret), fp);
                // The audit log shows which secret, never the secret.
                oldValue.secret_fingerprint = t.secret_fingerprint;
                newValue.secret_fingerprint = fp;
              }
              await audit(tx, byApi(p), {
                accountId: t.account_id,
                action: 'tunnel_update',
                resource: { id: t.id, type: 'cfd_tunnel' },
                oldValue,
                newValue,
              });
            });
          } catch (err) {
            if (isUniqueViolation(err))
              throw new ApiError('WARREN_API_CONFLICT', `a tunnel named "${rename}" already exists in this account`).at(
                '/name',
              );
            throw err;
          }
          await store.feed.publish('tunnels');
        }
        const updated = (await store.tunnels.tunnel(t.id)) as TunnelRow;
        return ok(tunnelView(updated, await store.tunnels.connections(t.id)));
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id',
      summary:
        'Deletes a tunnel (soft: deleted_at is set). Refused while connected unless cascade=true, which drops its connections',
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      query: { cascade: Type.Boolean() },
      handler: async ({ principal: p, params, query }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:write');
        if (t.deleted_at !== null)
          throw new ApiError('WARREN_TUNNEL_NOT_FOUND', `tunnel ${t.id} was already deleted on ${t.deleted_at}`);
        const conns = await store.tunnels.connections(t.id);
        if (conns.length > 0 && query.cascade !== true) {
          throw new ApiError(
            'WARREN_TUNNEL_CONNECTED',
            `tunnel ${t.id} has ${conns.length} live connection${conns.length === 1 ? '' : 's'}; stop its connectors first, or delete with ?cascade=true to drop them`,
          );
        }
        await store.transaction(async (tx) => {
          await tx.tunnels.softDelete(t.id);
          await audit(tx, byApi(p), {
            accountId: t.account_id,
            action: 'tunnel_delete',
            resource: { id: t.id, type: 'cfd_tunnel' },
            metadata: { name: t.name, cascade: query.cascade === true, connections: conns.length },
          });
        });
        // Edges drop the tunnel's links and stop routing to it when they see this.
        await store.feed.publish('tunnels');
        const deleted = (await store.tunnels.tunnel(t.id)) as TunnelRow;
        return ok(tunnelView(deleted, []));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/connections',
      summary: "The tunnel's connectors and their live edge connections",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const t = await tunnelFor(ctx, p, params.account_id, params.tunnel_id, 'tunnel:read');
        return ok(connectorsView(await store.tunnels.connections(t.id)));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/token',
      summary:
        "The token `warren tunnel run --token` takes (base64 JSON {a, t, s}, with warren's edge address e and edge CA pin p)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        return ok(tokenOf(await liveTunnelToRun(p, params)));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/cfd_tunnel/:tunnel_id/run_command',
      summary:
        "The command line that runs a connector for this tunnel as is, from any directory (warren's own; holds the token)",
      tag: 'Tunnels',
      params: { account_id: ID_PARAM, tunnel_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const token = tokenOf(await liveTunnelToRun(p, params));
        return ok({ token, command: `${ctx.launcher} tunnel run --token ${token}` });
      },
    }),
  ];
}
