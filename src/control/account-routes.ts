import type { AccountRow, MembershipRow, UserRow } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import { ApiError } from './api-error.js';
import { type ApiRoute, ID_PARAM, type JsonSchema, route } from './api-route.js';
import { actorOf, type ControlContext } from './control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from './envelope.js';
import { authorize, type Principal, rolesIn } from './principal.js';
import { ROLES, type Role, roleById, SUPER_ADMIN_ROLE_ID } from './roles.js';
import { tokenView } from './user-routes.js';

export function accountView(a: AccountRow): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    type: 'standard',
    created_on: a.created_on,
    settings: { enforce_twofactor: false, abuse_contact_email: null },
  };
}

function roleView(r: Role): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: Object.fromEntries([...r.scopes].map((s) => [s, true])),
  };
}

function memberView(m: MembershipRow, u: UserRow): Record<string, unknown> {
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
    roles: (JSON.parse(m.roles) as string[])
      .map(roleById)
      .filter((r): r is Role => r !== undefined)
      .map(roleView),
    policies: [],
  };
}

const ROLE_LIST: JsonSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 20,
  items: {
    anyOf: [
      { type: 'string', maxLength: 64 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id: { type: 'string', maxLength: 64 } },
      },
    ],
  },
};

type RoleRef = string | { id: string };

function roleIds(refs: readonly RoleRef[]): string[] {
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
  const member = async (accountId: string, memberId: string) => {
    const all = await store.identity.members(accountId);
    const m = all.find((x) => x.membership.id === memberId);
    if (m === undefined) throw ApiError.notFound(`member ${memberId}`);
    return { ...m, all };
  };
  const superAdmins = (all: { membership: MembershipRow }[]) =>
    all.filter((x) => (JSON.parse(x.membership.roles) as string[]).includes(SUPER_ADMIN_ROLE_ID)).length;

  return [
    route<unknown, { page?: number; per_page?: number; name?: string }, unknown>({
      method: 'GET',
      url: '/accounts',
      summary: 'Accounts the caller is a member of',
      tag: 'Accounts',
      query: { ...pagingQuery(50), name: { type: 'string' } },
      handler: async ({ principal: p, query }) => {
        const page = pageOf(query, 20);
        const all = (await store.identity.accountsOf(p.user.id))
          .map((x) => x.account)
          .filter((a) => query.name === undefined || a.name === query.name);
        return okPage(pageSlice(all, page), page, accountView);
      },
    }),
    route<unknown, unknown, { name: string; type?: 'standard' }>({
      method: 'POST',
      url: '/accounts',
      summary: 'Creates an account (tenant); the caller becomes its super administrator',
      tag: 'Accounts',
      body: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, type: { const: 'standard' } },
      },
      handler: async ({ principal: p, body }) => {
        const memberships = await store.identity.accountsOf(p.user.id);
        const isOperator = memberships.some((m) =>
          (JSON.parse(m.membership.roles) as string[]).includes(SUPER_ADMIN_ROLE_ID),
        );
        if (!isOperator || p.policies.length > 0 || p.user.kind !== 'person') {
          throw new ApiError(
            'WARREN_API_FORBIDDEN',
            'creating accounts needs a super administrator of an existing account, with an API token that has no policy restrictions',
          );
        }
        const a = await store.transaction(async (tx) => {
          const a = await tx.identity.createAccount(body.name);
          const m = await tx.identity.addMember(a.id, p.user.id, [SUPER_ADMIN_ROLE_ID]);
          // Becoming an administrator of another account is a permission change: the key rolls.
          await tx.identity.rollApiKey(p.user.id);
          await tx.audit.append({
            accountId: a.id,
            action: 'api_key_roll',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: p.user.id, type: 'user' },
            metadata: { email: p.user.email, reason: 'made super administrator of a new account' },
          });
          await tx.audit.append({
            accountId: a.id,
            action: 'account_create',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: a.id, type: 'account' },
            newValue: { name: a.name },
          });
          await tx.audit.append({
            accountId: a.id,
            action: 'member_add',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: m.id, type: 'member' },
            metadata: { email: p.user.email, roles: [SUPER_ADMIN_ROLE_ID] },
          });
          return a;
        });
        return ok(accountView(a));
      },
    }),
    route<{ account_id: string }, unknown, unknown>({
      method: 'GET',
      url: '/accounts/:account_id',
      summary: 'One account',
      tag: 'Accounts',
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => ok(accountView(await account(p, params.account_id, 'account:read'))),
    }),
    route<{ account_id: string }, unknown, { name: string; settings?: Record<string, unknown> }>({
      method: 'PUT',
      url: '/accounts/:account_id',
      summary: 'Renames an account',
      tag: 'Accounts',
      params: { account_id: ID_PARAM },
      body: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, settings: { type: 'object' } },
      },
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'account:write');
        await store.db.updateTable('accounts').set({ name: body.name }).where('id', '=', a.id).execute();
        await store.audit.append({
          accountId: a.id,
          action: 'account_update',
          actor: actorOf(p),
          interface: 'API',
          resource: { id: a.id, type: 'account' },
          oldValue: { name: a.name },
          newValue: { name: body.name },
        });
        return ok(accountView({ ...a, name: body.name }));
      },
    }),
    route<{ account_id: string }, unknown, unknown>({
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
    route<{ account_id: string }, { page?: number; per_page?: number }, unknown>({
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
    route<{ account_id: string }, unknown, { email: string; roles: RoleRef[]; status?: 'accepted' | 'pending' }>({
      method: 'POST',
      url: '/accounts/:account_id/members',
      summary: 'Adds a member (creating the user when needed) with roles',
      tag: 'Members',
      params: { account_id: ID_PARAM },
      body: {
        type: 'object',
        required: ['email', 'roles'],
        properties: {
          email: { type: 'string', format: 'email', maxLength: 254 },
          roles: ROLE_LIST,
          status: { enum: ['accepted', 'pending'] },
        },
      },
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'members:write');
        const ids = roleIds(body.roles);
        await requireSuperAdminFor(ctx, p, a.id, ids);
        try {
          const { m, u } = await store.transaction(async (tx) => {
            const u =
              (await tx.identity.findUserByEmail(body.email)) ??
              (await tx.identity.createUser({ email: body.email, kind: 'person' }));
            const m = await tx.identity.addMember(a.id, u.id, ids);
            await tx.identity.rollApiKey(u.id);
            await tx.audit.append({
              accountId: a.id,
              action: 'member_add',
              actor: actorOf(p),
              interface: 'API',
              resource: { id: m.id, type: 'member' },
              metadata: { email: u.email, roles: ids },
            });
            await tx.audit.append({
              accountId: a.id,
              action: 'api_key_roll',
              actor: actorOf(p),
              interface: 'API',
              resource: { id: u.id, type: 'user' },
              metadata: { email: u.email, reason: 'membership added' },
            });
            return { m, u };
          });
          return ok(memberView(m, u));
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new ApiError(
              'WARREN_API_CONFLICT',
              `${body.email} is already a member of this account; change their roles with PUT instead`,
            );
          }
          throw err;
        }
      },
    }),
    route<{ account_id: string; member_id: string }, unknown, unknown>({
      method: 'GET',
      url: '/accounts/:account_id/members/:member_id',
      summary: 'One member',
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const a = await account(p, params.account_id, 'members:read');
        const m = await member(a.id, params.member_id);
        return ok(memberView(m.membership, m.user));
      },
    }),
    route<
      { account_id: string; member_id: string },
      unknown,
      { roles: RoleRef[]; status?: string; id?: string; user?: Record<string, unknown>; policies?: unknown[] }
    >({
      method: 'PUT',
      url: '/accounts/:account_id/members/:member_id',
      summary: "Changes a member's roles (rolls that user's API key)",
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      body: {
        type: 'object',
        required: ['roles'],
        properties: {
          roles: ROLE_LIST,
          // Echoed back by clients that PUT the object they read; ignored.
          id: { type: 'string' },
          status: { type: 'string' },
          user: { type: 'object' },
          policies: { type: 'array', maxItems: 0 },
        },
      },
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'members:write');
        const m = await member(a.id, params.member_id);
        const ids = roleIds(body.roles);
        const old = JSON.parse(m.membership.roles) as string[];
        await requireSuperAdminFor(ctx, p, a.id, [...ids, ...old]);
        if (old.includes(SUPER_ADMIN_ROLE_ID) && !ids.includes(SUPER_ADMIN_ROLE_ID) && superAdmins(m.all) === 1) {
          throw ApiError.invalid('this is the last super administrator of the account; make someone else one first');
        }
        await store.transaction(async (tx) => {
          await tx.identity.setMemberRoles(m.membership.id, ids);
          await tx.identity.rollApiKey(m.user.id);
          await tx.audit.append({
            accountId: a.id,
            action: 'member_update',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: m.membership.id, type: 'member' },
            metadata: { email: m.user.email },
            oldValue: { roles: old },
            newValue: { roles: ids },
          });
          await tx.audit.append({
            accountId: a.id,
            action: 'api_key_roll',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: m.user.id, type: 'user' },
            metadata: { email: m.user.email, reason: 'roles changed' },
          });
        });
        return ok(memberView({ ...m.membership, roles: JSON.stringify(ids) }, m.user));
      },
    }),
    route<{ account_id: string; member_id: string }, unknown, unknown>({
      method: 'DELETE',
      url: '/accounts/:account_id/members/:member_id',
      summary: "Removes a member (rolls that user's API key)",
      tag: 'Members',
      params: { account_id: ID_PARAM, member_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const a = await account(p, params.account_id, 'members:write');
        const m = await member(a.id, params.member_id);
        const old = JSON.parse(m.membership.roles) as string[];
        await requireSuperAdminFor(ctx, p, a.id, old);
        if (old.includes(SUPER_ADMIN_ROLE_ID) && superAdmins(m.all) === 1) {
          throw ApiError.invalid('this is the last super administrator of the account; make someone else one first');
        }
        await store.transaction(async (tx) => {
          await tx.identity.removeMember(m.membership.id);
          await tx.identity.rollApiKey(m.user.id);
          await tx.audit.append({
            accountId: a.id,
            action: 'member_remove',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: m.membership.id, type: 'member' },
            metadata: { email: m.user.email },
            oldValue: { roles: old },
          });
          await tx.audit.append({
            accountId: a.id,
            action: 'api_key_roll',
            actor: actorOf(p),
            interface: 'API',
            resource: { id: m.user.id, type: 'user' },
            metadata: { email: m.user.email, reason: 'membership removed' },
          });
        });
        return ok({ id: m.membership.id });
      },
    }),
    route<{ account_id: string }, unknown, { name: string; roles: RoleRef[] }>({
      method: 'POST',
      url: '/accounts/:account_id/service_users',
      summary: 'Creates a service user (automation identity, not a person) with roles and one API token, shown once',
      tag: 'Members',
      params: { account_id: ID_PARAM },
      body: {
        type: 'object',
        required: ['name', 'roles'],
        properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, roles: ROLE_LIST },
      },
      handler: async ({ principal: p, params, body }) => {
        const a = await account(p, params.account_id, 'members:write');
        const ids = roleIds(body.roles);
        await requireSuperAdminFor(ctx, p, a.id, ids);
        const email = `${body.name}@${a.id}.service.invalid`;
        try {
          const out = await store.transaction(async (tx) => {
            const u = await tx.identity.createUser({ email, name: body.name, kind: 'service' });
            const m = await tx.identity.addMember(a.id, u.id, ids);
            const t = await tx.identity.createToken({
              userId: u.id,
              name: `${body.name} (service user)`,
              policies: [],
            });
            await tx.audit.append({
              accountId: a.id,
              action: 'member_add',
              actor: actorOf(p),
              interface: 'API',
              resource: { id: m.id, type: 'member' },
              metadata: { email, roles: ids, service_user: true },
            });
            await tx.audit.append({
              accountId: a.id,
              action: 'token_create',
              actor: actorOf(p),
              interface: 'API',
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
