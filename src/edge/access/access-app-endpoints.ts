import type { IncomingMessage } from 'node:http';
import type { AccessSession, AccessSessionCache, GateApp } from '../../access/index.js';
import {
  ACCESS_COOKIE,
  type AccessAnswer,
  edgeUrl,
  json,
  portSuffix,
  redirect,
  sameHostPath,
  text,
} from './access-http.js';
import { revoked, tokenOf } from './access-tokens.js';

const ENDPOINTS = new Set(['/cdn-cgi/access/authorized', '/cdn-cgi/access/logout', '/cdn-cgi/access/get-identity']);

/** The identity provider a session came from, for `get-identity`. */
export type IdpOf = (accountId: string) => Promise<{ id: string; type: string } | undefined>;

/**
 * `/cdn-cgi/access/*` on a protected host: `authorized` (sets the app cookie after a login on
 * the team domain), `logout`, `get-identity`. These never reach the origin.
 */
export class AccessAppEndpoints {
  readonly #sessions: AccessSessionCache;
  readonly #idpOf: IdpOf;

  constructor(sessions: AccessSessionCache, idpOf: IdpOf) {
    this.#sessions = sessions;
    this.#idpOf = idpOf;
  }

  /** Whether a request path (the gate's canonical reading) is one of these endpoints. */
  static handles(path: string): boolean {
    return ENDPOINTS.has(path);
  }

  /** The session of `token` for `app` (verified once, then cached), or null: invalid, expired, revoked. */
  async verify(app: GateApp, token: string, nowS: number): Promise<AccessSession | null> {
    if (app.teamDomain === undefined) return null;
    const s = await this.#sessions.verify(
      token,
      { accountId: app.accountId, aud: app.aud, teamDomain: app.teamDomain },
      nowS,
    );
    return s === null || revoked(app, s) ? null : s;
  }

  async serve(
    req: IncomingMessage,
    app: GateApp,
    path: string,
    target: string,
    scheme: 'http' | 'https',
  ): Promise<AccessAnswer> {
    const nowS = Math.floor(Date.now() / 1000);
    const query = new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '');
    switch (path) {
      case '/cdn-cgi/access/authorized': {
        const token = query.get('token') ?? '';
        const s = token === '' ? null : await this.verify(app, token, nowS);
        if (s === null)
          return text(403, 'This login link is not valid (expired, revoked, or for another application).\n');
        // Only a path on this host: a login can never send the visitor elsewhere (no open redirect).
        const back = sameHostPath(query.get('redirect_url')) ?? '/';
        return redirect(back, [appCookie(app, token, s.exp - nowS, scheme)]);
      }
      case '/cdn-cgi/access/logout': {
        const token = tokenOf(req);
        if (token !== undefined) {
          const s = await this.verify(app, token, nowS);
          if (s !== null) this.#sessions.end(token, s.exp);
        }
        const cleared = `${ACCESS_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${scheme === 'https' ? '; Secure' : ''}`;
        if (app.teamDomain === undefined)
          return { ...text(200, 'You are logged out.\n'), headers: ['set-cookie', cleared] };
        // The team domain's session ends too, or the next visit would log straight back in.
        return redirect(edgeUrl(scheme, app.teamDomain, portSuffix(req.headers.host), '/cdn-cgi/access/logout'), [
          cleared,
        ]);
      }
      case '/cdn-cgi/access/get-identity': {
        const token = tokenOf(req);
        const s = token === undefined ? null : await this.verify(app, token, nowS);
        if (s === null) return json(401, { err: 'no valid Access session for this application' });
        const idp = s.email === undefined ? undefined : (s.idp ?? (await this.#idpOf(app.accountId)));
        const groups = s.custom?.groups;
        return json(200, {
          email: s.email,
          idp: idp ?? { id: '', type: s.email === undefined ? 'service_token' : 'onetimepin' },
          user_uuid: s.sub,
          account_id: app.accountId,
          iat: s.iat,
          ip: req.socket.remoteAddress,
          // The provider's mapped claims, as Cloudflare's `custom` (groups also on their own).
          groups: Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [],
          ...(s.custom === undefined ? {} : { custom: s.custom }),
          ...(s.commonName === undefined ? {} : { common_name: s.commonName }),
        });
      }
      default:
        return text(404, 'Not found.\n');
    }
  }
}

/** `CF_Authorization` for the app's host only (no Domain), with the app's cookie settings. */
function appCookie(app: GateApp, token: string, maxAgeS: number, scheme: 'http' | 'https'): string {
  const sameSite = String(app.settings.same_site_cookie_attribute ?? 'lax').toLowerCase();
  const ss = sameSite === 'strict' ? 'Strict' : sameSite === 'none' ? 'None' : 'Lax';
  const parts = [`${ACCESS_COOKIE}=${token}`, 'Path=/', `Max-Age=${Math.max(0, maxAgeS)}`];
  if (app.settings.http_only_cookie_attribute !== false) parts.push('HttpOnly');
  parts.push(`SameSite=${ss}`);
  if (scheme === 'https' || ss === 'None') parts.push('Secure');
  return parts.join('; ');
}
