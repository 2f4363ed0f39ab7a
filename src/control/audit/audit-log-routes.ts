import { Type } from '@sinclair/typebox';
import type { AuditLogRow } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { okPage, pageOf, pagingQuery } from '../api/envelope.js';
import { authorize } from '../api/principal.js';

function parse(v: string | null): unknown {
  return v === null ? undefined : (JSON.parse(v) as unknown);
}

/** Cloudflare's v1 audit log entry. */
export function auditView(r: AuditLogRow): Record<string, unknown> {
  return {
    id: r.id,
    action: { type: r.action_type, result: r.action_result === 1, info: '' },
    actor: { id: r.actor_id, email: r.actor_email, ip: r.actor_ip, type: r.actor_type },
    interface: r.interface,
    metadata: JSON.parse(r.metadata) as unknown,
    newValue: r.new_value ?? '',
    newValueJson: parse(r.new_value) ?? {},
    oldValue: r.old_value ?? '',
    oldValueJson: parse(r.old_value) ?? {},
    owner: { id: r.account_id },
    resource: { id: r.resource_id, type: r.resource_type },
    when: r.when_at,
  };
}

/**
 * The names of the tunnels the page's connection entries (written by the edge, which knows only
 * ids) are about, deleted tunnels included, so the log can say which tunnel a connector joined.
 */
async function tunnelNames(
  ctx: ControlContext,
  accountId: string,
  rows: readonly AuditLogRow[],
): Promise<Map<string, string>> {
  const ids = new Set(rows.filter((r) => r.resource_type === 'cfd_tunnel').map((r) => r.resource_id));
  const names = new Map<string, string>();
  for (const id of ids) {
    const t = await ctx.store.tunnels.tunnelOf(accountId, id);
    if (t !== undefined) names.set(id, t.name);
  }
  return names;
}

/** `metadata.tunnel_name` on an entry about a tunnel, unless the entry has one already. */
function withTunnelName(view: Record<string, unknown>, name: string | undefined): Record<string, unknown> {
  const m = view.metadata;
  if (name === undefined || typeof m !== 'object' || m === null || Array.isArray(m) || 'tunnel_name' in m) return view;
  return { ...view, metadata: { ...m, tunnel_name: name } };
}

function instant(v: string | undefined, field: string): string | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw ApiError.invalid(`${field} must be a date (2024-01-31) or an RFC 3339 time`);
  return d.toISOString();
}

/** `GET /accounts/{account_id}/audit_logs`: read-only; nothing in the API edits or deletes an entry. */
export function auditLogRoutes(ctx: ControlContext): ApiRoute[] {
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/audit_logs',
      summary: "The account's audit log, newest first (filters: action.type, actor.email, actor.ip, since, before, id)",
      tag: 'Audit logs',
      params: { account_id: ID_PARAM },
      query: {
        ...pagingQuery(1000),
        id: Type.String(),
        'action.type': Type.String(),
        'actor.email': Type.String(),
        'actor.ip': Type.String(),
        since: Type.String({ description: 'Entries at or after this time' }),
        before: Type.String({ description: 'Entries before this time' }),
        direction: Enum(['asc', 'desc']),
        hide_user_logs: Type.Boolean({ description: 'Only entries made by warren itself (edge events)' }),
        export: Type.Boolean({ description: 'Accepted for compatibility' }),
      },
      handler: async ({ principal: p, params, query }) => {
        await authorize(ctx.store, p, {
          accountId: params.account_id,
          scope: 'audit:read',
          what: `account ${params.account_id}`,
        });
        const page = pageOf(query, 25);
        const paged = await ctx.store.audit.entries(
          params.account_id,
          {
            actionType: query['action.type'],
            actorEmail: query['actor.email'],
            actorIp: query['actor.ip'],
            resourceId: undefined,
            id: query.id,
            actorType: query.hide_user_logs === true ? 'Cloudflare' : undefined,
            since: instant(query.since, 'since'),
            before: instant(query.before, 'before'),
            direction: query.direction ?? 'desc',
          },
          page,
        );
        const names = await tunnelNames(ctx, params.account_id, paged.rows);
        return okPage(paged, page, (r) => withTunnelName(auditView(r), names.get(r.resource_id)));
      },
    }),
  ];
}
