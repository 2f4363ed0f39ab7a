import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type AccessSessionCache, type GateApp, OneTimePins, signAccessJwt } from '../access/index.js';
import type { AccessEdgeOptions } from './access-edge.js';
import {
  ACCESS_COOKIE,
  type AccessAnswer,
  CSRF_COOKIE,
  cookieValue,
  json,
  portSuffix,
  readForm,
  redirect,
  sameHostPath,
} from './access-http.js';
import { launcherPage, loginPage, messagePage } from './access-login-page.js';
import { issueTime, sessionSeconds } from './access-tokens.js';
import { normalizeIp } from './tunnel-listener.js';

const LOGIN_PREFIX = '/cdn-cgi/access/login/';
const TEAM_SESSION_S = 24 * 3600; // 24 hours of single sign-on across the account's apps
const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,190}$/;

export function html(status: number, body: string, headers: string[] = []): AccessAnswer {
  return {
    status,
    headers: [
      'content-type',
      'text/html; charset=utf-8',
      'cache-control',
      'no-store',
      'x-frame-options',
      'DENY',
      'content-security-policy',
      // No form-action: browsers apply it to the redirect after the code, which leads to the app's host.
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      ...headers,
    ],
    body,
  };
}

/** A stable user id per account and address (`sub`, `user_uuid`), without storing anything. */
export function userUuid(accountId: string, email: string): string {
  const h = createHash('sha256').update(`${accountId}\n${email.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The team domain `<team>.access.D`: the JWKS, the one-time PIN login, the team session
 * (single sign-on across the account's apps) and its logout.
 */
export class AccessLogin {
  readonly #o: AccessEdgeOptions;
  readonly #sessions: AccessSessionCache;
  readonly #pins = new OneTimePins();

  constructor(options: AccessEdgeOptions, sessions: AccessSessionCache) {
    this.#o = options;
    this.#sessions = sessions;
  }

  /** The account's one-time PIN identity provider, if it has one. */
  async idpOf(accountId: string): Promise<{ id: string; type: string } | undefined> {
    const rows = await this.#o.store.access.identityProviders(accountId);
    const otp = rows.find((r) => r.type === 'onetimepin');
    return otp === undefined ? undefined : { id: otp.id, type: otp.type };
  }

  async serve(
    req: IncomingMessage,
    team: string,
    accountId: string,
    target: string,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    if (path === '/cdn-cgi/access/certs') {
      const doc = await this.#o.ring.jwks(accountId);
      return {
        ...json(200, doc),
        headers: ['content-type', 'application/json', 'cache-control', 'public, max-age=300'],
      };
    }
    if (path === '/cdn-cgi/access/logout') {
      const token = cookieValue(req.headers.cookie, ACCESS_COOKIE);
      const s = token === undefined ? null : await this.#teamSession(token, team, accountId);
      if (token !== undefined && s !== null) this.#sessions.end(token, s.exp);
      return html(200, messagePage('Logged out', 'You are logged out of every application of this team.'), [
        'set-cookie',
        `${ACCESS_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${scheme === 'https' ? '; Secure' : ''}`,
      ]);
    }
    if (path.startsWith(LOGIN_PREFIX)) return this.#login(req, team, accountId, path, query, scheme);
    if (path === '/') return this.#launcher(req, team, accountId, scheme);
    return html(404, messagePage('Not found', 'There is nothing here.'));
  }

  async #login(
    req: IncomingMessage,
    team: string,
    accountId: string,
    path: string,
    query: URLSearchParams,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    let appHost: string;
    try {
      appHost = decodeURIComponent(path.slice(LOGIN_PREFIX.length)).toLowerCase();
    } catch {
      return html(400, messagePage('Bad login link', 'The login link is malformed.'));
    }
    const post = req.method === 'POST';
    const form = post ? await readForm(req) : undefined;
    if (post && form === undefined) return html(400, messagePage('Bad form', 'The form could not be read.'));
    const field = (name: string): string => (form ?? query).get(name) ?? '';
    const app = this.#appFor(accountId, appHost, field('kid'));
    if (app === undefined) {
      return html(
        404,
        messagePage('Unknown application', 'This login link does not lead to an application of this team.'),
      );
    }
    const back = sameHostPath(field('redirect_url') || '/');
    if (back === undefined) {
      return html(400, messagePage('Bad login link', "redirect_url must be a path on the application's own host."));
    }
    const ip = normalizeIp(req.socket.remoteAddress);
    const idp = await this.idpOf(accountId);
    const allowedIdps = app.settings.allowed_idps;
    if (idp === undefined || (Array.isArray(allowedIdps) && allowedIdps.length > 0 && !allowedIdps.includes(idp.id))) {
      return html(503, messagePage('No login method', 'No one-time PIN login is set up for this application.'));
    }
    const done = (email: string): Promise<AccessAnswer> =>
      this.#finish(req, team, app, appHost, back, email, ip, idp, scheme);
    // Single sign-on: a team session logs into every app of the account that admits it.
    const teamToken = cookieValue(req.headers.cookie, ACCESS_COOKIE);
    const teamSession = teamToken === undefined ? null : await this.#teamSession(teamToken, team, accountId);
    if (!post && teamSession?.email !== undefined) return done(teamSession.email);

    const csrf = cookieValue(req.headers.cookie, CSRF_COOKIE);
    const fresh =
      csrf === undefined || !/^[A-Za-z0-9_-]{32}$/.test(csrf) ? randomBytes(24).toString('base64url') : csrf;
    const csrfCookie = `${CSRF_COOKIE}=${fresh}; Path=/cdn-cgi/access/; HttpOnly; SameSite=Strict${scheme === 'https' ? '; Secure' : ''}`;
    const render = (status: number, step: 'email' | 'code', extra: Partial<Parameters<typeof loginPage>[0]> = {}) =>
      html(
        status,
        loginPage({
          appName: app.name,
          teamDomain: team,
          action: `${LOGIN_PREFIX}${encodeURIComponent(appHost)}`,
          csrf: fresh,
          kid: app.aud,
          redirectUrl: back,
          step,
          ...extra,
        }),
        ['set-cookie', csrfCookie],
      );
    if (!post) return render(200, 'email');
    if (csrf === undefined || !sameSecret(csrf, field('csrf'))) {
      return render(403, 'email', { message: 'The form expired. Enter your e-mail address again.' });
    }
    const throttle = this.#o.throttle;
    if (field('step') === 'email') {
      const email = field('email').trim().toLowerCase();
      if (!EMAIL.test(email)) return render(400, 'email', { message: 'Enter an e-mail address.' });
      const refusal = throttle.check({ address: email, source: ip });
      if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds);
      // Each code request draws on the address's and the source's budget (mail bombing, enumeration).
      const locked = throttle.failed({ address: email, source: ip });
      if (locked !== undefined) await this.#audit(app, email, ip, idp, false, lockoutReason(locked));
      const pin = this.#pins.issue(email, app.aud);
      const verdict = this.#o.gate.evaluate(app, { ip, email, loginMethod: idp.id });
      // Mail only goes to addresses the app's policies would let in; the page reads the same either way,
      // and the mail is not awaited, so neither the answer nor its timing tells them apart.
      if (verdict.decision === 'allow' && this.#o.mailer !== undefined) {
        this.#o.mailer
          .send({ to: email, code: pin.code, appName: app.name, teamDomain: team })
          .catch((err: Error) =>
            this.#o.logger.error({ appId: app.id, err: err.message }, 'access: the one-time PIN mail failed'),
          );
      } else if (verdict.decision === 'allow') {
        this.#o.logger.error({ appId: app.id }, 'access: a one-time PIN was asked for, but serve has no --smtp-url');
      }
      return render(200, 'code', { email, otpId: pin.id });
    }
    const otpId = field('otp_id');
    const address = this.#pins.emailOf(otpId);
    const refusal = throttle.check({ address, source: ip });
    if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds);
    const r = this.#pins.check(otpId, app.aud, field('code'));
    if (r.ok) {
      throttle.succeeded({ address: r.email, source: ip });
      return done(r.email);
    }
    const locked = throttle.failed({ address: r.email, source: ip });
    if (locked !== undefined && r.email !== undefined) {
      await this.#audit(app, r.email, ip, idp, false, lockoutReason(locked));
    }
    if (r.why === 'wrong') {
      return render(401, 'code', { email: r.email, otpId, message: 'That code is not right. Try again.' });
    }
    if (r.email !== undefined) await this.#audit(app, r.email, ip, idp, false, 'code void (expired or too many tries)');
    return render(401, 'email', { message: 'This code has expired or was tried too often. Ask for a new one.' });
  }

  /**
   * The app launcher: apps with `app_launcher_visible` (and no wildcard, which has no one address)
   * that the team session's user may open under their policies now.
   */
  async #launcher(req: IncomingMessage, team: string, accountId: string, scheme: 'http' | 'https') {
    const token = cookieValue(req.headers.cookie, ACCESS_COOKIE);
    const s = token === undefined ? null : await this.#teamSession(token, team, accountId);
    const email = s?.email;
    if (email === undefined) return html(200, launcherPage(team, undefined, []));
    const idp = await this.idpOf(accountId);
    const ip = normalizeIp(req.socket.remoteAddress);
    const port = portSuffix(req.headers.host);
    const apps = this.#o.gate
      .appsOf(accountId)
      .filter((a) => a.settings.app_launcher_visible !== false && !a.domain.wildcard)
      .filter((a) => this.#o.gate.evaluate(a, { ip, email, loginMethod: idp?.id }).decision === 'allow')
      .map((a) => ({ name: a.name, url: `${scheme}://${a.domain.host}${port}${a.domain.path || '/'}` }))
      .sort((x, y) => x.name.localeCompare(y.name));
    return html(200, launcherPage(team, email, apps));
  }

  /** The app `kid` names, when it belongs to this team and covers `appHost`. */
  #appFor(accountId: string, appHost: string, kid: string): GateApp | undefined {
    const app = this.#o.gate.appByAud(kid);
    if (app === undefined || app.accountId !== accountId) return undefined;
    const d = app.domain;
    return (d.wildcard ? appHost.endsWith(`.${d.host}`) : appHost === d.host) ? app : undefined;
  }

  #teamSession(token: string, team: string, accountId: string) {
    return this.#sessions.verify(token, { accountId, aud: team, teamDomain: team }, Math.floor(Date.now() / 1000));
  }

  /** A proven address: the app's policies decide; allowed → team session + app token + back to the app. */
  async #finish(
    req: IncomingMessage,
    team: string,
    app: GateApp,
    appHost: string,
    back: string,
    email: string,
    ip: string,
    idp: { id: string; type: string },
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const verdict = this.#o.gate.evaluate(app, { ip, email, loginMethod: idp.id });
    if (verdict.decision !== 'allow') {
      await this.#audit(app, email, ip, idp, false, 'no policy allows this identity');
      return html(403, messagePage('Access denied', `${email} may not use ${app.name}.`));
    }
    await this.#audit(app, email, ip, idp, true, undefined);
    const now = issueTime(app, new Date());
    const nowS = Math.floor(now.getTime() / 1000);
    const key = await this.#o.ring.signingKey(app.accountId);
    const userId = userUuid(app.accountId, email);
    const subject = { kind: 'user' as const, email, userId };
    const ttl = sessionSeconds(app);
    const jwt = await signAccessJwt(key, { teamDomain: team, aud: app.aud, subject, issuedAt: now, ttlSeconds: ttl });
    const teamJwt = await signAccessJwt(key, {
      teamDomain: team,
      aud: team,
      subject,
      issuedAt: now,
      ttlSeconds: TEAM_SESSION_S,
    });
    const base = { accountId: app.accountId, email, sub: userId, iat: nowS, commonName: undefined };
    this.#sessions.remember(jwt, { ...base, aud: app.aud, exp: nowS + ttl });
    this.#sessions.remember(teamJwt, { ...base, aud: team, exp: nowS + TEAM_SESSION_S });
    const secure = scheme === 'https' ? '; Secure' : '';
    const location =
      `${scheme}://${appHost}${portSuffix(req.headers.host)}/cdn-cgi/access/authorized` +
      `?token=${jwt}&redirect_url=${encodeURIComponent(back)}`;
    return redirect(location, [
      `${ACCESS_COOKIE}=${teamJwt}; Path=/; Max-Age=${TEAM_SESSION_S}; HttpOnly; SameSite=Lax${secure}`,
    ]);
  }

  async #audit(
    app: GateApp,
    email: string,
    ip: string,
    idp: { id: string; type: string },
    allowed: boolean,
    reason: string | undefined,
  ): Promise<void> {
    try {
      await this.#o.store.audit.append({
        accountId: app.accountId,
        action: 'login',
        result: allowed,
        actor: { id: userUuid(app.accountId, email), email, ip, type: 'user' },
        interface: 'Access',
        resource: { id: app.id, type: 'access_app' },
        metadata: {
          app_name: app.name,
          app_uid: app.id,
          aud: app.aud,
          idp: idp.type,
          idp_id: idp.id,
          ...(reason === undefined ? {} : { reason }),
        },
      });
    } catch (err) {
      this.#o.logger.error({ appId: app.id, err: (err as Error).message }, 'access: the login audit entry failed');
    }
  }
}

function lockoutReason(r: { scope: string; retryAfterSeconds: number }): string {
  return `too many code requests or wrong codes: ${r.scope} locked out for ${r.retryAfterSeconds} s`;
}

function tooMany(retryAfterSeconds: number): AccessAnswer {
  return html(
    429,
    messagePage('Too many attempts', `Too many login attempts. Try again in ${retryAfterSeconds} seconds.`),
    ['retry-after', String(retryAfterSeconds)],
  );
}
