import type { AccessGroupRow } from '../store/index.js';
import { newUuid } from '../store/index.js';
import { auditAccess } from './access-audit.js';
import { POLICY_SCHEMA, type PolicyBody, policyData, policyView } from './access-policy-input.js';
import { parseRules, RULES_SCHEMA } from './access-rule-input.js';
import { ApiError } from './api-error.js';
import { type ApiRoute, ID_PARAM, route } from './api-route.js';
import type { ControlContext } from './control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from './envelope.js';
import { authorize, type Principal } from './principal.js';

const A = { account_id: ID_PARAM };
const AI = { account_id: ID_PARAM, id: ID_PARAM };
const MAX_PER_PAGE = 1000;

interface GroupBody {
  name: string;
  include: unknown[];
  require?: unknown[];
  exclude?: unknown[];
  is_default?: boolean;
}

const GROUP_SCHEMA = {
  type: 'object',
  required: ['name', 'include'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 350 },
    include: RULES_SCHEMA,
    require: RULES_SCHEMA,
    exclude: RULES_SCHEMA,
    is_default: { type: 'boolean' },
  },
};

function groupData(b: GroupBody): string {
  return JSON.stringify({
    name: b.name,
    include: parseRules(b.include, 'include'),
    require: parseRules(b.require, 'require'),
    exclude: parseRules(b.exclude, 'exclude'),
    ...(b.is_default === undefined ? {} : { is_default: b.is_default }),
  });
}

function groupView(g: AccessGroupRow): Record<string, unknown> {
  return {
    id: g.id,
    ...(JSON.parse(g.data) as Record<string, unknown>),
    created_at: g.created_at,
    updated_at: g.updated_at,
  };
}

/** Reusable policies (`/accounts/{a}/access/policies`) and groups (`/accounts/{a}/access/groups`). */
export function accessPolicyRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const can = (p: Principal, accountId: string, scope: 'access:read' | 'access:write') =>
    authorize(store, p, { accountId, scope, what: `account ${accountId}` });
  // Groups go with organizations and identity providers, as in Cloudflare's permission groups.
  const canGroups = (p: Principal, accountId: string, mode: 'access:read' | 'access:write') =>
    authorize(store, p, {
      accountId,
      scope: mode === 'access:read' ? 'access_org:read' : 'access_org:write',
      what: `account ${accountId}`,
    });
  const changed = () => store.feed.publish('access');
  const policyOf = async (accountId: string, id: string) => {
    const row = await store.access.policy(accountId, null, id);
    if (row === undefined) throw ApiError.notFound(`reusable Access policy ${id}`);
    return row;
  };
  const groupOf = async (accountId: string, id: string) => {
    const row = await store.access.group(accountId, id);
    if (row === undefined) throw ApiError.notFound(`Access group ${id}`);
    return row;
  };
  return [
    route<{ account_id: string }, unknown, PolicyBody>({
      method: 'POST',
      url: '/accounts/:account_id/access/policies',
      summary: 'Creates a reusable Access policy (attach it to apps by id)',
      tag: 'Access',
      params: A,
      body: POLICY_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'access:write');
        const now = store.clock.now().toISOString();
        const row = {
          id: newUuid(),
          account_id: accountId,
          app_id: null,
          precedence: body.precedence ?? 1,
          data: policyData(body),
          created_at: now,
          updated_at: now,
        };
        await store.transaction(async (tx) => {
          await tx.access.insertPolicy(row);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_policy_create',
            { id: row.id, type: 'access_policy' },
            { newValue: policyView(row) },
          );
        });
        await changed();
        return ok(policyView(row));
      },
    }),
    route<{ account_id: string }, { page?: number; per_page?: number }, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/access/policies',
      summary: 'Lists reusable Access policies',
      tag: 'Access',
      params: A,
      query: pagingQuery(MAX_PER_PAGE),
      handler: async ({ principal: p, params, query }) => {
        await can(p, params.account_id, 'access:read');
        const page = pageOf(query, MAX_PER_PAGE);
        return okPage(pageSlice(await store.access.policies(params.account_id, null), page), page, (r) =>
          policyView(r),
        );
      },
    }),
    route<{ account_id: string; id: string }, unknown, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/access/policies/:id',
      summary: 'Reads a reusable Access policy',
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        await can(p, params.account_id, 'access:read');
        return ok(policyView(await policyOf(params.account_id, params.id)));
      },
    }),
    route<{ account_id: string; id: string }, unknown, PolicyBody>({
      method: 'PUT',
      url: '/accounts/:account_id/access/policies/:id',
      summary: 'Replaces a reusable Access policy (every app it is attached to follows)',
      tag: 'Access',
      params: AI,
      body: POLICY_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'access:write');
        const row = await policyOf(accountId, params.id);
        const data = policyData(body);
        const view = await store.transaction(async (tx) => {
          await tx.access.updatePolicy(accountId, row.id, body.precedence ?? row.precedence, data);
          const v = policyView((await tx.access.policy(accountId, null, row.id)) ?? row);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_policy_update',
            { id: row.id, type: 'access_policy' },
            { oldValue: policyView(row), newValue: v },
          );
          return v;
        });
        await changed();
        return ok(view);
      },
    }),
    route<{ account_id: string; id: string }, unknown, unknown>({
      method: 'DELETE',
      url: '/accounts/:account_id/access/policies/:id',
      summary: 'Deletes a reusable Access policy (and detaches it from its apps)',
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'access:write');
        const row = await policyOf(accountId, params.id);
        await store.transaction(async (tx) => {
          await tx.access.deletePolicy(accountId, row.id);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_policy_delete',
            { id: row.id, type: 'access_policy' },
            { oldValue: policyView(row) },
          );
        });
        await changed();
        return ok({ id: row.id });
      },
    }),
    // ---- groups ----
    route<{ account_id: string }, unknown, GroupBody>({
      method: 'POST',
      url: '/accounts/:account_id/access/groups',
      summary: 'Creates an Access group (rules, used by policies through the group rule)',
      tag: 'Access',
      params: A,
      body: GROUP_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await canGroups(p, accountId, 'access:write');
        const now = store.clock.now().toISOString();
        const row: AccessGroupRow = {
          id: newUuid(),
          account_id: accountId,
          data: groupData(body),
          created_at: now,
          updated_at: now,
        };
        await store.transaction(async (tx) => {
          await tx.access.insertGroup(row);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_group_create',
            { id: row.id, type: 'access_group' },
            { newValue: groupView(row) },
          );
        });
        await changed();
        return ok(groupView(row));
      },
    }),
    route<{ account_id: string }, { page?: number; per_page?: number }, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/access/groups',
      summary: 'Lists Access groups',
      tag: 'Access',
      params: A,
      query: pagingQuery(MAX_PER_PAGE),
      handler: async ({ principal: p, params, query }) => {
        await canGroups(p, params.account_id, 'access:read');
        const page = pageOf(query, MAX_PER_PAGE);
        return okPage(pageSlice(await store.access.groups(params.account_id), page), page, groupView);
      },
    }),
    route<{ account_id: string; id: string }, unknown, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/access/groups/:id',
      summary: 'Reads an Access group',
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        await canGroups(p, params.account_id, 'access:read');
        return ok(groupView(await groupOf(params.account_id, params.id)));
      },
    }),
    route<{ account_id: string; id: string }, unknown, GroupBody>({
      method: 'PUT',
      url: '/accounts/:account_id/access/groups/:id',
      summary: 'Replaces an Access group',
      tag: 'Access',
      params: AI,
      body: GROUP_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await canGroups(p, accountId, 'access:write');
        const row = await groupOf(accountId, params.id);
        const data = groupData(body);
        const next = { ...row, data, updated_at: store.clock.now().toISOString() };
        await store.transaction(async (tx) => {
          await tx.access.updateGroup(accountId, row.id, data);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_group_update',
            { id: row.id, type: 'access_group' },
            { oldValue: groupView(row), newValue: groupView(next) },
          );
        });
        await changed();
        return ok(groupView(next));
      },
    }),
    route<{ account_id: string; id: string }, unknown, unknown>({
      method: 'DELETE',
      url: '/accounts/:account_id/access/groups/:id',
      summary: 'Deletes an Access group (policies naming it stop matching it)',
      tag: 'Access',
      params: AI,
      handler: async ({ principal: p, params }) => {
        const accountId = params.account_id;
        await canGroups(p, accountId, 'access:write');
        const row = await groupOf(accountId, params.id);
        await store.transaction(async (tx) => {
          await tx.access.deleteGroup(accountId, row.id);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_group_delete',
            { id: row.id, type: 'access_group' },
            { oldValue: groupView(row) },
          );
        });
        await changed();
        return ok({ id: row.id });
      },
    }),
  ];
}
