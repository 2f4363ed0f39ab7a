import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import { authorize } from '../api/principal.js';
import { byApi } from '../audit/audit-trail.js';
import { loginZones, makeLoginBundle } from './login-bundle.js';
import { LOGIN_KEY_PATTERN, LOGIN_POLL_MAX_WAIT_MS, loginKeyHash, usableTransfer } from './login-transfer.js';

/** The API's own base URL as the caller reached it (what cert.pem's apiURL holds). */
export function apiUrlOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** Resolves after a `logins` change, `ms`, or the client going away, whichever is first. */
function loginChange(ctx: ControlContext, req: FastifyRequest, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      req.raw.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe = ctx.store.feed.subscribe((topic) => {
      if (topic === 'logins') done();
    });
    req.raw.once('close', done);
  });
}

/**
 * `warren login`'s side of the API: the long poll that hands the browser-authorized bundle to
 * the CLI once, and the headless form that makes a bundle for an API token's user.
 */
export function loginRoutes(ctx: ControlContext): ApiRoute[] {
  const { store } = ctx;
  return [
    typedRoute({
      method: 'POST',
      url: '/login/transfer',
      summary:
        'Long poll of `warren login`: the cert.pem bundle once the browser authorized (status "ready", handed out once), else status "pending"',
      tag: 'Login',
      auth: false,
      body: Type.Object({
        key: Type.String({ pattern: LOGIN_KEY_PATTERN }),
        wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: LOGIN_POLL_MAX_WAIT_MS })),
      }),
      handler: async ({ body, req }) => {
        const hash = loginKeyHash(body.key);
        const deadline = Date.now() + (body.wait_ms ?? LOGIN_POLL_MAX_WAIT_MS);
        for (;;) {
          const t = await usableTransfer(ctx, hash, req.ip);
          if (t.ready_on !== null) {
            const sealed = await store.logins.take(hash);
            if (sealed === undefined) {
              throw new ApiError('WARREN_LOGIN_USED', 'this login key was already used; run `warren login` again');
            }
            return ok({ status: 'ready', cert_pem: store.secrets.open(sealed).toString('utf8') });
          }
          const left = deadline - Date.now();
          if (left <= 0 || req.raw.destroyed) return ok({ status: 'pending', expires_on: t.expires_on });
          await loginChange(ctx, req, left);
        }
      },
    }),
    typedRoute({
      method: 'POST',
      url: '/login/bundle',
      summary:
        "Headless `warren login --api-token T --zone Z`: a cert.pem for the zone, its token bound to the caller's API key",
      tag: 'Login',
      body: Type.Object({ zone: Type.String({ minLength: 1, maxLength: 253 }) }),
      handler: async ({ principal: p, body, req }) => {
        const name = body.zone.trim().toLowerCase().replace(/\.$/, '');
        const zone = (await loginZones(ctx, p.user.id)).find((z) => z.name === name || z.id === body.zone);
        if (zone === undefined) {
          throw ApiError.notFound(
            `zone ${body.zone} (or you lack a role that may run tunnels and edit DNS in its account)`,
          );
        }
        await authorize(store, p, {
          accountId: zone.account_id,
          zoneId: zone.id,
          scope: 'tunnel:write',
          what: `zone ${zone.name}`,
        });
        const pem = await makeLoginBundle(ctx, {
          user: p.user,
          zone,
          apiURL: apiUrlOf(req),
          by: byApi(p),
          issuer: p,
        });
        return ok({ status: 'ready', cert_pem: pem });
      },
    }),
  ];
}
