import { type Static, Type } from '@sinclair/typebox';
import type { AccountRow, Membership, UserRow } from '../../store/index.js';
import { isUniqueViolation } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { AnyObject, type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal, rolesIn } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { sendInvitation } from './invite-link.js';
import { apiUrlOf } from './login-routes.js';
import {
  addCreatedMember,
  addMember,
  changeRoles,
  createAccountFor,
  inviteExpiresOn,
  removeMember,
  SERVICE_USER_DOMAIN,
} from './membership.js';
import { ROLES, type Role, roleById, SUPER_ADMIN_ROLE_ID } from './roles.js';
import { tokenView } from './token-item-routes.js';

export function accountView(a: AccountRow): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    type: 'standard',
    created_on: a.created_on,
    settings: { enforce_twofactor: false, abuse_contact_email: null },
  };
}

export function roleView(r: Role): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: Object.fromEntries([...r.scopes].map((s) => [s, true])),
  };
}

/** The roles of a membership that exist (an id of a role since removed is skipped). */
export function rolesOf(m: Membership): Role[] {
  return m.roles.map(roleById).filter((r): r is Role => r !== undefined);
}

function memberView(m: Membership, u: UserRow): Record<string, unknown> {
  return {
    id: m.id,
    user: {
      id: u.id,
      email: u.email,
      first_name: null,
      last_name: null,
      two_factor_authentication_enabled: false,
      service_user: u.kind === 'service',
    },
    status: m.status,
    // A pending invitation can be accepted until then (7 days; a re-invitation starts anew).
    ...(m.status === 'pending' ? { invitation_expires_on: inviteExpiresOn(m) } : {}),
    roles: rolesOf(m).map(roleView),
    policies: [],
  };
}

const ROLE_LIST = Type.Array(
  Type.Union([
    Type.String({ maxLength: 64 }),
    Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
  ]),
  { minItems: 1, maxItems: 20 },
);

function roleIds(refs: Static<typeof ROLE_LIST>): string[] {
  const ids = [...new Set(refs.map((r) => (typeof r === 'string' ? r : r.id)))];
  for (const id of ids) {
    if (roleById(id) === undefined) {
      throw ApiError.invalid(`role ${id} does not exist; list roles with GET /accounts/{account_id}/roles`);
    }
  }
  return ids;
}

async function requireSuperAdminFor(
  ctx: ControlContext,
  p: Principal,
  accountId: string,
  ids: readonly string[],
): Promise<void> {
  if (!ids.includes(SUPER_ADMIN_ROLE_ID)) return;
  const mine = await rolesIn(ctx.store, p, accountId, `account ${accountId}`);
  if (!mine.some((r) => r.id === SUPER_ADMIN_ROLE_ID)) {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      'only a super administrator can grant or change the super administrator role',
    );
  }
}

/** `/accounts`, roles, members and service users. */
export function accountRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const account = async (
    p: Principal,
    id: string,
    scope: 'account:read' | 'account:write' | 'members:read' | 'members:write',
  ) => {
    await authorize(store, p, { accountId: id, scope, what: `account ${id}` });
    const a = await store.identity.getAccount(id);
    if (a === undefined) throw ApiError.notFound(`account ${id}`);
    return a;
  };
  /** The account of the URL (the caller holding `scope` in it) and its member, or 404. */
  const member = async (
    p: Principal,
    params: { account_id: string; member_id: string },
    scope: 'members:read' | 'members:write',
  ) => {
    const a = await account(p, params.account_id, scope);
    const m = (await store.identity.members(a.id)).find((x) => x.membership.id === params.member_id);
    if (m === undefined) throw ApiError.notFound(`member ${params.member_id}`);
    return { a, m };
  };

  return [
    typedRoute({
      method: 'GET',
      url: '/accounts',
      summary: 'Accounts the caller is a member of',
      tag: 'Accounts',
      query: { ...pagingQuery(50), name: Type.String() },
      handler: async ({ principal: p, query }) => {
        const page = pageOf(query, 20);
        const all = (await store.identity.accountsOf(p.user.id))
          .map((x) => x.account)
          .filter((a) => query.name === undefined || a.name === query.name);
        return okPage(pageSlice(all, page), page, accountView);
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/accounts',
      summary: 'Creates an account (tenant); the caller becomes its super administrator',
      tag: 'Accounts',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        type: Type.Optional(Type.Unsafe<'standard'>({ const: 'standard' })),
      }),
      handler: async ({ principal: p, body }) => {
        const memberships = await store.identity.accountsOf(p.user.id);
        const isOperator = memberships.some((m) => m.membership.roles.includes(SUPER_ADMIN_ROLE_ID));
        if (!isOperator || p.policies.length > 0 || p.user.kind !== 'person') {
          throw new ApiError(
            'WARREN_API_FORBIDDEN',
            'creating accounts needs a super administrator of an existing account, with an API token that has no policy restrictions',
          );
        }
        const a = await createAccountFor(store, byApi(p), p.user, body.name);
        return ok(accountView(a));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id',
      summary: 'One account',
      tag: 'Accounts',
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => ok(accountView(await account(p, params.account_id, 'account:read'))),
    }),
    typedRoute({
      method: 'PUT',
      url: '/accounts/:account_id',
      summary: 'Renames an account',
      tag: 'Accounts',
      params: { account_id: ID_PARAM },
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), settings: Type.Optional(AnyObject()) }),
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'account:write');
        await store.transaction(async (tx) => {
          await tx.identity.renameAccount(a.id, body.name);
          await audit(tx, byApi(p), {
            accountId: a.id,
            action: 'account_update',
            resource: { id: a.id, type: 'account' },
            oldValue: { name: a.name },
            newValue: { name: body.name },
          });
        });
        return ok(accountView({ ...a, name: body.name }));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/roles',
      summary: 'Roles a member can have',
      tag: 'Members',
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        await account(p, params.account_id, 'account:read');
        return okPage({ rows: [...ROLES], total: ROLES.length }, { page: 1, perPage: ROLES.length }, roleView);
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/members',
      summary: "The account's members (people and service users) with their roles",
      tag: 'Members',
      params: { account_id: ID_PARAM },
      query: pagingQuery(50),
      handler: async ({ principal: p, params, query }) => {
        const a = await account(p, params.account_id, 'members:read');
        const page = pageOf(query, 20);
        const all = await store.identity.members(a.id);
        return okPage(pageSlice(all, page), page, (x) => memberView(x.membership, x.user));
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/members',
      summary:
        'Invites a user by e-mail with roles: the membership is pending (grants nothing) until they accept it with PUT /memberships/{id} or the link (invite_link: mailed with --smtp-url, invite_mailed says whether it was)',
      tag: 'Members',
      params: { account_id: ID_PARAM },
      body: Type.Object({
        email: Type.String({ format: 'email', maxLength: 254 }),
        roles: ROLE_LIST,
        // Cloudflare lets some accounts add members as accepted; here only the user accepts.
        status: Type.Optional(Enum(['accepted', 'pending'])),
      }),
      handler: async ({ principal: p, params, body, req }) => {
        const a = await account(p, params.account_id, 'members:write');
        const ids = roleIds(body.roles);
        await requireSuperAdminFor(ctx, p, a.id, ids);
        const added = await addMember(store, byApi(p), { account: a, email: body.email, roles: ids });
        // Re-read: a re-invitation restarts its 7 days, and the link is bound to that start.
        const membership = (await store.identity.membershipById(added.membership.id)) ?? added.membership;
        const sent = await sendInvitation(ctx, apiUrlOf(req), a, membership, added.user, p.user.email);
        return ok({ ...memberView(membership, added.user), ...sent });
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/members/:member_id',
      summary: 'One member',
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { m } = await member(p, params, 'members:read');
        return ok(memberView(m.membership, m.user));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: '/accounts/:account_id/members/:member_id',
      summary: "Changes a member's roles (rolls that user's API key once they accepted)",
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      body: Type.Object({
        roles: ROLE_LIST,
        // Echoed back by clients that PUT the object they read; ignored.
        id: Type.Optional(Type.String()),
        status: Type.Optional(Type.String()),
        user: Type.Optional(AnyObject()),
        policies: Type.Optional(Type.Unsafe<never[]>({ type: 'array', maxItems: 0 })),
      }),
      handler: async ({ principal: p, params, body }) => {
        const { a, m } = await member(p, params, 'members:write');
        const ids = roleIds(body.roles);
        await requireSuperAdminFor(ctx, p, a.id, [...ids, ...m.membership.roles]);
        const updated = await changeRoles(store, byApi(p), a, m, ids);
        return ok(memberView(updated, m.user));
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/members/:member_id',
      summary: 'Removes a member or withdraws an invitation',
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { a, m } = await member(p, params, 'members:write');
        await requireSuperAdminFor(ctx, p, a.id, m.membership.roles);
        await removeMember(store, byApi(p), a, m);
        return ok({ id: m.membership.id });
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/service_users',
      summary: 'Creates a service user (automation identity, not a person) with roles and one API token, shown once',
      tag: 'Members',
      params: { account_id: ID_PARAM },
      body: Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), roles: ROLE_LIST }),
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'members:write');
        const ids = roleIds(body.roles);
        await requireSuperAdminFor(ctx, p, a.id, ids);
        const email = `${body.name}@${a.id}${SERVICE_USER_DOMAIN}`;
        try {
          const out = await store.transaction(async (tx) => {
            const u = await tx.identity.createUser({ email, name: body.name, kind: 'service' });
            const by = byApi(p);
            const m = await addCreatedMember(tx, by, a, u, ids, { service_user: true });
            const t = await tx.identity.createToken({
              userId: u.id,
              name: `${body.name} (service user)`,
              policies: [],
            });
            await audit(tx, by, {
              accountId: a.id,
              action: 'token_create',
              resource: { id: t.row.id, type: 'api_token' },
              metadata: { name: t.row.name, service_user: email },
            });
            return { u, m, t };
          });
          return ok({ ...memberView(out.m, out.u), token: { ...tokenView(out.t.row), value: out.t.value } });
        } catch (err) {
          if (isUniqueViolation(err))
            throw new ApiError(
              'WARREN_API_CONFLICT',
              `a service user named ${body.name} already exists in this account`,
            );
          throw err;
        }
      },
    }),
  ];
}
