import type { ApiTokenRow, AuditAction } from '../../store/index.js';
import { newId } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import { authorizeTokens, type Principal, parentTokenOf } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { PERMISSION_GROUPS } from './roles.js';
import { assertWithinRights, depthOf, MAX_TOKEN_DEPTH } from './token-bounds.js';
import { iso, TOKEN_BODY, tokenItemRoutes, tokenVerifyView, tokenView } from './token-item-routes.js';
import { parsePolicies } from './token-policy.js';

/** Token audit entries go to every account the user belongs to (tokens are the user's, not an account's). */
async function auditTokens(ctx: ControlContext, p: Principal, action: AuditAction, token: ApiTokenRow): Promise<void> {
  const accounts = await ctx.store.identity.accountsOf(p.user.id);
  for (const { account } of accounts) {
    await audit(ctx.store, byApi(p), {
      accountId: account.id,
      action,
      resource: { id: token.id, type: 'api_token' },
      metadata: { name: token.name },
    });
  }
}

/** `/user` and `/user/tokens`. */
export function userRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const mine = async (p: Principal, id: string): Promise<ApiTokenRow> => {
    const t = await store.identity.token(p.user.id, id);
    if (t === undefined) throw ApiError.notFound(`API token ${id}`);
    return t;
  };
  return [
    typedRoute({
      method: 'GET',
      url: '/user',
      summary: 'The calling user',
      tag: 'User',
      handler: async ({ principal: p }) =>
        ok({
          id: p.user.id,
          email: p.user.email,
          username: p.user.email,
          first_name: null,
          last_name: null,
          telephone: null,
          country: null,
          zipcode: null,
          two_factor_authentication_enabled: false,
          suspended: false,
          has_pro_zones: false,
          has_business_zones: false,
          has_enterprise_zones: false,
          betas: [],
          organizations: [],
          created_on: p.user.created_on,
          modified_on: p.user.modified_on,
          service_user: p.user.kind === 'service',
        }),
    }),
    typedRoute({
      method: 'GET',
      url: '/user/tokens/verify',
      summary: 'Checks the token used for this request',
      tag: 'API tokens',
      handler: async ({ principal: p }) => ok(tokenVerifyView(p.token)),
    }),
    typedRoute({
      method: 'GET',
      url: '/user/tokens/permission_groups',
      summary: 'Permission groups a token policy can grant',
      tag: 'API tokens',
      handler: async () =>
        ok(PERMISSION_GROUPS.map((g) => ({ id: g.id, name: g.name, description: g.name, scopes: [g.scope] }))),
    }),
    typedRoute({
      method: 'GET',
      url: '/user/tokens',
      summary: "The calling user's API tokens",
      tag: 'API tokens',
      query: pagingQuery(100),
      handler: async ({ principal: p, query }) => {
        authorizeTokens(p, 'read');
        const page = pageOf(query, 20);
        const all = await store.identity.tokensOf(p.user.id);
        return okPage(pageSlice(all, page), page, tokenView);
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/user/tokens',
      summary: 'Creates an API token; its value is in the response and never shown again',
      tag: 'API tokens',
      body: TOKEN_BODY,
      handler: async ({ principal: p, body }) => {
        authorizeTokens(p, 'write');
        if (body.status !== undefined) throw ApiError.invalid('body.status cannot be set when creating a token');
        const policies = parsePolicies(body.policies, newId);
        await assertWithinRights(store, p, policies);
        // A token never outlives the credential that made it: it dies with its parent token, and
        // with the API key when the parent was bound to it (cert.pem's token, the global API key).
        const parent = parentTokenOf(p) ?? null;
        if (parent !== null && (await depthOf(store, parent)) >= MAX_TOKEN_DEPTH) {
          throw ApiError.invalid(
            `this API token is ${MAX_TOKEN_DEPTH} generations from a token made without one; create new tokens with an older one`,
          );
        }
        const { row, value } = await store.identity.createToken({
          userId: p.user.id,
          name: body.name,
          policies,
          boundToKey: p.token.key_generation !== null,
          parentTokenId: parent?.id ?? null,
          notBefore: iso(body.not_before) ?? null,
          expiresOn: iso(body.expires_on) ?? null,
        });
        await auditTokens(ctx, p, 'token_create', row);
        return ok({ ...tokenView(row), value });
      },
    }),
    ...tokenItemRoutes({
      url: '/user/tokens/:token_id',
      params: { token_id: ID_PARAM },
      tag: 'API tokens',
      noun: 'API token',
      store,
      allowed: (p, _params, access) => authorizeTokens(p, access),
      find: (p, params) => mine(p, params.token_id),
      audited: (p, _params, action, token) => auditTokens(ctx, p, action, token),
    }),
  ];
}
