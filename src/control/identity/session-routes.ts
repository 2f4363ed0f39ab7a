import { Type } from '@sinclair/typebox';
import type { SignInThrottle } from '../../access/index.js';
import type { DashboardSessionRow } from '../../store/index.js';
import { verifyPasswordOrDummy } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import { type ApiRoute, ID_PARAM, typedRoute } from '../api/api-route.js';
import type { ControlContext } from '../api/control-context.js';
import { ok } from '../api/envelope.js';
import type { Principal } from '../api/principal.js';
import {
  assertSameOrigin,
  clearSessionCookie,
  csrfTokenOf,
  SESSION_IDLE_MS,
  sessionCookieOf,
  setSessionCookie,
  startSession,
} from './dashboard-session.js';
import { recordSignIn } from './sign-in-audit.js';

const MAX_EMAIL = 254;
const MAX_PASSWORD = 1024; // scrypt input; a longer "password" is only a way to burn CPU

function sessionView(row: DashboardSessionRow, current: string | undefined) {
  return {
    id: row.id,
    created_on: row.created_on,
    last_seen_on: row.last_seen_on,
    expires_on: row.expires_on,
    ip: row.ip,
    user_agent: row.user_agent,
    current: row.id === current,
  };
}

function sessionOf(p: Principal, what: string): { id: string } {
  if (p.session === undefined) {
    throw ApiError.invalid(`${what} needs the dashboard session cookie, not an API token`);
  }
  return p.session;
}

/**
 * Dashboard sign-in and sessions: `POST /user/sessions` signs in with e-mail and password (and
 * sets the HttpOnly cookie), `GET /user/sessions/current` gives the dashboard its CSRF token,
 * `GET /user/sessions` lists, `DELETE /user/sessions/{id}` revokes one, `DELETE /user/sessions`
 * every other one, `DELETE /user/sessions/current` signs out.
 */
export function sessionRoutes(ctx: ControlContext, throttle: SignInThrottle): ApiRoute[] {
  const { store } = ctx;
  return [
    typedRoute({
      method: 'POST',
      url: '/user/sessions',
      summary: 'Signs in to the dashboard with e-mail and password; sets the warren_session cookie',
      tag: 'Dashboard sessions',
      auth: false,
      body: Type.Object({
        email: Type.String({ maxLength: MAX_EMAIL }),
        password: Type.String({ maxLength: MAX_PASSWORD }),
      }),
      handler: async ({ body, req, reply }) => {
        // Login CSRF: another site must not sign a visitor in to the attacker's account.
        assertSameOrigin(req);
        const email = body.email.trim();
        const attempt = { address: email, source: req.ip };
        const refusal = await throttle.check(attempt);
        const throttled = (seconds: number) => {
          const e = new ApiError(
            'WARREN_SIGN_IN_THROTTLED',
            `too many failed sign-ins; try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
          );
          e.retryAfterSeconds = seconds;
          return e;
        };
        if (refusal !== undefined) throw throttled(refusal.retryAfterSeconds);
        const named = email === '' ? undefined : await store.identity.findUserByEmail(email);
        const user = named?.kind === 'person' ? named : undefined;
        // Unknown addresses run the same scrypt on a dummy hash: the answer time tells nothing.
        if (!(await verifyPasswordOrDummy(body.password, user?.password_hash)) || user === undefined) {
          const lockout = await throttle.failed(attempt);
          const outcome = { interface: 'dashboard', email, user, ip: req.ip };
          recordSignIn(ctx, { ...outcome, result: 'failure' });
          if (lockout !== undefined) {
            recordSignIn(ctx, { ...outcome, result: 'lockout', refusal: lockout });
            throw throttled(lockout.retryAfterSeconds);
          }
          throw new ApiError('WARREN_API_UNAUTHORIZED', 'wrong e-mail or password');
        }
        await throttle.succeeded(attempt);
        recordSignIn(ctx, { interface: 'dashboard', email, user, ip: req.ip, result: 'success' });
        await store.sessions.prune(new Date(store.clock.now().getTime() - SESSION_IDLE_MS).toISOString());
        const { value, row } = await startSession(store, user, req);
        setSessionCookie(reply, req, value);
        return ok({
          ...sessionView(row, row.id),
          user: { id: user.id, email: user.email },
          csrf_token: csrfTokenOf(value),
        });
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/user/sessions/current',
      summary: "The dashboard session of this request's cookie, with its CSRF token",
      tag: 'Dashboard sessions',
      handler: async ({ principal: p, req }) => {
        const s = sessionOf(p, 'GET /user/sessions/current');
        const cookie = sessionCookieOf(req);
        const row = (await store.sessions.listOf(p.user.id)).find((r) => r.id === s.id);
        if (row === undefined || cookie === undefined) throw ApiError.notFound('this session');
        return ok({
          ...sessionView(row, s.id),
          user: { id: p.user.id, email: p.user.email },
          csrf_token: csrfTokenOf(cookie),
        });
      },
    }),
    typedRoute({
      method: 'GET',
      url: '/user/sessions',
      summary: "The calling user's dashboard sessions (current: the one of this request)",
      tag: 'Dashboard sessions',
      handler: async ({ principal: p }) => {
        const idleBefore = store.clock.now().getTime() - SESSION_IDLE_MS;
        const now = store.clock.now().toISOString();
        const live = (await store.sessions.listOf(p.user.id)).filter(
          (r) => r.expires_on > now && Date.parse(r.last_seen_on) > idleBefore,
        );
        return ok(live.map((r) => sessionView(r, p.session?.id)));
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/user/sessions/current',
      summary: 'Signs out: ends the session of this request and clears its cookie',
      tag: 'Dashboard sessions',
      handler: async ({ principal: p, req, reply }) => {
        const s = sessionOf(p, 'signing out');
        await store.sessions.delete(s.id, p.user.id);
        clearSessionCookie(reply, req);
        return ok({ id: s.id });
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/user/sessions',
      summary: "Revokes every dashboard session of the caller except this request's",
      tag: 'Dashboard sessions',
      handler: async ({ principal: p }) => {
        const keep = p.session?.id ?? '';
        const revoked = await store.sessions.deleteOthers(p.user.id, keep);
        return ok({ revoked });
      },
    }),
    typedRoute({
      method: 'DELETE',
      url: '/user/sessions/:session_id',
      summary: 'Revokes one of the caller’s dashboard sessions',
      tag: 'Dashboard sessions',
      params: { session_id: ID_PARAM },
      handler: async ({ principal: p, params, req, reply }) => {
        if (!(await store.sessions.delete(params.session_id, p.user.id))) {
          throw ApiError.notFound(`session ${params.session_id}`);
        }
        if (params.session_id === p.session?.id) clearSessionCookie(reply, req);
        return ok({ id: params.session_id });
      },
    }),
  ];
}
