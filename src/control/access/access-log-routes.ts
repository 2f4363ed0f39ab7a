import { Type } from '@sinclair/typebox';
import type { AuditLogRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { okPage } from '../api/envelope.js';
import { authorize } from '../api/principal.js';

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

/** One row of Cloudflare's access request log, from an Access `login` audit entry. */
export function accessRequestView(r: AuditLogRow): Record<string, unknown> {
  const m = JSON.parse(r.metadata) as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    action: 'login',
    allowed: r.action_result === 1,
    app_domain: str(m.app_domain),
    app_uid: str(m.app_uid) || r.resource_id,
    connection: str(m.idp),
    created_at: r.when_at,
    ip_address: r.actor_ip,
    ray_id: str(m.ray_id),
    user_email: r.actor_email,
  };
}

function instant(v: string | undefined, field: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw ApiError.invalid(`${field} must be a date (2024-01-31) or an RFC 3339 time`);
  return d;
}

/**
 * `GET /accounts/{a}/access/logs/access_requests`: every Access login, allowed or denied (one-time
 * PIN, OIDC, a service token's first use per session), newest first unless `direction=asc`. The
 * rows are the audit log's Access `login` entries, so they share its retention and isolation.
 */
export function accessLogRoutes(ctx: ControlContext): ApiRoute[] {
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/logs/access_requests',
      summary: 'Access login events (allowed and denied): since, until, limit (25, at most 1000), direction',
      tag: 'Access',
      params: { account_id: ID_PARAM },
      query: {
        since: Type.String({ description: 'Events at or after this time' }),
        until: Type.String({ description: 'Events at or before this time' }),
        limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `At most this many (default 25)` }),
        direction: Enum(['asc', 'desc']),
        page: Type.Integer({ minimum: 1 }),
        per_page: Type.Integer({ minimum: 1, maximum: MAX_LIMIT }),
      },
      handler: async ({ principal: p, params, query }) => {
        // Cloudflare's "Access: Audit Logs Read".
        await authorize(ctx.store, p, {
          accountId: params.account_id,
          scope: 'audit:read',
          what: `account ${params.account_id}`,
        });
        const since = instant(query.since, 'since');
        const until = instant(query.until, 'until');
        const page = { page: query.page ?? 1, perPage: query.per_page ?? query.limit ?? DEFAULT_LIMIT };
        const paged = await ctx.store.audit.entries(
          params.account_id,
          {
            actionType: 'login',
            interface: 'Access',
            resourceType: 'access_app',
            since: since?.toISOString(),
            // until is inclusive: entries before the next millisecond.
            before: until === undefined ? undefined : new Date(until.getTime() + 1).toISOString(),
            direction: query.direction ?? 'desc',
          },
          page,
        );
        return okPage(paged, page, accessRequestView);
      },
    }),
  ];
}
