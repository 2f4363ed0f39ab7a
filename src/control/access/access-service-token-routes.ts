import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { hashServiceSecret, SERVICE_TOKEN_ROTATE_GRACE_MS } from '../../access/index.js';
import type { AccessServiceTokenRow } from '../../store/index.js';
import { newUuid } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { ApiRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { auditAccess } from './access-audit.js';
import { accessCrud } from './access-crud-routes.js';

const DEFAULT_DURATION = '8760h'; // one year, Cloudflare's default
const MAX_GRACE_MS = 30 * 86_400_000; // a rotated secret may be kept for at most 30 days
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "8760h", "30m", "1h30m" → ms; "forever" → null. */
function durationMs(d: string): number | null {
  if (d === 'forever') return null;
  const parts = [...d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((m) => m[0]).join('') !== d) {
    throw ApiError.invalid(`duration "${d}" is not a duration such as 8760h, 30m or forever`);
  }
  return parts.reduce((sum, m) => sum + Number(m[1]) * (UNIT_MS[m[2] as string] as number), 0);
}

function view(t: AccessServiceTokenRow): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    client_id: t.client_id,
    duration: t.duration,
    expires_at: t.expires_at,
    created_at: t.created_at,
    updated_at: t.updated_at,
    ...(t.previous_valid_until === null ? {} : { previous_client_secret_expires_at: t.previous_valid_until }),
  };
}

const newSecret = (): string => randomBytes(32).toString('hex');

/**
 * `/accounts/{a}/access/service_tokens`: `CF-Access-Client-Id` / `CF-Access-Client-Secret` pairs.
 * The secret is in the create and rotate answers only, and stored as a hash. After a rotate the
 * previous secret keeps working for 24 hours ({@link SERVICE_TOKEN_ROTATE_GRACE_MS}), or until
 * `previous_client_secret_expires_at` (at most 30 days, or now to end it at once).
 */
export function accessServiceTokenRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  const expiry = (duration: string): string | null => {
    const ms = durationMs(duration);
    return ms === null ? null : new Date(store.clock.now().getTime() + ms).toISOString();
  };
  const tokens = accessCrud(ctx, {
    collection: 'service_tokens',
    idParam: 'id',
    noun: 'service token',
    audit: 'access_service_token',
    // Cloudflare's "Access: Service Tokens Read/Write" permission groups.
    scopes: { read: 'access_tokens:read', write: 'access_tokens:write' },
    summaries: {
      create: 'Creates a service token; client_secret is shown in this answer only',
      list: 'Lists service tokens (never their secrets)',
      get: 'Reads a service token',
      update: 'Renames a service token or changes its duration (from now)',
      delete: 'Deletes a service token: it is refused at once',
    },
    schema: {
      create: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 350 }),
        duration: Type.Optional(Type.String({ maxLength: 32 })),
      }),
      update: Type.Object({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 350 })),
        duration: Type.Optional(Type.String({ maxLength: 32 })),
      }),
    },
    find: (r, accountId, id) => r.access.serviceToken(accountId, id),
    list: (r, accountId) => r.access.serviceTokens(accountId),
    view: (_r, row) => view(row),
    prepareCreate: (accountId, body) => {
      const duration = body.duration ?? DEFAULT_DURATION;
      const secret = newSecret();
      const now = store.clock.now().toISOString();
      const row: AccessServiceTokenRow = {
        id: newUuid(),
        account_id: accountId,
        name: body.name,
        client_id: `${randomBytes(16).toString('hex')}.access`,
        secret_hash: hashServiceSecret(secret),
        previous_secret_hash: null,
        previous_valid_until: null,
        duration,
        expires_at: expiry(duration),
        created_at: now,
        updated_at: now,
      };
      return { row, secret };
    },
    insert: (tx, { row }) => tx.access.insertServiceToken(row),
    createAnswer: ({ secret }, v) => ({ ...v, client_secret: secret }),
    prepareUpdate: (_accountId, _old, body) => ({
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.duration === undefined ? {} : { duration: body.duration, expires_at: expiry(body.duration) }),
    }),
    update: async (tx, accountId, t, set) => {
      await tx.access.updateServiceToken(accountId, t.id, set);
      return (await tx.access.serviceToken(accountId, t.id)) ?? t;
    },
    remove: (tx, accountId, t) => tx.access.deleteServiceToken(accountId, t.id),
    deleteAnswer: 'view',
  });
  return [
    ...tokens.routes,
    tokens.itemAction({
      verb: 'refresh',
      summary: "Extends a service token's expiry by its duration, from now",
      prepare:
        ({ p, accountId, row: t }) =>
        async (tx) => {
          await tx.access.updateServiceToken(accountId, t.id, { expires_at: expiry(t.duration) });
          const n = (await tx.access.serviceToken(accountId, t.id)) ?? t;
          const target = { id: t.id, type: 'access_service_token' };
          await auditAccess(tx, p, accountId, 'access_service_token_refresh', target, {
            oldValue: view(t),
            newValue: view(n),
          });
          return view(n);
        },
    }),
    tokens.itemAction({
      verb: 'rotate',
      summary:
        'Issues a new client_secret (shown once); the previous one works for 24 hours or until previous_client_secret_expires_at',
      body: Type.Object({ previous_client_secret_expires_at: Type.Optional(Type.String({ maxLength: 40 })) }),
      prepare: ({ p, accountId, row: t, body }) => {
        const now = store.clock.now().getTime();
        let until = now + SERVICE_TOKEN_ROTATE_GRACE_MS;
        const asked = body.previous_client_secret_expires_at;
        if (asked !== undefined) {
          until = Date.parse(asked);
          if (Number.isNaN(until) || until > now + MAX_GRACE_MS) {
            throw ApiError.invalid(
              'previous_client_secret_expires_at must be an ISO 8601 time within the next 30 days',
            );
          }
        }
        const secret = newSecret();
        return async (tx) => {
          await tx.access.updateServiceToken(accountId, t.id, {
            secret_hash: hashServiceSecret(secret),
            previous_secret_hash: t.secret_hash,
            previous_valid_until: new Date(Math.max(until, now)).toISOString(),
          });
          const n = (await tx.access.serviceToken(accountId, t.id)) ?? t;
          const target = { id: t.id, type: 'access_service_token' };
          await auditAccess(tx, p, accountId, 'access_service_token_rotate', target, { newValue: view(n) });
          return { ...view(n), client_secret: secret };
        };
      },
    }),
  ];
}
