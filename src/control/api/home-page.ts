import type { FastifyInstance } from 'fastify';
import { apiUrlOf } from '../identity/login-routes.js';
import type { ControlContext } from './control-context.js';
import { type DashboardBundle, sendDashboard } from './dashboard-static.js';
import { esc, htmlPage } from './html-page.js';

/** Where the setup page sends someone who arrives after the first administrator exists. */
export const SIGN_IN_PATH = '/';

/**
 * `GET /` on the API port. While no user exists: a page that points to the setup link `warren
 * serve` printed. After: the dashboard (which signs in), or, when it was not built, a page that
 * says how to sign in (`warren login`, a token for the API) and where the API and its docs are.
 */
export function registerHomePage(app: FastifyInstance, ctx: ControlContext, dashboard?: DashboardBundle): void {
  app.get(SIGN_IN_PATH, async (req, reply) => {
    const base = apiUrlOf(req);
    const api = `${base}/client/v4`;
    const reference =
      `<p>The API is at <code>${esc(api)}</code> (Cloudflare's v4 shapes); its description is ` +
      '<a href="/client/v4/openapi.json">/client/v4/openapi.json</a>, the error codes are in docs/errors.md, and ' +
      `the guide is the README that comes with warren.</p>`;
    if ((await ctx.store.identity.countUsers()) === 0) {
      return htmlPage(
        reply,
        200,
        'Set up warren',
        '<p>warren has no administrator yet.</p>' +
          '<p>Open the one-time <a href="/setup">/setup</a> link that <code>warren serve</code> printed when it ' +
          'started (<code>/setup?token=…</code>); it creates the first administrator and their first API token. ' +
          'Lost it? Restart <code>warren serve</code> for a new one, or run <code>warren admin create-user</code>.</p>' +
          reference,
      );
    }
    if (dashboard !== undefined) return sendDashboard(reply, dashboard);
    return htmlPage(
      reply,
      200,
      'Sign in to warren',
      '<p>There is no dashboard yet: warren is used from the command line and the API.</p>' +
        `<p>On the machine that runs your connectors, sign in with <code>warren login --api ${esc(base)}</code>: ` +
        'it opens a page here where you authorize it with your e-mail and password, and saves ' +
        '<code>~/.warren/cert.pem</code> for <code>warren tunnel</code>.</p>' +
        '<p>For the API, send <code>Authorization: Bearer &lt;token&gt;</code> with the API token shown when ' +
        'your user was created (or one created with <code>POST /client/v4/user/tokens</code>).</p>' +
        reference,
    );
  });
}
