import { type Static, Type } from '@sinclair/typebox';
import type { AccessIdentityProviderRow, AccessOrganizationRow } from '../../store/index.js';
import { isUniqueViolation, newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { AnyObject, type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { accessCrud } from './access-crud-routes.js';
import { checkOidcConfig, isRedactedSecret, redactedIdpView } from './access-idp-oidc.js';
import { checkLoginDesign, LOGIN_DESIGN_SCHEMA } from './access-org-input.js';
import { checkAuthDomain, organizationView, writeOrganization } from './access-team-domain.js';

const A = { account_id: ID_PARAM };
/** Config fields that are secrets: sealed at rest, never in an answer. */
const SECRET_FIELDS = ['client_secret'] as const;

const IDP_SCHEMA = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 350 }),
  // Any string: a type warren lacks gets a message naming the ones it has (splitConfig).
  type: Type.String(),
  config: Type.Optional(AnyObject()),
  scim_config: Type.Optional(AnyObject()),
});

function splitConfig(
  ctx: ControlContext,
  body: Static<typeof IDP_SCHEMA>,
  keepSecrets: string | null,
): { type: AccessIdentityProviderRow['type']; data: string; secrets_sealed: string | null } {
  const type = body.type;
  if (type !== 'onetimepin' && type !== 'oidc') {
    throw ApiError.invalid(`type "${type}" is not supported by warren yet; use "onetimepin" or "oidc"`);
  }
  const config: Record<string, unknown> = { ...(body.config ?? {}) };
  const secrets: Record<string, unknown> =
    keepSecrets === null
      ? {}
      : (JSON.parse(ctx.store.secrets.open(keepSecrets).toString('utf8')) as Record<string, unknown>);
  for (const f of SECRET_FIELDS) {
    if (config[f] !== undefined && !isRedactedSecret(config[f])) secrets[f] = config[f];
    delete config[f];
  }
  if (type === 'oidc') checkOidcConfig(config, secrets);
  return {
    type,
    data: JSON.stringify({
      name: body.name,
      type,
      config,
      ...(body.scim_config === undefined ? {} : { scim_config: body.scim_config }),
    }),
    secrets_sealed:
      Object.keys(secrets).length === 0 ? null : ctx.store.secrets.seal(Buffer.from(JSON.stringify(secrets))),
  };
}

function idpView(r: AccessIdentityProviderRow): Record<string, unknown> {
  return redactedIdpView(
    {
      id: r.id,
      ...(JSON.parse(r.data) as Record<string, unknown>),
      created_at: r.created_at,
      updated_at: r.updated_at,
    },
    r.secrets_sealed !== null,
  );
}

/** `/accounts/{a}/access/identity_providers` and `/accounts/{a}/access/organizations` (the team domain). */
export function accessIdpRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  // Cloudflare's "Access: Organizations, Identity Providers, and Groups Read/Write" permission groups.
  const can = (p: Principal, accountId: string, mode: 'access:read' | 'access:write') =>
    authorize(store, p, {
      accountId,
      scope: mode === 'access:read' ? 'access_org:read' : 'access_org:write',
      what: `account ${accountId}`,
    });
  const changed = () => store.feed.publish('access');
  const now = (): string => store.clock.now().toISOString();
  const idps = accessCrud(ctx, {
    collection: 'identity_providers',
    idParam: 'id',
    noun: 'identity provider',
    audit: 'access_identity_provider',
    scopes: { read: 'access_org:read', write: 'access_org:write' },
    summaries: {
      create: 'Adds an identity provider (onetimepin or oidc); client_secret is sealed and never returned',
      list: 'Lists identity providers',
      get: 'Reads an identity provider',
      update: 'Replaces an identity provider (a client_secret left out is kept)',
      delete: 'Deletes an identity provider',
    },
    schema: { create: IDP_SCHEMA, update: IDP_SCHEMA },
    find: (r, accountId, id) => r.access.identityProvider(accountId, id),
    list: (r, accountId) => r.access.identityProviders(accountId),
    view: (_r, row) => idpView(row),
    prepareCreate: (accountId, body) => {
      const at = now();
      const row: AccessIdentityProviderRow = {
        id: newUuid(),
        account_id: accountId,
        ...splitConfig(ctx, body, null),
        created_at: at,
        updated_at: at,
      };
      return { row };
    },
    insert: (tx, { row }) => tx.access.insertIdentityProvider(row),
    prepareUpdate: (_accountId, old, body) => {
      const set = splitConfig(ctx, body, old.secrets_sealed);
      return { set, next: { ...old, ...set, updated_at: now() } };
    },
    update: async (tx, accountId, old, { set, next }) => {
      await tx.access.updateIdentityProvider(accountId, old.id, set);
      return next;
    },
    remove: (tx, accountId, row) => tx.access.deleteIdentityProvider(accountId, row.id),
  });
  const putOrg = (method: 'POST' | 'PUT') =>
    typedRoute({
      method,
      url: '/accounts/:account_id/access/organizations',
      summary: `${method === 'POST' ? 'Creates' : 'Updates'} the Access organization: its name and team domain (auth_domain)`,
      tag: 'Access',
      params: A,
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 350 }),
          login_design: Type.Optional(LOGIN_DESIGN_SCHEMA),
          auth_domain: Type.String({
            maxLength: 253,
            description: 'The team domain <team>.access.<domain>, or the team name alone',
          }),
          session_duration: Type.Optional(
            Type.String({
              pattern: '^[0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h)([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))*$',
              description: 'How long a login lasts (24h, 30m): the default of new applications',
            }),
          ),
        },
        // Cloudflare's other organization fields are kept as given.
        { additionalProperties: true },
      ),
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'access:write');
        checkLoginDesign(body);
        const authDomain = checkAuthDomain(body.auth_domain, ctx.domain);
        const now = store.clock.now().toISOString();
        const old = await store.access.organization(accountId);
        const row: AccessOrganizationRow = {
          account_id: accountId,
          auth_domain: authDomain,
          data: JSON.stringify({
            ...(old === undefined ? {} : (JSON.parse(old.data) as object)),
            ...body,
            auth_domain: authDomain,
          }),
          created_at: old?.created_at ?? now,
          updated_at: now,
        };
        try {
          await store.transaction((tx) => writeOrganization(tx, p, row, { old }));
        } catch (err) {
          if (isUniqueViolation(err))
            throw new ApiError(
              'WARREN_API_CONFLICT',
              `the team domain ${authDomain} is taken; pick another team name`,
            ).at('/auth_domain');
          throw err;
        }
        await changed();
        return ok(organizationView(row));
      },
    });
  return [
    putOrg('POST'),
    putOrg('PUT'),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/organizations',
      summary:
        "Reads the account's Access organization (its team domain); 404 WARREN_ACCESS_NO_ORGANIZATION when it has none",
      tag: 'Access',
      params: A,
      handler: async ({ principal: p, params }) => {
        await can(p, params.account_id, 'access:read');
        const org = await store.access.organization(params.account_id);
        if (org === undefined) {
          throw new ApiError(
            'WARREN_ACCESS_NO_ORGANIZATION',
            `account ${params.account_id} has no Access organization (team domain) yet: set one in the dashboard (Access → Settings) or with POST /accounts/${params.account_id}/access/organizations {"name": …, "auth_domain": "<team>"}; the account's first application also creates one`,
          );
        }
        return ok(organizationView(org));
      },
    }),
    ...idps.routes,
  ];
}
