import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SignInThrottle } from '../../access/index.js';
import { hashToken, type UserRow, verifyPasswordOrDummy } from '../../store/index.js';
import { ApiError } from '../api/api-error.js';
import type { ControlContext } from '../api/control-context.js';
import { acceptForms, esc, formField, htmlPage } from '../api/html-page.js';
import { liveSession, sessionCookieOf } from './dashboard-session.js';
import { loginZones, makeLoginBundle } from './login-bundle.js';
import { apiUrlOf } from './login-routes.js';
import { LOGIN_BUNDLE_TTL_MS, loginKeyHash, usableTransfer } from './login-transfer.js';
import { recordSignIn, throttledPage } from './sign-in-audit.js';

function signInForm(callback: string, email: string, error: string | undefined): string {
  return (
    '<p>Sign in to authorize <code>warren login</code> on your computer.</p>' +
    (error === undefined ? '' : `<p class="err" role="alert">${esc(error)}</p>`) +
    '<form method="post" action="/argotunnel/signin">' +
    `<input type="hidden" name="callback" value="${esc(callback)}">` +
    `<label>E-mail <input type="email" name="email" value="${esc(email)}" required autocomplete="username"></label>` +
    '<label>Password <input type="password" name="password" required autocomplete="current-password"></label>' +
    '<button type="submit">Sign in</button></form>'
  );
}

/**
 * The dashboard side of `warren login` (server-rendered): sign in, pick a zone, authorize. No
 * cookie: the sign-in answer carries a one-time grant that only the authorize form posts back.
 * Sign-in goes through `throttle` (per address and per source) and is audited.
 */
export function registerLoginPages(app: FastifyInstance, ctx: ControlContext, throttle: SignInThrottle): void {
  const { store } = ctx;
  void app.register(async (scope) => {
    acceptForms(scope);

    /** The transfer for `callback`, or a page that says why it cannot be used (and undefined). */
    const transferOr = async (reply: FastifyReply, callback: string) => {
      try {
        const hash = loginKeyHash(callback);
        const t = await usableTransfer(ctx, hash, reply.request.ip);
        if (t.ready_on !== null) {
          htmlPage(
            reply,
            410,
            'Already authorized',
            '<p>This login was already authorized. Run <code>warren login</code> again for a new one.</p>',
          );
          return undefined;
        }
        return { hash, t };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        htmlPage(
          reply,
          err.status,
          'This login link cannot be used',
          `<p class="err" role="alert">${esc(err.message)}</p>`,
        );
        return undefined;
      }
    };

    scope.get('/argotunnel', async (req, reply) => {
      const callback =
        typeof (req.query as Record<string, unknown>).callback === 'string'
          ? ((req.query as Record<string, string>).callback as string)
          : '';
      const found = await transferOr(reply, callback);
      if (found === undefined) return reply;
      // A live dashboard session in this browser signs in: straight to the zone, as Cloudflare's does.
      const cookie = sessionCookieOf(req);
      const session =
        cookie === undefined ? undefined : await liveSession(store, cookie, store.clock.now()).catch(() => undefined);
      if (session !== undefined && session.user.kind === 'person') {
        return chooseZone(reply, callback, found.hash, session.user, 'your dashboard session');
      }
      return htmlPage(reply, 200, 'Authorize warren', signInForm(callback, '', undefined));
    });

    /** The zone chooser for a signed-in user, with the one-time grant the authorize form posts back. */
    const chooseZone = async (
      reply: FastifyReply,
      callback: string,
      hash: string,
      user: UserRow,
      how: string,
    ): Promise<FastifyReply> => {
      const zones = await loginZones(ctx, user.id);
      if (zones.length === 0) {
        return htmlPage(
          reply,
          403,
          'No zone to authorize',
          '<p class="err" role="alert">You have no zone in an account where your role may run tunnels and edit DNS. Add a zone (POST /client/v4/zones) or ask an administrator for such a role, then run <code>warren login</code> again.</p>',
        );
      }
      const grant = randomBytes(32).toString('base64url');
      await store.logins.signIn(hash, user.id, hashToken(grant));
      const options = zones
        .map(
          (z, i) =>
            `<label><input type="radio" name="zone_id" value="${esc(z.id)}"${i === 0 ? ' checked' : ''}> ${esc(z.name)}</label>`,
        )
        .join('');
      return htmlPage(
        reply,
        200,
        'Choose a zone',
        `<p>Signed in as ${esc(user.email)} (${esc(how)}). <code>warren login</code> gets a certificate for the zone you choose and may then create tunnels and DNS routes in it. Authorize only if you ran <code>warren login</code> on your computer just now.</p>` +
          '<form method="post" action="/argotunnel/authorize">' +
          `<input type="hidden" name="callback" value="${esc(callback)}"><input type="hidden" name="grant" value="${esc(grant)}">` +
          `<fieldset><legend>Zone</legend>${options}</fieldset><button type="submit">Authorize</button></form>`,
      );
    };

    scope.post('/argotunnel/signin', async (req, reply) => {
      const callback = formField(req.body, 'callback');
      const email = formField(req.body, 'email');
      const found = await transferOr(reply, callback);
      if (found === undefined) return reply;
      const attempt = { address: email, source: req.ip };
      const refusal = await throttle.check(attempt);
      if (refusal !== undefined) return throttledPage(reply, refusal, 'Authorize warren');
      const named = email === '' ? undefined : await store.identity.findUserByEmail(email);
      const user = named?.kind === 'person' ? named : undefined;
      // Unknown addresses (and users without a password) run the same scrypt on a dummy hash.
      if (!(await verifyPasswordOrDummy(formField(req.body, 'password'), user?.password_hash)) || user === undefined) {
        const lockout = await throttle.failed(attempt);
        const outcome = { interface: 'dashboard', email, user, ip: req.ip };
        recordSignIn(ctx, { ...outcome, result: 'failure' });
        if (lockout !== undefined) {
          recordSignIn(ctx, { ...outcome, result: 'lockout', refusal: lockout });
          return throttledPage(reply, lockout, 'Authorize warren');
        }
        return htmlPage(reply, 401, 'Authorize warren', signInForm(callback, email, 'Wrong e-mail or password.'));
      }
      await throttle.succeeded(attempt);
      recordSignIn(ctx, { interface: 'dashboard', email, user, ip: req.ip, result: 'success' });
      return chooseZone(reply, callback, found.hash, user, 'password');
    });

    scope.post('/argotunnel/authorize', async (req, reply) => {
      const callback = formField(req.body, 'callback');
      const found = await transferOr(reply, callback);
      if (found === undefined) return reply;
      const { t, hash } = found;
      if (t.user_id === null || t.grant_hash === null || t.grant_hash !== hashToken(formField(req.body, 'grant'))) {
        return htmlPage(
          reply,
          403,
          'Sign in first',
          signInForm(callback, '', 'Your sign-in for this login is not valid any more; sign in again.'),
        );
      }
      const user = await store.identity.getUser(t.user_id);
      const zone =
        user === undefined
          ? undefined
          : (await loginZones(ctx, user.id)).find((z) => z.id === formField(req.body, 'zone_id'));
      if (user === undefined || zone === undefined) {
        return htmlPage(
          reply,
          403,
          'Choose a zone',
          '<p class="err" role="alert">That zone is not one you may authorize. Run <code>warren login</code> again.</p>',
        );
      }
      const pem = await makeLoginBundle(ctx, {
        user,
        zone,
        apiURL: apiUrlOf(req),
        by: { actor: { id: user.id, email: user.email, ip: req.ip, type: 'user' }, interface: 'dashboard' },
      });
      const expires = new Date(store.clock.now().getTime() + LOGIN_BUNDLE_TTL_MS).toISOString();
      if (!(await store.logins.complete(hash, store.secrets.seal(Buffer.from(pem)), expires))) {
        return htmlPage(reply, 410, 'Already authorized', '<p>This login was already authorized.</p>');
      }
      await store.feed.publish('logins');
      return htmlPage(
        reply,
        200,
        'Authorized',
        `<p role="status">warren login is authorized for <strong>${esc(zone.name)}</strong>. Your command line now writes cert.pem; you can close this window.</p>`,
      );
    });
  });
}
