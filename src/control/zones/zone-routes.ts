import { Type } from '@sinclair/typebox';
import type { ZoneRow } from '../../store/index.js';
import { isUniqueViolation } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, Enum, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok, okPage, pageOf, pageSlice, pagingQuery } from '../api/envelope.js';
import { authorize, type Principal } from '../api/principal.js';
import { audit, byApi } from '../audit/audit-trail.js';
import { zoneSetupAdvice } from './dns-setup-advice.js';
import { isWithin, parseHostname } from './hostname.js';
import { createOwnedZone, publishZoneRemoval, removeZone } from './zone-ownership.js';
import { VERIFICATION_LABEL } from './zone-verifier.js';

export function zoneView(z: ZoneRow, accountName: string, domain: string): Record<string, unknown> {
  return {
    id: z.id,
    name: z.name,
    status: z.status,
    paused: z.paused === 1,
    type: z.type,
    development_mode: 0,
    name_servers: z.type === 'full' ? [`ns1.${domain}`, `ns2.${domain}`] : [],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: z.created_on,
    modified_on: z.modified_on,
    activated_on: z.status === 'active' ? (z.activated_on ?? z.created_on) : null,
    account: { id: z.account_id, name: accountName },
    owner: { id: null, type: 'user', email: null },
    permissions: [],
    plan: {
      id: 'free',
      name: 'Free Website',
      price: 0,
      currency: 'USD',
      frequency: '',
      is_subscribed: true,
      can_subscribe: false,
      legacy_id: 'free',
      legacy_discount: false,
      externally_managed: false,
    },
    meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    ...(z.type === 'partial'
      ? {
          verification_key: z.verification_key,
          cname_suffix: `cdn.${domain}`,
          // Where the TXT record with verification_key goes (the apex works too).
          verification_record: { type: 'TXT', name: `${VERIFICATION_LABEL}.${z.name}`, content: z.verification_key },
        }
      : {}),
  };
}

/** Loads a zone the caller may act on with `scope`, or 404 (zones of other accounts do not exist for them). */
export async function zoneFor(
  ctx: ControlContext,
  p: Principal,
  zoneId: string,
  scope: 'zone:read' | 'zone:write' | 'dns:read' | 'dns:write',
): Promise<ZoneRow> {
  const z = await ctx.store.zones.zone(zoneId);
  if (z === undefined) throw ApiError.notFound(`zone ${zoneId}`);
  await authorize(ctx.store, p, { accountId: z.account_id, zoneId: z.id, scope, what: `zone ${zoneId}` });
  return z;
}

/** `/zones`. */
export function zoneRoutes(ctx: ControlContext): ApiRoute[] {
  const { store, domain } = ctx;
  const accountName = async (id: string) => (await store.identity.getAccount(id))?.name ?? '';
  const mayRead = async (p: Principal, accountId: string, zoneId?: string): Promise<boolean> => {
    try {
      await authorize(store, p, { accountId, zoneId, scope: 'zone:read', what: `account ${accountId}` });
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return false;
      throw err;
    }
  };
  return [
    typedRoute({
      method: 'GET',
      url: '/zones',
      summary: 'Zones the caller can read, across their accounts',
      tag: 'Zones',
      query: {
        ...pagingQuery(50),
        name: Type.String(),
        status: Enum(['pending', 'active']),
        type: Enum(['full', 'partial']),
        'account.id': Type.String(),
        'account.name': Type.String(),
      },
      handler: async ({ principal: p, query }) => {
        const page = pageOf(query, 20);
        const mine = await store.identity.accountsOf(p.user.id);
        const accounts = mine
          .map((m) => m.account)
          .filter(
            (a) =>
              (query['account.id'] === undefined || a.id === query['account.id']) &&
              (query['account.name'] === undefined || a.name === query['account.name']),
          );
        const names = new Map(accounts.map((a) => [a.id, a.name]));
        const filter = { name: query.name?.toLowerCase().replace(/\.$/, ''), status: query.status, type: query.type };
        // Exactly the zones this token may read: all of an account's when the token covers the
        // account, else each zone its policies name (a token for DNS Read on one zone finds that
        // zone by name, as Cloudflare clients look zones up).
        const visible: ZoneRow[] = [];
        for (const a of accounts) {
          const zones = (await store.zones.zonesOfAccount(a.id)).filter(
            (z) =>
              (filter.name === undefined || z.name === filter.name) &&
              (filter.status === undefined || z.status === filter.status) &&
              (filter.type === undefined || z.type === filter.type),
          );
          if (zones.length === 0) continue;
          if (await mayRead(p, a.id)) visible.push(...zones);
          else for (const z of zones) if (await mayRead(p, a.id, z.id)) visible.push(z);
        }
        visible.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
        const paged = pageSlice(visible, page);
        return okPage(paged, page, (z) => zoneView(z, names.get(z.account_id) ?? '', domain));
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/zones',
      summary: 'Creates a zone (type full: warren is authoritative; partial: CNAME setup, verified by TXT)',
      tag: 'Zones',
      body: Type.Object({
        account: Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
        name: Type.String({ minLength: 1, maxLength: 253 }),
        type: Type.Optional(Enum(['full', 'partial'])),
        jump_start: Type.Optional(
          Type.Boolean({ description: 'Accepted for compatibility; warren never scans existing DNS' }),
        ),
      }),
      handler: async ({ principal: p, body }) => {
        await authorize(store, p, {
          accountId: body.account.id,
          scope: 'zone:write',
          what: `account ${body.account.id}`,
        });
        const name = parseHostname(body.name, 'name');
        if (!name.includes('.'))
          throw ApiError.invalid(`zone name "${name}" must be a registered domain such as example.com`);
        if (isWithin(name, domain) || isWithin(domain, name)) {
          throw ApiError.invalid(
            `zone name "${name}" overlaps warren's service domain ${domain}; pick a domain of your own`,
          );
        }
        try {
          const z = await createOwnedZone(
            store,
            {
              accountId: body.account.id,
              name,
              type: body.type ?? 'full',
              activate: ctx.zoneAutoActivate,
              pendingExpiryMs: ctx.pendingZoneExpiryMs,
            },
            byApi(p),
          );
          return ok(zoneView(z, await accountName(z.account_id), domain));
        } catch (err) {
          // Two creations of one name at once: the second meets the unique index.
          if (isUniqueViolation(err)) {
            throw new ApiError(
              'WARREN_API_CONFLICT',
              `the zone ${name} already exists on this warren; each zone can belong to one account only`,
            );
          }
          throw err;
        }
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/zones/:zone_id',
      summary: 'One zone',
      tag: 'Zones',
      params: { zone_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const z = await zoneFor(ctx, p, params.zone_id, 'zone:read');
        return ok(zoneView(z, await accountName(z.account_id), domain));
      },
    }),
    typedRoute({
      method: 'PATCH',
      url: '/zones/:zone_id',
      summary:
        'Edits a zone: paused (its hostnames stop routing through the edge), type (full ↔ partial; partial starts a new TXT verification), plan (only "free")',
      tag: 'Zones',
      params: { zone_id: ID_PARAM },
      body: Type.Object({
        paused: Type.Optional(Type.Boolean()),
        type: Type.Optional(Enum(['full', 'partial'])),
        plan: Type.Optional(Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false })),
        vanity_name_servers: Type.Optional(Type.Array(Type.String(), { maxItems: 0 })),
      }),
      handler: async ({ principal: p, params, body }) => {
        const z = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        if (body.plan !== undefined && body.plan.id !== 'free') {
          throw ApiError.invalid(`plan "${body.plan.id}" does not exist here; warren has one plan, "free"`);
        }
        const change: { paused?: boolean; type?: 'full' | 'partial' } = {};
        if (body.paused !== undefined && body.paused !== (z.paused === 1)) change.paused = body.paused;
        if (body.type !== undefined && body.type !== z.type) change.type = body.type;
        const updated = await store.transaction(async (tx) => {
          if (Object.keys(change).length > 0) {
            // To full: an active zone stays active, a pending one waits for its activation check.
            await tx.zones.updateZone(z.id, change, ctx.zoneAutoActivate);
            await audit(tx, byApi(p), {
              accountId: z.account_id,
              action: 'zone_update',
              resource: { id: z.id, type: 'zone' },
              metadata: { zone_name: z.name },
              oldValue: {
                ...(change.paused === undefined ? {} : { paused: z.paused === 1 }),
                ...(change.type === undefined ? {} : { type: z.type, status: z.status }),
              },
              newValue: change,
            });
          }
          return (await tx.zones.zone(z.id)) as ZoneRow;
        });
        if (Object.keys(change).length > 0) await store.feed.publish('zones');
        return ok(zoneView(updated, await accountName(z.account_id), domain));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: '/zones/:zone_id/activation_check',
      summary: `Checks a pending zone now: a partial zone's TXT record (${VERIFICATION_LABEL}.<zone>, or the apex), a full zone's NS records (ns1/ns2.<service domain>)`,
      tag: 'Zones',
      params: { zone_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const z = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        if (z.status !== 'pending') throw ApiError.invalid(`zone ${z.name} is active already`);
        const activated = z.type === 'partial' ? await ctx.verifyZone(z) : await ctx.checkDelegation(z);
        const now = activated ? { ...z, status: 'active' as const } : z;
        // Still pending: say exactly what to set (Cloudflare answers only the id).
        return ok({ id: z.id, ...zoneSetupAdvice(now, domain) });
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/zones/:zone_id',
      summary:
        "Deletes a zone, all its DNS records, and the account's Access apps that no other zone of the account covers",
      tag: 'Zones',
      params: { zone_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const z = await zoneFor(ctx, p, params.zone_id, 'zone:write');
        // With its records, and the account's Access apps that no other zone of it covers.
        await store.transaction((tx) => removeZone(tx, z, byApi(p), 'deleted'));
        await publishZoneRemoval(store);
        return ok({ id: z.id });
      },
    }),
  ];
}
