import { randomBytes } from 'node:crypto';
import { revocationTime } from '../../access/index.js';
import type { AccessAppRow, Repositories } from '../../store/index.js';
import { newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { APP_SCHEMA, type AppBody, checkAppDomain, checkAppUrls, policyRefs } from './access-app-input.js';
import { auditAccess } from './access-audit.js';
import { accessCrud } from './access-crud-routes.js';
import { POLICY_SCHEMA, policyData, policyView } from './access-policy-input.js';
import { ensureTeamDomain, organizationView } from './access-team-domain.js';

const AI = { account_id: ID_PARAM, app_id: ID_PARAM };
const AIP = { account_id: ID_PARAM, app_id: ID_PARAM, policy_id: ID_PARAM };
const MAX_PER_PAGE = 1000;

/** The app's policies, app-scoped and reusable, as Cloudflare lists them in the app (by precedence). */
async function appPolicies(r: Repositories, app: AccessAppRow): Promise<Record<string, unknown>[]> {
  const own = (await r.access.policies(app.account_id, app.id)).map((p) => policyView(p));
  const linked: Record<string, unknown>[] = [];
  for (const l of await r.access.appPolicyLinks(app.id)) {
    const p = await r.access.policy(app.account_id, null, l.policy_id);
    if (p !== undefined) linked.push(policyView(p, l.precedence));
  }
  return [...own, ...linked].sort((a, b) => (a.precedence as number) - (b.precedence as number));
}

async function appView(r: Repositories, app: AccessAppRow): Promise<Record<string, unknown>> {
  return {
    id: app.id,
    uid: app.id,
    aud: app.aud,
    domain: app.domain,
    ...(JSON.parse(app.data) as Record<string, unknown>),
    policies: await appPolicies(r, app),
    created_at: app.created_at,
    updated_at: app.updated_at,
  };
}

function appData(body: AppBody, domain: string, old: Record<string, unknown> = {}, sessionDuration = '24h'): string {
  // tokens_revoked_at is the app's own column, written by revoke_tokens only: APP_SCHEMA has no
  // such field, so a body naming it is refused before it gets here.
  const { policies: _p, domain: _d, ...rest } = body;
  if (rest.type !== undefined && rest.type !== 'self_hosted') {
    throw ApiError.invalid(`type "${String(rest.type)}" is not supported by warren yet; use "self_hosted"`);
  }
  return JSON.stringify({
    name: domain,
    type: 'self_hosted',
    session_duration: sessionDuration,
    app_launcher_visible: true,
    http_only_cookie_attribute: true,
    same_site_cookie_attribute: 'lax',
    allowed_idps: [],
    auto_redirect_to_identity: false,
    destinations: [{ type: 'public', uri: domain }],
    ...old,
    ...rest,
  });
}

/** Links reusable policies to an app after checking that each is this account's. */
async function linkPolicies(tx: Repositories, accountId: string, appId: string, body: AppBody): Promise<void> {
  if (body.policies === undefined) return;
  const refs = policyRefs(body);
  for (const ref of refs) {
    if ((await tx.access.policy(accountId, null, ref.id)) === undefined) {
      throw ApiError.invalid(
        `policies: ${ref.id} is not a reusable policy of this account (GET /accounts/${accountId}/access/policies)`,
      );
    }
  }
  await tx.access.setAppPolicies(appId, refs);
}

/** `/accounts/{a}/access/apps` and `…/apps/{id}/policies`, in Cloudflare's shapes. */
export function accessAppRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const apps = accessCrud(ctx, {
    collection: 'apps',
    idParam: 'app_id',
    noun: 'Access application',
    audit: 'access_app',
    scopes: { read: 'access:read', write: 'access:write' },
    summaries: {
      create: 'Creates a self-hosted Access application; the result carries its generated 64-hex aud tag',
      list: 'Lists Access applications',
      get: 'Reads an Access application',
      update: 'Replaces an Access application (its aud tag stays)',
      delete: 'Deletes an Access application and its app-scoped policies',
    },
    schema: { create: APP_SCHEMA, update: APP_SCHEMA },
    find: (r, accountId, id) => r.access.app(accountId, id),
    list: (r, accountId) => r.access.apps(accountId),
    view: appView,
    prepareCreate: async (accountId, body) => {
      checkAppUrls(body);
      const domain = await checkAppDomain(ctx, accountId, body.domain);
      const now = store.clock.now().toISOString();
      // A new app's session lasts what the organization says (Access → Settings), unless the body says.
      const org = await store.access.organization(accountId);
      const orgSession = org === undefined ? undefined : organizationView(org).session_duration;
      const row: AccessAppRow = {
        id: newUuid(),
        account_id: accountId,
        domain,
        aud: randomBytes(32).toString('hex'),
        data: appData(body, domain, {}, typeof orgSession === 'string' ? orgSession : '24h'),
        created_at: now,
        updated_at: now,
        tokens_revoked_at: null,
      };
      return { row, body, createdTeam: undefined as string | undefined };
    },
    insert: async (tx, prepared, p) => {
      const { row, body } = prepared;
      await tx.access.insertApp(row);
      await linkPolicies(tx, row.account_id, row.id, body);
      // The account's first app: without a team domain nobody could log in to it.
      const team = await ensureTeamDomain(tx, p, row.account_id, ctx.domain, row.created_at);
      prepared.createdTeam = team?.auth_domain;
    },
    createMessages: ({ createdTeam }) =>
      createdTeam === undefined
        ? []
        : [
            {
              code: 0,
              message: `This account had no Access team domain, so ${createdTeam} was created for it; change it with PUT …/access/organizations or in the dashboard (Access → Settings).`,
            },
          ],
    prepareUpdate: async (accountId, _old, body) => {
      checkAppUrls(body);
      const domain = await checkAppDomain(ctx, accountId, body.domain);
      return { domain, data: appData(body, domain), body };
    },
    update: async (tx, accountId, app, { domain, data, body }) => {
      await tx.access.updateApp(accountId, app.id, domain, data);
      await linkPolicies(tx, accountId, app.id, body);
      return (await tx.access.app(accountId, app.id)) as AccessAppRow;
    },
    remove: (tx, accountId, app) => tx.access.deleteApp(accountId, app.id),
  });
  const { can, rowOf: appOf, changed } = apps;
  /** An app-scoped policy after checking the caller's `mode` in the account: 404 for the app or the policy. */
  const appPolicyOf = async (
    p: Principal,
    params: { account_id: string; app_id: string; policy_id: string },
    mode: 'read' | 'write',
  ) => {
    await can(p, params.account_id, mode);
    const app = await appOf(params.account_id, params.app_id);
    const row = await store.access.policy(params.account_id, app.id, params.policy_id);
    if (row === undefined) throw ApiError.notFound(`Access policy ${params.policy_id}`);
    return { app, row };
  };
  return [
    ...apps.routes,
    apps.itemAction({
      verb: 'revoke_tokens',
      summary: "Ends every session of the application: tokens issued before now are refused by the edge's gate",
      prepare: ({ p, accountId, row: app }) => {
        // Covers the tokens issued since a revocation earlier in this second (their iat is ahead).
        const at = revocationTime(app.tokens_revoked_at, store.clock.now());
        return async (tx) => {
          // Its own column: a later PUT of the app (which rebuilds `data`) cannot undo it.
          await tx.access.revokeAppTokens(accountId, app.id, at);
          await auditAccess(tx, p, accountId, 'access_app_revoke_tokens', { id: app.id, type: 'access_app' });
          return null;
        };
      },
    }),
    // ---- app-scoped policies ----
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/access/apps/:app_id/policies',
      summary: 'Creates a policy of one application',
      tag: 'Access',
      params: AI,
      body: POLICY_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await can(p, accountId, 'write');
        const app = await appOf(accountId, params.app_id);
        const data = policyData(body);
        const now = store.clock.now().toISOString();
        const view = await store.transaction(async (tx) => {
          const precedence = body.precedence ?? (await tx.access.policies(accountId, app.id)).length + 1;
          const row = {
            id: newUuid(),
            account_id: accountId,
            app_id: app.id,
            precedence,
            data,
            created_at: now,
            updated_at: now,
          };
          await tx.access.insertPolicy(row);
          const v = policyView(row);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_policy_create',
            { id: row.id, type: 'access_policy' },
            { newValue: v, metadata: { app_id: app.id } },
          );
          return v;
        });
        await changed();
        return ok(view);
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/apps/:app_id/policies',
      summary: "Lists an application's policies (its own and the reusable ones attached to it)",
      tag: 'Access',
      params: AI,
      query: pagingQuery(MAX_PER_PAGE),
      handler: async ({ principal: p, params, query }) => {
        await can(p, params.account_id, 'read');
        const app = await appOf(params.account_id, params.app_id);
        const page = pageOf(query, MAX_PER_PAGE);
        return okPage(pageSlice(await appPolicies(store, app), page), page, (v) => v);
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/apps/:app_id/policies/:policy_id',
      summary: 'Reads a policy of an application',
      tag: 'Access',
      params: AIP,
      handler: async ({ principal: p, params }) => ok(policyView((await appPolicyOf(p, params, 'read')).row)),
    }),
    typedRoute({
      method: 'PUT',
      url: '/accounts/:account_id/access/apps/:app_id/policies/:policy_id',
      summary: 'Replaces a policy of an application',
      tag: 'Access',
      params: AIP,
      body: POLICY_SCHEMA,
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        const { app, row } = await appPolicyOf(p, params, 'write');
        const data = policyData(body);
        const view = await store.transaction(async (tx) => {
          await tx.access.updatePolicy(accountId, row.id, body.precedence ?? row.precedence, data);
          const v = policyView((await tx.access.policy(accountId, app.id, row.id)) ?? row);
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
    typedRoute({
      method: 'DELETE',
      url: '/accounts/:account_id/access/apps/:app_id/policies/:policy_id',
      summary: 'Deletes a policy of an application',
      tag: 'Access',
      params: AIP,
      handler: async ({ principal: p, params }) => {
        const accountId = params.account_id;
        const { row } = await appPolicyOf(p, params, 'write');
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
  ];
}
