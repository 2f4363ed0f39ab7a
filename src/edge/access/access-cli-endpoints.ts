import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type AccessSession, type AccessSessionCache, type GateApp, signAccessJwt } from '../../access/index.js';
import { normalizeIp } from '../registration/tunnel-listener.js';
import { ACCESS_CLI_PATH, ACCESS_CLI_TOKEN_PATH, ACCESS_CLI_TRANSFER, accessCliCode } from './access-cli-code.js';
import { ACCESS_CLI_TRANSFER_TTL_MS, AccessCliTransfers } from './access-cli-transfers.js';
import type { AccessEdgeOptions } from './access-edge.js';
import { type AccessAnswer, json, loginRedirect, readForm } from './access-http.js';
import { esc, html, messagePage, page, userUuid } from './access-login-page.js';
import { issueTime, sessionSeconds, tokenOf } from './access-tokens.js';
import { gatePath } from './gate-path.js';

type Verify = (app: GateApp, token: string, nowS: number) => Promise<AccessSession | null>;

/**
 * `warren access login` on a protected host (cloudflared's transfer, with a confirmation step):
 * - `GET /cdn-cgi/access/cli?transfer=ID&app_path=/P`: the app's usual login first, then a page
 *   showing the code the CLI printed (derived from ID) and an "Authorize" button;
 * - `POST` the same: stores a fresh app token under ID (see AccessCliTransfers);
 * - `GET /cdn-cgi/access/cli/token?transfer=ID&app_path=/P`: the CLI takes it, once.
 * Nothing is stored before a signed-in visitor confirms, so a link made by someone else gives
 * them nothing unless the visitor confirms a code their own terminal never showed.
 */
export class AccessCliEndpoints {
  readonly transfers: AccessCliTransfers;
  readonly #o: AccessEdgeOptions;
  readonly #sessions: AccessSessionCache;
  readonly #verify: Verify;

  constructor(
    o: AccessEdgeOptions,
    sessions: AccessSessionCache,
    verify: Verify,
    transfers = new AccessCliTransfers(o.store),
  ) {
    this.#o = o;
    this.#sessions = sessions;
    this.#verify = verify;
    this.transfers = transfers;
  }

  /** Whether a request path (as the gate normalised it) is one of these endpoints. */
  static handles(path: string): boolean {
    return path === ACCESS_CLI_PATH || path === ACCESS_CLI_TOKEN_PATH;
  }

  async serve(
    req: IncomingMessage,
    host: string,
    path: string,
    target: string,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const q = target.indexOf('?');
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    const transfer = query.get('transfer') ?? '';
    if (!ACCESS_CLI_TRANSFER.test(transfer)) {
      return html(400, messagePage('Bad link', 'This link is malformed; run `warren access login` again.'));
    }
    // The app is the one the CLI was pointed at (its path), not whatever covers /cdn-cgi/.
    const appPath = gatePath(query.get('app_path') || '/');
    const found = 'error' in appPath ? undefined : this.#o.gate.lookupViews(host, appPath.views);
    const app = found?.app;
    if (app === undefined) {
      return html(404, messagePage('Not protected', 'No Access application protects this address.'));
    }
    if (path === ACCESS_CLI_TOKEN_PATH) {
      const token = await this.transfers.take(transfer, app.aud);
      // Unknown, not yet confirmed, used and expired read the same: the CLI keeps polling until its own deadline.
      return token === undefined ? json(202, { status: 'pending' }) : json(200, { status: 'ready', token });
    }
    const nowS = Math.floor(Date.now() / 1000);
    const session = tokenOf(req);
    const s = session === undefined ? null : await this.#verify(app, session, nowS);
    if (session === undefined || s === null) return loginRedirect(req, app, host, target, scheme);
    if (s.email === undefined) {
      return html(403, messagePage('Not for service tokens', 'Service tokens use --service-token-id instead.'));
    }
    const code = accessCliCode(transfer);
    const csrf = confirmCsrf(transfer, session);
    if (req.method !== 'POST') return html(200, confirmPage(app.name, s.email, code, target, csrf));
    const form = await readForm(req);
    if (form === undefined || !same(form.get('csrf') ?? '', csrf)) {
      return html(403, confirmPage(app.name, s.email, code, target, csrf, 'The form expired. Confirm again.'));
    }
    return this.#confirm(req, app, s, s.email, transfer);
  }

  async #confirm(
    req: IncomingMessage,
    app: GateApp,
    s: AccessSession,
    email: string,
    transfer: string,
  ): Promise<AccessAnswer> {
    const teamDomain = app.teamDomain;
    if (teamDomain === undefined) return html(403, messagePage('Not set up', 'This account has no team domain.'));
    // A token of its own (not the browser's cookie): logging out in the browser leaves the CLI logged in.
    const issuedAt = issueTime(app, new Date());
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const ttl = sessionSeconds(app);
    const token = await signAccessJwt(await this.#o.ring.signingKey(app.accountId), {
      teamDomain,
      aud: app.aud,
      subject: { kind: 'user', email, userId: s.sub },
      issuedAt,
      ttlSeconds: ttl,
    });
    const put = await this.transfers.put(transfer, { token, aud: app.aud, user: s.sub });
    if (put === 'exists') {
      return html(409, messagePage('Already authorized', 'This login was authorized already; nothing changed.'));
    }
    if (put === 'full') {
      return html(
        429,
        messagePage('Too many logins', `Too many command-line logins are waiting; try again in a few minutes.`),
      );
    }
    this.#sessions.remember(token, {
      accountId: app.accountId,
      aud: app.aud,
      email,
      sub: s.sub,
      iat,
      exp: iat + ttl,
      commonName: undefined,
    });
    await this.#audit(req, app, email);
    return html(
      200,
      messagePage(
        'warren CLI authorized',
        `You can close this page: the command line receives its token within ${ACCESS_CLI_TRANSFER_TTL_MS / 60_000} minutes.`,
      ),
    );
  }

  async #audit(req: IncomingMessage, app: GateApp, email: string): Promise<void> {
    try {
      await this.#o.store.audit.append({
        accountId: app.accountId,
        action: 'login',
        result: true,
        actor: { id: userUuid(app.accountId, email), email, ip: normalizeIp(req.socket.remoteAddress), type: 'user' },
        interface: 'Access',
        resource: { id: app.id, type: 'access_app' },
        metadata: { app_name: app.name, app_uid: app.id, aud: app.aud, via: 'warren access login' },
      });
    } catch (err) {
      this.#o.logger.error({ appId: app.id, err: (err as Error).message }, 'access: the CLI login audit entry failed');
    }
  }
}

/**
 * The confirmation form's CSRF value: bound to the visitor's session token and the transfer id,
 * so a page elsewhere cannot post a confirmation with the visitor's cookie (it knows neither).
 */
function confirmCsrf(transfer: string, session: string): string {
  return createHash('sha256').update(`warren access cli confirm\n${transfer}\n${session}`).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function confirmPage(
  appName: string,
  email: string,
  code: string,
  action: string,
  csrf: string,
  message?: string,
): string {
  const note = message === undefined ? '' : `<p class="note" role="status">${esc(message)}</p>`;
  return page(
    'Authorize warren CLI?',
    `<h1>Authorize warren CLI?</h1>${note}
<p>A <code>warren access login</code> command asks to act as <strong>${esc(email)}</strong> on <strong>${esc(appName)}</strong>.</p>
<p>It printed this code:</p><p class="note"><strong id="code">${esc(code)}</strong></p>
<p>Authorize only if you ran that command yourself just now and your terminal shows the same code. If not, close this page.</p>
<form method="post" action="${esc(action)}"><input type="hidden" name="csrf" value="${esc(csrf)}">
<button type="submit">Authorize</button></form>`,
  );
}
