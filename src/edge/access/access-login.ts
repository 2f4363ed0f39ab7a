import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type AccessSessionCache,
  appCoversHost,
  type GateApp,
  OneTimePins,
  OTP_TTL_MS,
  signAccessJwt,
} from '../../access/index.js';
import { normalizeIp } from '../registration/tunnel-listener.js';
import { denial } from './access-denial.js';
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
  sameSecret,
} from './access-http.js';
import { launcher } from './access-launcher.js';
import { auditLogin, lockoutReason } from './access-login-audit.js';
import { appFace, html, loginPage, messageAnswer, messagePage, tooMany, userUuid } from './access-login-page.js';
import { AccessOidc, OIDC_CALLBACK_PATH } from './access-oidc.js';
import { type PageOptions, teamLookOf } from './access-page-shell.js';
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

/**
 * The team domain `<team>.access.D`: the JWKS, the one-time PIN login, the team session
 * (single sign-on across the account's apps) and its logout.
 */
export class AccessLogin {
  readonly #o: AccessEdgeOptions;
  readonly #sessions: AccessSessionCache;
  readonly #pins: OneTimePins;
  readonly #oidc: AccessOidc;

  constructor(options: AccessEdgeOptions, sessions: AccessSessionCache) {
    this.#o = options;
    this.#sessions = sessions;
    this.#pins = new OneTimePins(options.store);
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
      })
      .sort((x, y) => (Array.isArray(allowed) ? allowed.indexOf(x.id) - allowed.indexOf(y.id) : 0));
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
    const view: PageOptions = { look: teamLookOf((await this.#o.store.access.organization(accountId))?.data) };
    if (path === '/cdn-cgi/access/logout') {
      const token = cookieValue(req.headers.cookie, ACCESS_COOKIE);
      const s = token === undefined ? null : await this.#teamSession(token, team, accountId);
      if (token !== undefined && s !== null) this.#sessions.end(token, s.exp);
      return html(200, messagePage('Logged out', 'You are signed out of every application of this team.', view), [
        'set-cookie',
        `${ACCESS_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${scheme === 'https' ? '; Secure' : ''}`,
      ]);
    }
    if (path.startsWith(LOGIN_PREFIX)) return this.#login(req, team, accountId, path, query, scheme, view);
    if (path === OIDC_CALLBACK_PATH) return this.#callback(req, team, accountId, query, scheme, view);
    if (path === '/') return this.#launcher(req, team, accountId, scheme, view);
    return messageAnswer(404, 'Not found', 'There is nothing at this address.', view, {
      href: '/',
      text: 'App Launcher',
    });
  }

  async #login(
    req: IncomingMessage,
    team: string,
    accountId: string,
    path: string,
    query: URLSearchParams,
    scheme: 'http' | 'https',
    view: PageOptions,
  ): Promise<AccessAnswer> {
    let appHost: string;
    try {
      appHost = decodeURIComponent(path.slice(LOGIN_PREFIX.length)).toLowerCase();
    } catch {
      return messageAnswer(400, 'Bad sign-in link', 'The sign-in link is malformed. Open the application again.', view);
    }
    const post = req.method === 'POST';
    const form = post ? await readForm(req) : undefined;
    if (post && form === undefined) return messageAnswer(400, 'Bad form', 'The form could not be read.', view);
    const field = (name: string): string => (form ?? query).get(name) ?? '';
    const app = this.#appFor(accountId, appHost, field('kid'));
    if (app === undefined) {
      return messageAnswer(
        404,
        'Unknown application',
        'This sign-in link does not lead to an application of this team.',
        view,
      );
    }
    const back = sameHostPath(field('redirect_url') || '/');
    if (back === undefined) {
      return messageAnswer(400, 'Bad sign-in link', "redirect_url must be a path on the application's own host.", view);
    }
    const ip = normalizeIp(req.socket.remoteAddress);
    const idps = await this.#idpsOf(accountId, app);
    const otp = idps.find((i) => i.type === 'onetimepin');
    const oidcs = idps.filter((i) => i.type === 'oidc');
    if (idps.length === 0) {
      return messageAnswer(503, 'No sign-in method', 'No identity provider is set up for this application yet.', view);
    }
    // Single sign-on: a team session logs into every app of the account that admits its provider.
    const teamToken = cookieValue(req.headers.cookie, ACCESS_COOKIE);
    const s = teamToken === undefined ? null : await this.#teamSession(teamToken, team, accountId);
    const sIdp = s?.idp ?? (otp === undefined ? undefined : { id: otp.id, type: otp.type });
    const another = !post && query.get('another') === '1';
    if (!post && !another && s?.email !== undefined && sIdp !== undefined && idps.some((i) => i.id === sIdp.id)) {
      const who = { email: s.email, idp: sIdp, custom: s.custom };
      return this.#finish(req, team, app, appHost, back, who, ip, scheme, view);
    }
    const loginLink = `${LOGIN_PREFIX}${encodeURIComponent(appHost)}?kid=${app.aud}&redirect_url=${encodeURIComponent(back)}`;
    const chosen = post ? null : query.get('idp');
    // auto_redirect_to_identity: with one provider (and no PIN form to show) go straight to it.
    const auto = app.settings.auto_redirect_to_identity === true && idps.length === 1 ? oidcs[0] : undefined;
    const target = chosen === null ? auto : oidcs.find((i) => i.id === chosen);
    if (chosen !== null && target === undefined) {
      return messageAnswer(400, 'Unknown sign-in method', 'This application does not offer that way to sign in.', view);
    }
    if (target !== undefined) {
      const p = await this.#oidc.provider(accountId, target.id);
      if (p === undefined)
        return messageAnswer(
          503,
          'Sign-in method unavailable',
          'This identity provider is not usable right now.',
          view,
          {
            href: loginLink,
            text: 'Choose another way to sign in',
          },
        );
      const redirectUri = edgeUrl(scheme, team, portSuffix(req.headers.host), OIDC_CALLBACK_PATH);
      return this.#oidc.start(p, { accountId, aud: app.aud, appHost, back, redirectUri }, scheme === 'https');
    }
    const providers = oidcs.map((i) => ({
      name: i.name,
      href: `${loginLink}${another ? '&another=1' : ''}&idp=${encodeURIComponent(i.id)}`,
    }));
    if (otp === undefined && post) {
      return messageAnswer(400, 'Bad form', 'This application has no one-time PIN sign-in.', view);
    }
    const idp = { id: otp?.id ?? '', type: 'onetimepin' };
    const done = (email: string): Promise<AccessAnswer> =>
      this.#finish(req, team, app, appHost, back, { email, idp }, ip, scheme, view);

    const csrf = cookieValue(req.headers.cookie, CSRF_COOKIE);
    const fresh =
      csrf === undefined || !/^[A-Za-z0-9_-]{32}$/.test(csrf) ? randomBytes(24).toString('base64url') : csrf;
    const csrfCookie = `${CSRF_COOKIE}=${fresh}; Path=/cdn-cgi/access/; HttpOnly; SameSite=Strict${scheme === 'https' ? '; Secure' : ''}`;
    const render = (status: number, step: 'email' | 'code', extra: Partial<Parameters<typeof loginPage>[0]> = {}) =>
      html(
        status,
        loginPage({
          ...view,
          app: { name: app.name, logoUrl: appFace(app).logoUrl },
          action: `${LOGIN_PREFIX}${encodeURIComponent(appHost)}`,
          restart: loginLink,
          codeMinutes: OTP_TTL_MS / 60_000,
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
      const refusal = await throttle.check({ address: email, source: ip });
      if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds, view);
      // Each code request draws on the address's and the source's budget (mail bombing, enumeration).
      const locked = await throttle.failed({ address: email, source: ip });
      if (locked !== undefined) await this.#audit(app, email, ip, idp, false, lockoutReason(locked));
      const pin = await this.#pins.issue(email, app.aud);
      const verdict = this.#o.gate.evaluate(app, { ip, email, loginMethod: idp.id });
      // Mail only to addresses the policies admit; the page is the same and the mail not awaited (no oracle).
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
    const address = await this.#pins.emailOf(otpId);
    const refusal = await throttle.check({ address, source: ip });
    if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds, view);
    const r = await this.#pins.check(otpId, app.aud, field('code'));
    if (r.ok) {
      await throttle.succeeded({ address: r.email, source: ip });
      return done(r.email);
    }
    const locked = await throttle.failed({ address: r.email, source: ip });
    if (locked !== undefined && r.email !== undefined) {
      await this.#audit(app, r.email, ip, idp, false, lockoutReason(locked));
    }
    if (r.why === 'wrong') {
      return render(401, 'code', { email: r.email, otpId, message: 'That code is not right. Try again.' });
    }
    if (r.email !== undefined) await this.#audit(app, r.email, ip, idp, false, 'code void (expired or too many tries)');
    return render(401, 'email', { message: 'This code has expired or was tried too often. Ask for a new one.' });
  }

  async #launcher(req: IncomingMessage, team: string, accountId: string, scheme: 'http' | 'https', view: PageOptions) {
    const token = cookieValue(req.headers.cookie, ACCESS_COOKIE);
    const s = token === undefined ? null : await this.#teamSession(token, team, accountId);
    const user =
      s?.email === undefined
        ? undefined
        : { email: s.email, idp: s.idp ?? (await this.idpOf(accountId)), custom: s.custom };
    return launcher(this.#o.gate, req, team, accountId, scheme, view, user);
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
    view: PageOptions,
  ): Promise<AccessAnswer> {
    const ip = normalizeIp(req.socket.remoteAddress);
    const clear = AccessOidc.clearCookie(query, scheme === 'https');
    const refusal = await this.#o.throttle.check({ source: ip });
    if (refusal !== undefined) return tooMany(refusal.retryAfterSeconds, view);
    const r = await this.#oidc.callback(req, accountId, query);
    const app = r.login === undefined ? undefined : this.#appFor(accountId, r.login.appHost, r.login.aud);
    if (!r.ok || app === undefined) {
      const reason = r.ok ? 'oidc: the application is gone' : r.reason;
      await this.#o.throttle.failed({ source: ip });
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
      return html(400, messagePage('Sign-in failed', message, view, { href: '/', text: 'App Launcher' }), clear);
    }
    const answer = await this.#finish(req, team, app, r.login.appHost, r.login.back, r.identity, ip, scheme, view);
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
    view: PageOptions,
  ): Promise<AccessAnswer> {
    const { email, idp, custom } = who;
    const verdict = this.#o.gate.evaluate(app, { ip, email, loginMethod: idp.id, oidcClaims: custom });
    if (verdict.decision !== 'allow') {
      await this.#audit(app, email, ip, idp, false, 'no policy allows this identity');
      const another = `${LOGIN_PREFIX}${encodeURIComponent(appHost)}?kid=${app.aud}&redirect_url=${encodeURIComponent(back)}&another=1`;
      return denial(app, email, another, view);
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
