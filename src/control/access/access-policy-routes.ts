import { type Static, Type } from '@sinclair/typebox';
import type { AccessGroupRow, AccessPolicyRow } from '../../store/index.js';
import { newUuid } from '../../store/index.js';
import type { ApiRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { accessCrud } from './access-crud-routes.js';
import { POLICY_SCHEMA, policyData, policyView } from './access-policy-input.js';
import { parseRules, RULES_SCHEMA } from './access-rule-input.js';

const GROUP_SCHEMA = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 350 }),
  include: RULES_SCHEMA,
  require: Type.Optional(RULES_SCHEMA),
  exclude: Type.Optional(RULES_SCHEMA),
  is_default: Type.Optional(Type.Boolean()),
});

function groupData(b: Static<typeof GROUP_SCHEMA>): string {
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
  const now = (): string => store.clock.now().toISOString();
  const policies = accessCrud(ctx, {
    collection: 'policies',
    idParam: 'id',
    noun: 'reusable Access policy',
    audit: 'access_policy',
    scopes: { read: 'access:read', write: 'access:write' },
    summaries: {
      create: 'Creates a reusable Access policy (attach it to apps by id)',
      list: 'Lists reusable Access policies',
      get: 'Reads a reusable Access policy',
      update: 'Replaces a reusable Access policy (every app it is attached to follows)',
      delete: 'Deletes a reusable Access policy (and detaches it from its apps)',
    },
    schema: { create: POLICY_SCHEMA, update: POLICY_SCHEMA },
    find: (r, accountId, id) => r.access.policy(accountId, null, id),
    list: (r, accountId) => r.access.policies(accountId, null),
    view: (_r, row) => policyView(row),
    prepareCreate: (accountId, body) => {
      const at = now();
      const row: AccessPolicyRow = {
        id: newUuid(),
        account_id: accountId,
        app_id: null,
        precedence: body.precedence ?? 1,
        data: policyData(body),
        created_at: at,
        updated_at: at,
      };
      return { row };
    },
    insert: (tx, { row }) => tx.access.insertPolicy(row),
    prepareUpdate: (_accountId, old, body) => ({
      precedence: body.precedence ?? old.precedence,
      data: policyData(body),
    }),
    update: async (tx, accountId, old, { precedence, data }) => {
      await tx.access.updatePolicy(accountId, old.id, precedence, data);
      return (await tx.access.policy(accountId, null, old.id)) ?? old;
    },
    remove: (tx, accountId, row) => tx.access.deletePolicy(accountId, row.id),
  });
  const groups = accessCrud(ctx, {
    collection: 'groups',
    idParam: 'id',
    noun: 'Access group',
    audit: 'access_group',
    // Groups go with organizations and identity providers, as in Cloudflare's permission groups.
    scopes: { read: 'access_org:read', write: 'access_org:write' },
    summaries: {
      create: 'Creates an Access group (rules, used by policies through the group rule)',
      list: 'Lists Access groups',
      get: 'Reads an Access group',
      update: 'Replaces an Access group',
      delete: 'Deletes an Access group (policies naming it stop matching it)',
    },
    schema: { create: GROUP_SCHEMA, update: GROUP_SCHEMA },
    find: (r, accountId, id) => r.access.group(accountId, id),
    list: (r, accountId) => r.access.groups(accountId),
    view: (_r, row) => groupView(row),
    prepareCreate: (accountId, body) => {
      const at = now();
      const row: AccessGroupRow = {
        id: newUuid(),
        account_id: accountId,
        data: groupData(body),
        created_at: at,
        updated_at: at,
      };
      return { row };
    },
    insert: (tx, { row }) => tx.access.insertGroup(row),
    prepareUpdate: (_accountId, old, body): AccessGroupRow => {
      const data = groupData(body);
      return { ...old, data, updated_at: now() };
    },
    update: async (tx, accountId, old, next) => {
      await tx.access.updateGroup(accountId, old.id, next.data);
      return next;
    },
    remove: (tx, accountId, row) => tx.access.deleteGroup(accountId, row.id),
  });
  return [...policies.routes, ...groups.routes];
}
