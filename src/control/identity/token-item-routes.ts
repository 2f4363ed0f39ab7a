import type { ApiTokenRow, AuditAction, Repositories } from '../../store/index.js';
import { newId } from '../../store/index.js';
import { type ApiRoute, ID_PARAM, type JsonSchema, route } from '../api/api-route.js';
import { ok } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import { assertWithinRights } from './token-bounds.js';
import { parsePolicies, parseStoredPolicies, type RawPolicy, type TokenPolicy } from './token-policy.js';

const POLICY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['effect', 'resources', 'permission_groups'],
  properties: {
    id: { type: 'string', maxLength: 64 },
    effect: { enum: ['allow', 'deny'] },
    resources: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 100 },
    permission_groups: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id: { type: 'string', maxLength: 64 }, name: { type: 'string' }, meta: { type: 'object' } },
      },
    },
  },
};

export const TOKEN_FIELDS: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, maxLength: 120 },
  policies: { type: 'array', items: POLICY, maxItems: 50 },
  not_before: { type: ['string', 'null'], format: 'date-time' },
  expires_on: { type: ['string', 'null'], format: 'date-time' },
  condition: { type: 'object', maxProperties: 0, description: 'IP conditions are not supported: must be {}' },
  status: { enum: ['active', 'disabled', 'expired'] },
};

export interface TokenBody {
  name: string;
  policies: RawPolicy[];
  not_before?: string | null;
  expires_on?: string | null;
  status?: ApiTokenRow['status'];
}

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

export function iso(v: string | null | undefined): string | null | undefined {
  return v === undefined || v === null ? v : new Date(v).toISOString();
}

/** Where one token lives: `/user/tokens/:token_id` or `/accounts/:account_id/tokens/:token_id`. */
export interface TokenItemSpec<P extends { token_id: string }> {
  /** fastify syntax, ending in `/:token_id`. */
  url: string;
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
export function tokenItemRoutes<P extends { token_id: string }>(s: TokenItemSpec<P>): ApiRoute[] {
  const params = Object.fromEntries([...s.url.matchAll(/:([a-z_]+)/g)].map((m) => [m[1] ?? '', ID_PARAM])) as Record<
    string,
    JsonSchema
  >;
  const spec = { tag: s.tag, params };
  return [
    route<P, unknown, unknown>({
      ...spec,
      method: 'GET',
      url: s.url,
      summary: `One ${s.noun} (without its value)`,
      handler: async ({ principal: p, params }) => {
        await s.allowed(p, params, 'read');
        return ok(tokenView(await s.find(p, params)));
      },
    }),
    route<P, unknown, TokenBody>({
      ...spec,
      method: 'PUT',
      url: s.url,
      summary: `Updates an ${s.noun} (name, policies, status, validity)`,
      body: { type: 'object', required: ['name', 'policies'], properties: TOKEN_FIELDS },
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
    route<P, unknown, unknown>({
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
    route<P, unknown, unknown>({
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
