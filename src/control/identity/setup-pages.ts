import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SignInThrottle } from '../../access/index.js';
import { WarrenError } from '../../errors/index.js';
import type { ControlContext } from '../api/control-context.js';
import { SIGN_IN_PATH } from '../api/home-page.js';
import { acceptForms, esc, formField, htmlPage } from '../api/html-page.js';
import { DEFAULT_ACCOUNT_NAME } from './bootstrap.js';
import { apiUrlOf } from './login-routes.js';
import { checkSetupLink, spendSetupLink } from './setup-link.js';
import { throttledPage } from './sign-in-audit.js';
import { createUserWithToken, MIN_PASSWORD_LENGTH } from './user-admin.js';

const SETUP_REFUSALS = 'setup attempts from your network';

function setupForm(token: string, values: { email: string; account: string }, error: string | undefined): string {
  return (
    '<p>Create the first administrator of this warren. This page works once.</p>' +
    (error === undefined ? '' : `<p class="err" role="alert">${esc(error)}</p>`) +
    '<form method="post" action="/setup">' +
    `<input type="hidden" name="token" value="${esc(token)}">` +
    `<label>E-mail <input type="email" name="email" value="${esc(values.email)}" required autocomplete="username"></label>` +
    `<label>Password (at least ${MIN_PASSWORD_LENGTH} characters) <input type="password" name="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></label>` +
    `<label>Account name <input type="text" name="account" value="${esc(values.account)}" required maxlength="100"></label>` +
    '<button type="submit">Create administrator</button></form>'
  );
}

/**
 * The first-run setup page (`warren serve` prints its one-time link while no user exists):
 * e-mail, password and account name make the super administrator, whose first API token is
 * shown on the answer page once.
 */
export function registerSetupPages(app: FastifyInstance, ctx: ControlContext, throttle: SignInThrottle): void {
  const { store } = ctx;
  // The setup token is a secret (256 bits, so not guessable), but every refused token still
  // counts against the source like a failed sign-in: the form is no oracle at any rate.
  const refused = async (reply: FastifyReply, ip: string, err: unknown): Promise<FastifyReply> => {
    if (!(err instanceof WarrenError) || err.code !== 'WARREN_SETUP_LINK_INVALID') throw err;
    const lockout = await throttle.failed({ source: ip });
    if (lockout !== undefined) {
      ctx.logger.warn(
        { interface: 'setup', ip, scope: lockout.scope, retryAfterSeconds: lockout.retryAfterSeconds },
        'setup: locked out after repeated refused setup links',
      );
      return throttledPage(reply, lockout, 'Set up warren', SETUP_REFUSALS);
    }
    return htmlPage(
      reply,
      410,
      'This setup link cannot be used',
      `<p class="err" role="alert">${esc(err.message)}</p><p><a href="${SIGN_IN_PATH}">How to sign in to warren</a></p>`,
    );
  };
  void app.register(async (scope) => {
    acceptForms(scope);

    scope.get('/setup', async (req, reply) => {
      const token = formField(req.query, 'token');
      const refusal = await throttle.check({ source: req.ip });
      if (refusal !== undefined) return throttledPage(reply, refusal, 'Set up warren', SETUP_REFUSALS);
      try {
        await checkSetupLink(store, store.clock.now(), token);
      } catch (err) {
        return refused(reply, req.ip, err);
      }
      return htmlPage(
        reply,
        200,
        'Set up warren',
        setupForm(token, { email: '', account: DEFAULT_ACCOUNT_NAME }, undefined),
      );
    });

    scope.post('/setup', async (req, reply) => {
      const token = formField(req.body, 'token');
      const refusal = await throttle.check({ source: req.ip });
      if (refusal !== undefined) return throttledPage(reply, refusal, 'Set up warren', SETUP_REFUSALS);
      const values = { email: formField(req.body, 'email').trim(), account: formField(req.body, 'account').trim() };
      let made: Awaited<ReturnType<typeof createUserWithToken>>;
      try {
        made = await createUserWithToken(
          store,
          {
            email: values.email,
            password: formField(req.body, 'password'),
            accountName: values.account,
            tokenName: 'first API token (setup)',
          },
          { interface: 'setup', ip: req.ip },
          (tx) => spendSetupLink(tx, store.clock.now(), token),
        );
      } catch (err) {
        if (err instanceof TypeError)
          return htmlPage(reply, 400, 'Set up warren', setupForm(token, values, err.message));
        return refused(reply, req.ip, err);
      }
      ctx.logger.info({ userId: made.user.id, accountId: made.account.id }, 'setup: first administrator created');
      const api = `${apiUrlOf(req)}/client/v4`;
      return htmlPage(
        reply,
        200,
        'warren is set up',
        `<p role="status">${esc(made.user.email)} is the super administrator of the account <strong>${esc(made.account.name)}</strong> (<code>${esc(made.account.id)}</code>).</p>` +
          '<p>Your first API token, shown this once (copy it now; only its hash is kept):</p>' +
          `<p><code class="secret" id="api-token">${esc(made.token)}</code></p>` +
          `<p>Use it as <code>Authorization: Bearer &lt;token&gt;</code> with the API at <code>${esc(api)}</code>, or sign in with <code>${esc(ctx.launcher)} login --api ${esc(apiUrlOf(req))}</code>.</p>` +
          `<p><a href="${SIGN_IN_PATH}">Open the dashboard</a> and sign in with this e-mail and password.</p>`,
      );
    });
  });
}
