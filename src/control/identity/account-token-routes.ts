import type { ApiTokenRow, AuditAction, Repositories, UserRow } from '../../store/index.js';
import { accountTokenOwnerEmail, isUniqueViolation, newId } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { PERMISSION_GROUPS, permissionGroupById, SUPER_ADMIN_ROLE_ID } from './roles.js';
import { assertWithinRights } from './token-bounds.js';
import { iso, TOKEN_BODY, tokenItemRoutes, tokenVerifyView, tokenView } from './token-item-routes.js';
import { parsePolicies, type TokenPolicy } from './token-policy.js';

/**
 * An account token may reach only its own account: the account itself or its zones, never a
 * user's tokens and never another account (its owner is a member of this account only, so
 * anything else would be a right that silently does nothing).
 */
async function assertAccountScoped(tx: Repositories, accountId: string, policies: TokenPolicy[]): Promise<void> {
  if (policies.length === 0) {
    throw ApiError.invalid(
      `an account API token needs at least one policy: name the permission groups it grants on com.cloudflare.api.account.${accountId} or one of its zones`,
    ).at('/policies');
  }
  for (const [i, p] of policies.entries()) {
    for (const g of p.permission_groups) {
      if (permissionGroupById(g.id)?.scope === 'com.cloudflare.api.user') {
        throw ApiError.invalid(
          `policies[${i}]: "${g.name}" is a user permission; an account API token belongs to no user: use /user/tokens for it`,
        ).at(`/policies/${i}/permission_groups`);
      }
    }
    for (const key of Object.keys(p.resources)) {
      if (key === `com.cloudflare.api.account.${accountId}`) continue;
      const zone = /^com\.cloudflare\.api\.account\.zone\.([0-9a-f]{32})$/.exec(key)?.[1];
      if (zone !== undefined && (await tx.zones.zone(zone))?.account_id === accountId) continue;
      throw ApiError.invalid(
        `policies[${i}].resources: "${key}" is outside account ${accountId}; an account API token names com.cloudflare.api.account.${accountId} or com.cloudflare.api.account.zone.<one of its zones>`,
      ).at(`/policies/${i}/resources`);
    }
  }
}

/** The account's hidden token owner (see store/account-token-owner.ts), made on first use. */
async function ownerOf(ctx: ControlContext, accountId: string): Promise<UserRow> {
  const email = accountTokenOwnerEmail(accountId);
  const found = await ctx.store.identity.findUserByEmail(email);
  if (found !== undefined) return found;
  try {
    return await ctx.store.transaction(async (tx) => {
      const u = await tx.identity.createUser({ email, name: 'Account API tokens', kind: 'service' });
      await tx.identity.addMember(accountId, u.id, [SUPER_ADMIN_ROLE_ID]);
      return u;
    });
  } catch (err) {
    // Two first tokens at once: the other request made the owner.
    const raced = isUniqueViolation(err) ? await ctx.store.identity.findUserByEmail(email) : undefined;
    if (raced === undefined) throw err;
    return raced;
  }
}

/** `/accounts/{a}/tokens`: API tokens owned by the account, which outlive the member who made them. */
export function accountTokenRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const tokenOf = async (accountId: string, id: string): Promise<{ owner: UserRow; token: ApiTokenRow }> => {
    const owner = await ownerOf(ctx, accountId);
    const token = await store.identity.token(owner.id, id);
    if (token === undefined) throw ApiError.notFound(`account API token ${id}`);
    return { owner, token };
  };
  const allowed = (p: Principal, accountId: string, access: 'read' | 'write') =>
    authorize(store, p, {
      accountId,
      scope: access === 'read' ? 'members:read' : 'members:write',
      what: `account ${accountId}`,
    });
  const audited = (p: Principal, accountId: string, action: AuditAction, t: ApiTokenRow) =>
    audit(store, byApi(p), {
      accountId,
      action,
      resource: { id: t.id, type: 'account_api_token' },
      metadata: { name: t.name, account_token: true },
    });
  const tag = 'Account API tokens';
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/tokens/verify',
      summary: 'Checks that the token of this request is an active API token of this account',
      tag,
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        if (p.user.email !== accountTokenOwnerEmail(params.account_id)) {
          throw new ApiError(
            'WARREN_API_UNAUTHORIZED',
            `this API token is not an API token of account ${params.account_id}; check a user's token with GET /user/tokens/verify`,
          );
        }
        return ok(tokenVerifyView(p.token));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/tokens/permission_groups',
      summary: 'Permission groups an account API token can grant (account and zone ones)',
      tag,
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        await allowed(p, params.account_id, 'read');
        const groups = PERMISSION_GROUPS.filter((g) => g.scope !== 'com.cloudflare.api.user');
        return ok(groups.map((g) => ({ id: g.id, name: g.name, description: g.name, scopes: [g.scope] })));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/tokens',
      summary: "The account's own API tokens",
      tag,
      params: { account_id: ID_PARAM },
      query: pagingQuery(100),
      handler: async ({ principal: p, params, query }) => {
        await allowed(p, params.account_id, 'read');
        const page = pageOf(query, 20);
        const owner = await store.identity.findUserByEmail(accountTokenOwnerEmail(params.account_id));
        const all = owner === undefined ? [] : await store.identity.tokensOf(owner.id);
        return okPage(pageSlice(all, page), page, tokenView);
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/tokens',
      summary:
        'Creates an account API token (it outlives its creator; at most the rights of the creator); its value is in the response and never shown again',
      tag,
      params: { account_id: ID_PARAM },
      body: TOKEN_BODY,
      handler: async ({ principal: p, params, body }) => {
        const a = params.account_id;
        await allowed(p, a, 'write');
        if (body.status !== undefined) throw ApiError.invalid('body.status cannot be set when creating a token');
        const policies = parsePolicies(body.policies, newId);
        await assertAccountScoped(store, a, policies);
        await assertWithinRights(store, p, policies);
        const owner = await ownerOf(ctx, a);
        // Neither bound to an API key nor to the creator's token: the account owns it.
        const { row, value } = await store.identity.createToken({
          userId: owner.id,
          name: body.name,
          policies,
          notBefore: iso(body.not_before) ?? null,
          expiresOn: iso(body.expires_on) ?? null,
        });
        await audited(p, a, 'token_create', row);
        return ok({ ...tokenView(row), value });
      },
    }),
    ...tokenItemRoutes({
      url: '/accounts/:account_id/tokens/:token_id',
      params: { account_id: ID_PARAM, token_id: ID_PARAM },
      tag,
      noun: 'account API token',
      store,
      allowed: (p, params, access) => allowed(p, params.account_id, access),
      find: async (_p, params) => (await tokenOf(params.account_id, params.token_id)).token,
      checkPolicies: (params, policies) => assertAccountScoped(store, params.account_id, policies),
      audited: (p, params, action, token) => audited(p, params.account_id, action, token),
    }),
  ];
}
