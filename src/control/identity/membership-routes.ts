import { Type } from '@sinclair/typebox';
import type { AccountRow, Membership } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { byApi } from '../audit/audit-trail.js';
import { accountView, rolesOf } from './account-routes.js';
import { answerInvite, inviteExpired, inviteExpiresOn, removeMember } from './membership.js';
import type { Scope } from './roles.js';

/**
 * Joining or leaving an account changes what every credential of the user can do, so only an
 * unrestricted credential of the user (not a scoped token, not cert.pem's) may answer or list.
 */
function requireUnrestricted(p: Principal): void {
  if (p.policies.length > 0) {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      "memberships and invitations are the user's own: use a token without policy restrictions (or the global API key)",
    );
  }
}

function membershipView(account: AccountRow, m: Membership): Record<string, unknown> {
  const scopes = new Set(rolesOf(m).flatMap((r) => [...r.scopes]));
  const grant = (read: Scope, write: Scope) => ({ read: scopes.has(read), write: scopes.has(write) });
  return {
    id: m.id,
    account: accountView(account),
    api_access_enabled: null,
    status: m.status,
    roles: rolesOf(m).map((r) => r.name),
    permissions: {
      dns: grant('dns:read', 'dns:write'),
      dns_records: grant('dns:read', 'dns:write'),
      zones: grant('zone:read', 'zone:write'),
      organization: grant('account:read', 'account:write'),
      ssl: grant('dns:read', 'dns:write'),
    },
    policies: [],
  };
}

function inviteView(account: AccountRow, m: Membership, email: string, now: Date): Record<string, unknown> {
  return {
    id: m.id,
    invited_member_id: m.user_id,
    invited_member_email: email,
    organization_id: account.id,
    organization_name: account.name,
    organization_is_enforcing_twofactor: false,
    invited_by: m.invited_by,
    invited_on: m.created_on,
    expires_on: inviteExpiresOn(m),
    roles: rolesOf(m).map((r) => r.name),
    // Cloudflare's invite states: pending, accepted, rejected, expired (7 days after invited_on).
    status: inviteExpired(m, now) ? 'expired' : m.status,
  };
}

const STATUS_BODY = Type.Object({ status: Enum(['accepted', 'rejected']) });

/** `/memberships` and `/user/invites`: the calling user's side of account membership. */
export function membershipRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const mine = async (p: Principal, id: string, what: string) => {
    requireUnrestricted(p);
    const found = (await store.identity.membershipsOf(p.user.id)).find((x) => x.membership.id === id);
    if (found === undefined) throw ApiError.notFound(`${what} ${id}`);
    return found;
  };
  const answer = async (p: Principal, id: string, status: 'accepted' | 'rejected', what: string) => {
    const { account } = await mine(p, id, what);
    return { account, membership: await answerInvite(store, byApi(p), p.user, id, status) };
  };
  return [
    typedRoute({
      method: 'GET',
      url: '/memberships',
      summary: "The calling user's memberships, pending invitations included",
      tag: 'Memberships',
      query: { ...pagingQuery(50), status: Enum(['accepted', 'pending', 'rejected'] satisfies Membership['status'][]) },
      handler: async ({ principal: p, query }) => {
        requireUnrestricted(p);
        const page = pageOf(query, 20);
        const all = (await store.identity.membershipsOf(p.user.id)).filter(
          (x) => query.status === undefined || x.membership.status === query.status,
        );
        return okPage(pageSlice(all, page), page, (x) => membershipView(x.account, x.membership));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/memberships/:membership_id',
      summary: 'One of your memberships',
      tag: 'Memberships',
      params: { membership_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { account, membership } = await mine(p, params.membership_id, 'membership');
        return ok(membershipView(account, membership));
      },
    }),
    ...(['PUT', 'PATCH'] as const).map((method) =>
      typedRoute({
        method,
        url: '/memberships/:membership_id',
        summary: "Accepts or rejects an invitation (accepting rolls the user's API key)",
        tag: 'Memberships',
        params: { membership_id: ID_PARAM },
        body: STATUS_BODY,
        handler: async ({ principal: p, params, body }) => {
          const { account, membership } = await answer(p, params.membership_id, body.status, 'membership');
          return ok(membershipView(account, membership));
        },
      }),
    ),
    typedRoute({
      method: 'DELETE',
      url: '/memberships/:membership_id',
      summary: 'Leaves an account (or drops an invitation)',
      tag: 'Memberships',
      params: { membership_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { account, membership } = await mine(p, params.membership_id, 'membership');
        await removeMember(store, byApi(p), account, { membership, user: p.user });
        return ok({ id: membership.id });
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/user/invites',
      summary: 'Invitations to accounts waiting for your answer',
      tag: 'Memberships',
      handler: async ({ principal: p }) => {
        requireUnrestricted(p);
        const all = (await store.identity.membershipsOf(p.user.id)).filter((x) => x.membership.status === 'pending');
        return okPage({ rows: all, total: all.length }, { page: 1, perPage: Math.max(all.length, 1) }, (x) =>
          inviteView(x.account, x.membership, p.user.email, store.clock.now()),
        );
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/user/invites/:invite_id',
      summary: 'One invitation',
      tag: 'Memberships',
      params: { invite_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const { account, membership } = await mine(p, params.invite_id, 'invitation');
        return ok(inviteView(account, membership, p.user.email, store.clock.now()));
      },
    }),
    typedRoute({
      method: 'PATCH',
      url: '/user/invites/:invite_id',
      summary: "Answers an invitation: accepted (rolls the user's API key) or rejected",
      tag: 'Memberships',
      params: { invite_id: ID_PARAM },
      body: STATUS_BODY,
      handler: async ({ principal: p, params, body }) => {
        const { account, membership } = await answer(p, params.invite_id, body.status, 'invitation');
        return ok(inviteView(account, membership, p.user.email, store.clock.now()));
      },
    }),
  ];
}
