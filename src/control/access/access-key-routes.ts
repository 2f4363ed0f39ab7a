import { Type } from '@sinclair/typebox';
import type { AccessKeyRing } from '../../access/index.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize } from '../api/principal.js';
import { auditAccess } from './access-audit.js';

const MAX_INTERVAL_DAYS = 365 * 10;

/**
 * `/accounts/{a}/access/keys` (+ `/rotate`), Cloudflare's shapes, and the account's JWKS.
 * The JWKS is public, as `https://<team>.access.D/cdn-cgi/access/certs` is: until the edge serves
 * the team domain, `GET /client/v4/accounts/{a}/access/certs` answers the same document.
 */
export function accessKeyRoutes(ctx: ControlContext, ring: AccessKeyRing): ApiRoute[] {
  const { store } = ctx;
  const what = (a: string): string => `account ${a}`;
  return [
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/keys',
      summary: 'Access signing key settings: rotation interval, last and next rotation',
      tag: 'Access',
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        await authorize(store, p, {
          accountId: params.account_id,
          scope: 'access:read',
          what: what(params.account_id),
        });
        return ok(await ring.settings(params.account_id));
      },
    }),
    typedRoute({
      method: 'PUT',
      url: '/accounts/:account_id/access/keys',
      summary: 'Sets key_rotation_interval_days (default 42)',
      tag: 'Access',
      params: { account_id: ID_PARAM },
      body: Type.Object({
        key_rotation_interval_days: Type.Integer({ minimum: 1, maximum: MAX_INTERVAL_DAYS }),
      }),
      handler: async ({ principal: p, params, body }) => {
        const accountId = params.account_id;
        await authorize(store, p, { accountId, scope: 'access:write', what: what(accountId) });
        const view = await store.transaction(async (tx) => {
          const old = await ring.settings(accountId, tx);
          await ring.setRotationInterval(accountId, body.key_rotation_interval_days, tx);
          await auditAccess(
            tx,
            p,
            accountId,
            'access_key_settings_update',
            { id: accountId, type: 'access_keys' },
            {
              oldValue: { key_rotation_interval_days: old.key_rotation_interval_days },
              newValue: { key_rotation_interval_days: body.key_rotation_interval_days },
            },
          );
          return ring.settings(accountId, tx);
        });
        return ok(view);
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/accounts/:account_id/access/keys/rotate',
      summary: 'Rotates the signing key now; the previous key still verifies for 7 days',
      tag: 'Access',
      params: { account_id: ID_PARAM },
      handler: async ({ principal: p, params }) => {
        const accountId = params.account_id;
        await authorize(store, p, { accountId, scope: 'access:write', what: what(accountId) });
        await store.transaction(async (tx) => {
          await ring.rotate(accountId, tx);
          await auditAccess(tx, p, accountId, 'access_key_rotate', { id: accountId, type: 'access_keys' });
        });
        return ok(await ring.settings(accountId));
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/accounts/:account_id/access/certs',
      summary: "The account's Access JWKS ({keys, public_cert, public_certs}); public, like /cdn-cgi/access/certs",
      tag: 'Access',
      auth: false,
      params: { account_id: ID_PARAM },
      handler: async ({ params, reply }) => {
        void reply.header('cache-control', 'public, max-age=300');
        // The bare document, not an API envelope: JWKS clients (jose, cloudflared) read `keys` at the top.
        return ring.jwks(params.account_id);
      },
    }),
  ];
}
