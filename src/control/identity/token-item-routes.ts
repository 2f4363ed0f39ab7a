import { type TProperties, Type } from '@sinclair/typebox';
import type { ApiTokenRow, AuditAction, Repositories } from '../../store/index.js';
import { newId } from '../../store/index.js';
import {
  AnyObject,
  type ApiRoute,
  EmptyObject,
  Enum,
  NullableString,
  type ParamsOf,
  typedRoute,
} from '../api/api-route.js';
import { ok } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { assertWithinRights } from './token-bounds.js';
import { parsePolicies, parseStoredPolicies, type TokenPolicy } from './token-policy.js';

const POLICY = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    effect: Enum(['allow', 'deny']),
    resources: Type.Unsafe<Record<string, string>>({
      type: 'object',
      additionalProperties: { type: 'string' },
      maxProperties: 100,
    }),
    permission_groups: Type.Array(
      Type.Object(
        { id: Type.String({ maxLength: 64 }), name: Type.Optional(Type.String()), meta: Type.Optional(AnyObject()) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

/** The body of a token's create (POST) and update (PUT): the user's and the account's alike. */
export const TOKEN_BODY = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  policies: Type.Array(POLICY, { maxItems: 50 }),
  not_before: Type.Optional(NullableString({ format: 'date-time' })),
  expires_on: Type.Optional(NullableString({ format: 'date-time' })),
  condition: Type.Optional(EmptyObject('IP conditions are not supported: must be {}')),
  status: Type.Optional(Enum(['active', 'disabled', 'expired'] satisfies ApiTokenRow['status'][])),
});

export function tokenView(t: ApiTokenRow): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    status: t.status,
    issued_on: t.issued_on,
    modified_on: t.modified_on,
    last_used_on: t.last_used_on,
    not_before: t.not_before,
    expires_on: t.expires_on,
    policies: parseStoredPolicies(t.policies),
    condition: {},
  };
}

/** The answer of `…/tokens/verify` (a user's or an account's): the request's token, never its value. */
export function tokenVerifyView(t: ApiTokenRow): Record<string, unknown> {
  return {
    id: t.id,
    status: t.status,
    not_before: t.not_before,
    expires_on: t.expires_on,
    message: 'This API Token is valid and active',
  };
}

export function iso(v: string | null | undefined): string | null | undefined {
  return v === undefined || v === null ? v : new Date(v).toISOString();
}

/** Where one token lives: `/user/tokens/:token_id` or `/accounts/:account_id/tokens/:token_id`. */
export interface TokenItemSpec<PS extends TProperties, P = ParamsOf<PS>> {
  /** fastify syntax, ending in `/:token_id`. */
  url: string;
  /** The URL's parameters, in its order. */
  params: PS;
  tag: string;
  /** "API token" or "account API token": what the summaries call it. */
  noun: string;
  store: Repositories;
  allowed: (p: Principal, params: P, access: 'read' | 'write') => Promise<void> | void;
  /** The token, or ApiError.notFound. */
  find: (p: Principal, params: P) => Promise<ApiTokenRow>;
  /** Extra checks of new policies (an account token stays in its account). */
  checkPolicies?: (params: P, policies: TokenPolicy[]) => Promise<void>;
  audited: (p: Principal, params: P, action: AuditAction, token: ApiTokenRow) => Promise<void>;
}

/** GET, PUT, PUT …/value (roll) and DELETE of one token: the same rules for a user's and an account's. */
export function tokenItemRoutes<PS extends TProperties>(s: TokenItemSpec<PS>): ApiRoute[] {
  const spec = { tag: s.tag, params: s.params };
  return [
    typedRoute({
      ...spec,
      method: 'GET',
      url: s.url,
      summary: `One ${s.noun} (without its value)`,
      handler: async ({ principal: p, params }) => {
        await s.allowed(p, params, 'read');
        return ok(tokenView(await s.find(p, params)));
      },
    }),
    typedRoute({
      ...spec,
      method: 'PUT',
      url: s.url,
      summary: `Updates an ${s.noun} (name, policies, status, validity)`,
      body: TOKEN_BODY,
      handler: async ({ principal: p, params, body }) => {
        await s.allowed(p, params, 'write');
        const token = await s.find(p, params);
        const policies = parsePolicies(body.policies, newId);
        await s.checkPolicies?.(params, policies);
        // Neither widen a token nor take over one that is already wider than the caller.
        await assertWithinRights(s.store, p, parseStoredPolicies(token.policies));
        await assertWithinRights(s.store, p, policies);
        await s.store.identity.updateToken(token.id, {
          name: body.name,
          policies,
          status: body.status,
          notBefore: iso(body.not_before),
          expiresOn: iso(body.expires_on),
        });
        const updated = await s.find(p, params);
        await s.audited(p, params, 'token_update', updated);
        return ok(tokenView(updated));
      },
    }),
    typedRoute({
      ...spec,
      method: 'PUT',
      url: `${s.url}/value`,
      summary: `Rolls the ${s.noun}: a new value (returned once); the old one stops working`,
      handler: async ({ principal: p, params }) => {
        await s.allowed(p, params, 'write');
        const token = await s.find(p, params);
        // A new value of a wider token would hand the caller that token's rights.
        await assertWithinRights(s.store, p, parseStoredPolicies(token.policies));
        const value = await s.store.identity.rollToken(token.id);
        await s.audited(p, params, 'token_roll', token);
        return ok(value);
      },
    }),
    typedRoute({
      ...spec,
      method: 'DELETE',
      url: s.url,
      summary: `Deletes an ${s.noun}`,
      handler: async ({ principal: p, params }) => {
        await s.allowed(p, params, 'write');
        const token = await s.find(p, params);
        await s.store.identity.deleteToken(token.id);
        await s.audited(p, params, 'token_delete', token);
        return ok({ id: token.id });
      },
    }),
  ];
}
