import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type AccessSessionCache,
  appCoversHost,
  type GateApp,
  OneTimePins,
  signAccessJwt,
} from '../../access/index.js';
import { normalizeIp } from '../registration/tunnel-listener.js';
import type { AccessEdgeOptions } from './access-edge.js';
import {
  ACCESS_COOKIE,
  type AccessAnswer,
  CSRF_COOKIE,
  cookieValue,
  edgeUrl,
  json,
  portSuffix,
  readForm,
  redirect,
  sameHostPath,
} from './access-http.js';
import { auditLogin } from './access-login-audit.js';
import { html, launcherPage, loginPage, messagePage, tooMany, userUuid } from './access-login-page.js';
import { AccessOidc, OIDC_CALLBACK_PATH } from './access-oidc.js';
import { issueTime, sessionSeconds } from './access-tokens.js';

const LOGIN_PREFIX = '/cdn-cgi/access/login/';
const TEAM_SESSION_S = 24 * 3600; // 24 hours of single sign-on across the account's apps
const NO_DOMAIN = { host: '', wildcard: false, path: '' };
const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,190}$/;

/** An identity provider the login page can offer. */
interface IdpRef {
  id: string;
  type: string;
  name: string;
}

/** Who logged in: the address, the provider, and the provider's mapped claims (OIDC). */
interface Who {
  email: string;
  idp: { id: string; type: string };
  custom?: Readonly<Record<string, unknown>> | undefined;
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
  readonly #oidc: AccessOidc;

  constructor(options: AccessEdgeOptions, sessions: AccessSessionCache) {
    this.#o = options;
    this.#sessions = sessions;
    this.#oidc = new AccessOidc(options.store, undefined, options.idpFetch);
  }

  /** The account's one-time PIN identity provider, if it has one (sessions from before idp was recorded). */
  async idpOf(accountId: string): Promise<{ id: string; type: string } | undefined> {
    const otp = (await this.#idpsOf(accountId)).find((r) => r.type === 'onetimepin');
    return otp === undefined ? undefined : { id: otp.id, type: otp.type };
  }

  /** The account's identity providers that `app` admits (`allowed_idps`; empty or absent: all). */
  async #idpsOf(accountId: string, app?: GateApp): Promise<IdpRef[]> {
    const rows = await this.#o.store.access.identityProviders(accountId);
    const allowed = app?.settings.allowed_idps;
    return rows
      .filter((r) => r.type === 'onetimepin' || r.type === 'oidc')
      .filter((r) => !Array.isArray(allowed) || allowed.length === 0 || allowed.includes(r.id))
      .map((r) => {
        const name = (JSON.parse(r.data) as { name?: unknown }).name;
        return { id: r.id, type: r.type, name: typeof name === 'string' ? name : r.type };
      });
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
    if (path === OIDC_CALLBACK_PATH) return this.#callback(req, team, accountId, query, scheme);
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
    const idps = await this.#idpsOf(accountId, app);
    const otp = idps.find((i) => i.type === 'onetimepin');
    const oidcs = idps.filter((i) => i.type === 'oidc');
    if (idps.length === 0) {
      return html(503, messagePage('No login method', 'No identity provider is set up for this application.'));
    }
    // Single sign-on: a team session logs into every app of the account that admits its provider.
    const teamToken = cookieValue(req.headers.cookie, ACCESS_COOKIE);
    const s = teamToken === undefined ? null : await this.#teamSession(teamToken, team, accountId);
    const sIdp = s?.idp ?? (otp === undefined ? undefined : { id: otp.id, type: otp.type });
    if (!post && s?.email !== undefined && sIdp !== undefined && idps.some((i) => i.id === sIdp.id)) {
      return this.#finish(req, team, app, appHost, back, { email: s.email, idp: sIdp, custom: s.custom }, ip, scheme);
    }
    const loginLink = `${LOGIN_PREFIX}${encodeURIComponent(appHost)}?kid=${app.aud}&redirect_url=${encodeURIComponent(back)}`;
    const chosen = post ? null : query.get('idp');
    // auto_redirect_to_identity: with one provider (and no PIN form to show) go straight to it.
    const auto = app.settings.auto_redirect_to_identity === true && idps.length === 1 ? oidcs[0] : undefined;
    const target = chosen === null ? auto : oidcs.find((i) => i.id === chosen);
    if (chosen !== null && target === undefined) {
      return html(400, messagePage('Unknown login method', 'This application does not offer that login method.'));
    }
    if (target !== undefined) {
      const p = await this.#oidc.provider(accountId, target.id);
      if (p === undefined)
        return html(503, messagePage('Login method unavailable', 'This identity provider is not usable.'));
      const redirectUri = edgeUrl(scheme, team, portSuffix(req.headers.host), OIDC_CALLBACK_PATH);
      return this.#oidc.start(p, { accountId, aud: app.aud, appHost, back, redirectUri }, scheme === 'https');
    }
    const providers = oidcs.map((i) => ({ name: i.name, href: `${loginLink}&idp=${encodeURIComponent(i.id)}` }));
    if (otp === undefined && post) return html(400, messagePage('Bad form', 'This application has no PIN login.'));
    const idp = { id: otp?.id ?? '', type: 'onetimepin' };
    const done = (email: string): Promise<AccessAnswer> =>
      this.#finish(req, team, app, appHost, back, { email, idp }, ip, scheme);

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
          otp: otp !== undefined,
          providers,
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
    const idp = s?.idp ?? (await this.idpOf(accountId));
    const ip = normalizeIp(req.socket.remoteAddress);
    const port = portSuffix(req.headers.host);
    const apps = this.#o.gate
      .appsOf(accountId)
      .filter((a) => a.settings.app_launcher_visible !== false && !a.domain.wildcard)
      .filter(
        (a) =>
          this.#o.gate.evaluate(a, { ip, email, loginMethod: idp?.id, oidcClaims: s?.custom }).decision === 'allow',
      )
      .map((a) => ({ name: a.name, url: `${scheme}://${a.domain.host}${port}${a.domain.path || '/'}` }))
      .sort((x, y) => x.name.localeCompare(y.name));
    return html(200, launcherPage(team, email, apps));
  }

  /** The app `kid` names, when it belongs to this team and covers `appHost`. */
  #appFor(accountId: string, appHost: string, kid: string): GateApp | undefined {
    const app = this.#o.gate.appByAud(kid);
    if (app === undefined || app.accountId !== accountId) return undefined;
    // A valid host name the app's domain covers: `evil.example/?.w.example.com` is neither.
    return appCoversHost(app.domain, appHost) ? app : undefined;
  }

  #teamSession(token: string, team: string, accountId: string) {
    return this.#sessions.verify(token, { accountId, aud: team, teamDomain: team }, Math.floor(Date.now() / 1000));
  }

  /**
   * The identity provider's answer: a verified identity goes on as a login; anything else (bad or
   * replayed state, an error from the provider, an id token that does not verify) is a plain page
   * and a denied `login` entry. Failures count against the source's budget, so forged callbacks
   * cannot fill the audit log.
   */
  async #callback(
    req: IncomingMessage,
    team: string,
    accountId: string,
    query: URLSearchParams,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const ip = normalizeIp(req.socket.remoteAddress);
    const clear = AccessOidc.clearCookie(query, scheme === 'https');
    const refusal = this.#o.throttle.check({ source: ip });
    if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds);
    const r = await this.#oidc.callback(req, accountId, query);
    const app = r.login === undefined ? undefined : this.#appFor(accountId, r.login.appHost, r.login.aud);
    if (!r.ok || app === undefined) {
      const reason = r.ok ? 'oidc: the application is gone' : r.reason;
      this.#o.throttle.failed({ source: ip });
      this.#o.logger.warn({ team, reason }, 'access: an OIDC login failed');
      const email = r.ok ? r.identity.email : r.email;
      await auditLogin(this.#o, app ?? { id: '', accountId, name: '', aud: '', domain: NO_DOMAIN }, {
        email,
        actorId: email === undefined ? '' : userUuid(accountId, email),
        ip,
        idp: { id: r.ok ? r.identity.idp.id : (r.idpId ?? ''), type: 'oidc' },
        allowed: false,
        reason,
      });
      const message = r.ok ? 'This application no longer exists.' : r.message;
      return html(400, messagePage('Login failed', message), clear);
    }
    const answer = await this.#finish(req, team, app, r.login.appHost, r.login.back, r.identity, ip, scheme);
    answer.headers.push(...clear);
    return answer;
  }

  /** A proven identity: the app's policies decide; allowed → team session + app token + back to the app. */
  async #finish(
    req: IncomingMessage,
    team: string,
    app: GateApp,
    appHost: string,
    back: string,
    who: Who,
    ip: string,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const { email, idp, custom } = who;
    const verdict = this.#o.gate.evaluate(app, { ip, email, loginMethod: idp.id, oidcClaims: custom });
    if (verdict.decision !== 'allow') {
      await this.#audit(app, email, ip, idp, false, 'no policy allows this identity');
      return html(403, messagePage('Access denied', `${email} may not use ${app.name}.`));
    }
    await this.#audit(app, email, ip, idp, true, undefined);
    const now = issueTime(app, new Date());
    const nowS = Math.floor(now.getTime() / 1000);
    const key = await this.#o.ring.signingKey(app.accountId);
    const userId = userUuid(app.accountId, email);
    const subject = { kind: 'user' as const, email, userId, idp, custom };
    const ttl = sessionSeconds(app);
    const jwt = await signAccessJwt(key, { teamDomain: team, aud: app.aud, subject, issuedAt: now, ttlSeconds: ttl });
    const teamJwt = await signAccessJwt(key, {
      teamDomain: team,
      aud: team,
      subject,
      issuedAt: now,
      ttlSeconds: TEAM_SESSION_S,
    });
    const base = { accountId: app.accountId, email, sub: userId, iat: nowS, commonName: undefined, idp, custom };
    this.#sessions.remember(jwt, { ...base, aud: app.aud, exp: nowS + ttl });
    this.#sessions.remember(teamJwt, { ...base, aud: team, exp: nowS + TEAM_SESSION_S });
    const secure = scheme === 'https' ? '; Secure' : '';
    // From parts, never a joined string: the token goes to `appHost` and nowhere else.
    const location = edgeUrl(scheme, appHost, portSuffix(req.headers.host), '/cdn-cgi/access/authorized', {
      token: jwt,
      redirect_url: back,
    });
    return redirect(location, [
      `${ACCESS_COOKIE}=${teamJwt}; Path=/; Max-Age=${TEAM_SESSION_S}; HttpOnly; SameSite=Lax${secure}`,
    ]);
  }

  #audit(
    app: GateApp,
    email: string,
    ip: string,
    idp: { id: string; type: string },
    allowed: boolean,
    reason: string | undefined,
  ): Promise<void> {
    return auditLogin(this.#o, app, { email, actorId: userUuid(app.accountId, email), ip, idp, allowed, reason });
  }
}

function lockoutReason(r: { scope: string; retryAfterSeconds: number }): string {
  return `too many code requests or wrong codes: ${r.scope} locked out for ${r.retryAfterSeconds} s`;
}
