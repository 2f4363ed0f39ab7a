import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { SignInThrottle } from '../../access/index.js';
import {
  type AccessGate,
  type AccessKeyRing,
  type AccessSession,
  AccessSessionCache,
  type AccessSubject,
  appCoversHost,
  type GateApp,
  type IdpFetch,
  isHostname,
  type OtpMailer,
  signAccessJwt,
} from '../../access/index.js';
import { WarrenError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { hostOf } from '../host-of.js';
import { normalizeIp } from '../registration/tunnel-listener.js';
import type { RequestTarget } from '../request-target.js';
import { AccessAppEndpoints } from './access-app-endpoints.js';
import { AccessCliEndpoints } from './access-cli-endpoints.js';
import { certificateDenial, nonIdentityDenial } from './access-denial.js';
import { type AccessAnswer, loginRedirect, text } from './access-http.js';
import { AccessLogin } from './access-login.js';
import { auditLogin } from './access-login-audit.js';
import { issueTime, revoked, sessionSeconds, type TokenCarrier, tokenOf } from './access-tokens.js';
import { gatePath } from './gate-path.js';
import { peerCertificateChain } from './peer-certificate-chain.js';

export interface AccessEdgeOptions {
  gate: AccessGate;
  /** Signs tokens and publishes the JWKS (one ring per process; keys are in the store). */
  ring: Pick<AccessKeyRing, 'signingKey' | 'jwks'>;
  store: Store;
  /** One-time PIN mail; undefined: `--smtp-url` not given, the PIN login says so. */
  mailer: OtpMailer | undefined;
  /** Per address and per source budget for code requests and code guesses. */
  throttle: SignInThrottle;
  /** How the server fetches identity providers' URLs; default: public addresses only (idp-fetch.ts). */
  idpFetch?: IdpFetch | undefined;
  logger: Logger;
}

/**
 * What the gate decides for one visitor request: `undefined` — not protected, forward as is;
 * a header list — forward with these added (`Cf-Access-Jwt-Assertion`, …); an answer — the
 * gate answered (login redirect, 401, a team-domain or `/cdn-cgi/access/*` page).
 */
export type AccessVerdict = undefined | string[] | AccessAnswer;

const NO_HEADERS: string[] = [];
const AMBIGUOUS =
  'The path reads differently with its encoded slashes, path parameters or trailing dots taken as ' +
  'an origin might, and those readings fall under different Access applications. Request the path without them.\n';

function edgeOwned(path: string): boolean {
  return path === '/cdn-cgi/access' || path.startsWith('/cdn-cgi/access/');
}
/** A minted service-token JWT is reused until this close to its expiry. */
const SERVICE_JWT_RENEW_S = 60;
const SERVICE_JWT_TTL_S = 24 * 3600; // 24 hours at most

/**
 * The Access gate at the edge. Per request it reads only memory: the app by host and path
 * (`AccessGate`), the token from `CF_Authorization` or `cf-access-token` (verified once, then a
 * map lookup), or a service token checked against its hash. A miss (a token seen for the first
 * time, a service token's first JWT) costs one asynchronous verification or signature.
 */
export class AccessEdge {
  readonly sessions: AccessSessionCache;
  readonly #o: AccessEdgeOptions;
  readonly #login: AccessLogin;
  readonly #endpoints: AccessAppEndpoints;
  readonly #cli: AccessCliEndpoints;
  readonly #serviceJwts = new Map<string, { jwt: string; iat: number; exp: number }>();

  constructor(options: AccessEdgeOptions) {
    this.#o = options;
    this.sessions = new AccessSessionCache((accountId) => options.ring.jwks(accountId));
    this.#login = new AccessLogin(options, this.sessions);
    this.#endpoints = new AccessAppEndpoints(this.sessions, (accountId) => this.#login.idpOf(accountId));
    this.#cli = new AccessCliEndpoints(options, this.sessions, (app, token, nowS) =>
      this.#endpoints.verify(app, token, nowS),
    );
  }

  /**
   * The visitor proxy's hook: decides for a request (`hostHeader`: its Host or absolute-form
   * authority; `target`: its path and query), then calls `next` with the verdict, at once when
   * memory suffices, else after a verification; `failed` when the gate itself failed (refuse).
   * On a protected host, `target.path` becomes the normal form the gate matched (see gatePath):
   * the origin receives exactly the path the gate decided on.
   */
  gate(
    req: IncomingMessage,
    hostHeader: string | undefined,
    target: RequestTarget,
    scheme: 'http' | 'https',
    next: (v: AccessVerdict) => void,
    failed: () => void,
  ): void {
    const host = hostOf(hostHeader);
    let v: AccessVerdict | Promise<AccessVerdict>;
    if (host === undefined) v = undefined;
    // A name that is not a host name could route through a wildcard record while no app's domain
    // covers it (`evil\x.w.example.com`): refused, never treated as unprotected.
    else if (!isHostname(host)) v = text(400, 'The Host header is not a valid host name.\n');
    else v = this.admit(req, host, target, scheme);
    if (!(v instanceof Promise)) {
      next(v);
      return;
    }
    v.then(next, (err: Error) => {
      this.#o.logger.error({ err: err.message }, 'access: the gate failed; the request is refused');
      failed();
    });
  }

  /**
   * The visitor lane's gate: the verdict when memory decides it and no page is due — undefined
   * (no app covers the host or the path) or the identity headers of a cached, valid session —
   * else false, and the request goes through `gate` on node's server (a login, a team domain,
   * a first sight of a token, a service token, an edge-owned or ambiguous path).
   */
  fromMemory(req: TokenCarrier, hostHeader: string | undefined, target: RequestTarget): string[] | undefined | false {
    const host = hostOf(hostHeader);
    if (host === undefined) return undefined; // as in gate: no verdict, and routing answers 400
    const gate = this.#o.gate;
    if (!isHostname(host) || gate.teamAccount(host) !== undefined) return false;
    if (!gate.protects(host)) return undefined;
    const p = gatePath(target.path);
    if ('error' in p || p.views.some(edgeOwned)) return false;
    const app = gate.lookupViews(host, p.views);
    if (app === undefined) return false;
    let headers: string[] | undefined;
    if (app.app !== undefined) {
      const token = tokenOf(req);
      const s =
        token === undefined ? undefined : this.sessions.cached(token, app.app.aud, Math.floor(Date.now() / 1000));
      if (token === undefined || s === undefined || s === null || revoked(app.app, s)) return false;
      headers = identityHeaders(token, s);
    }
    target.path = p.forward;
    return headers;
  }

  /**
   * The JWKS of team domain `team` for a connector of account `accountId` (the AccessKeys frame).
   * Another account's team, or a name no team has, is refused: a link learns its own keys only.
   */
  readonly teamKeys = async (accountId: string, team: string): Promise<{ keys: unknown[] }> => {
    const owner = this.#o.gate.teamAccount(team.toLowerCase());
    if (owner !== accountId) {
      throw new WarrenError(
        'WARREN_ACCESS_UNVERIFIABLE',
        `${team} is not the Access team domain of this tunnel's account; set teamName to your account's team (Zero Trust → Settings)`,
      );
    }
    return this.#o.ring.jwks(accountId);
  };

  /** `host`: a valid host name, lower case, no port; `target`: the request's path and query (rewritten, see gate). */
  admit(
    req: IncomingMessage,
    host: string,
    target: RequestTarget,
    scheme: 'http' | 'https',
  ): AccessVerdict | Promise<AccessVerdict> {
    const gate = this.#o.gate;
    const team = gate.teamAccount(host);
    if (team !== undefined) return this.#login.serve(req, host, team, target.path, scheme);
    if (!gate.protects(host)) return undefined;
    const p = gatePath(target.path);
    if ('error' in p) return text(400, `${p.error}\n`);
    target.path = p.forward;
    // `/cdn-cgi/access/*` belongs to the edge on every host with an app, whatever the apps' paths.
    if (p.views.some(edgeOwned)) return this.#edgeOwned(req, host, p.canonical, p.forward, scheme);
    const found = gate.lookupViews(host, p.views);
    if (found === undefined) return text(400, AMBIGUOUS);
    const app = found.app;
    if (app === undefined) return undefined;
    const nowS = Math.floor(Date.now() / 1000);
    const token = tokenOf(req);
    if (token !== undefined) {
      const s = this.sessions.cached(token, app.aud, nowS);
      if (s === undefined) return this.#verifyThenAdmit(req, app, host, token, p.forward, scheme, nowS);
      if (s !== null && !revoked(app, s)) return identityHeaders(token, s);
    }
    return this.#withoutSession(req, app, host, p.forward, scheme, nowS);
  }

  /** `/cdn-cgi/access/*` on a host with an app: the edge's endpoints, or 404; never the origin. */
  #edgeOwned(
    req: IncomingMessage,
    host: string,
    path: string,
    target: string,
    scheme: 'http' | 'https',
  ): AccessVerdict | Promise<AccessVerdict> {
    // `warren access login` finds its app by the path it was given, so it works under any app path.
    if (AccessCliEndpoints.handles(path)) return this.#cli.serve(req, host, path, target, scheme);
    if (!AccessAppEndpoints.handles(path)) return text(404, 'Not found.\n');
    // The app is the one the token names (a host may have several apps: /admin beside the root),
    // else the host's own: the login's way back comes to `/cdn-cgi/access/authorized` whatever
    // the app's path, which no app on a path covers.
    const q = target.indexOf('?');
    const jwt =
      path === '/cdn-cgi/access/authorized'
        ? (new URLSearchParams(q === -1 ? '' : target.slice(q + 1)).get('token') ?? undefined)
        : tokenOf(req);
    const app = this.#appOfJwt(host, jwt) ?? (path === '/cdn-cgi/access/authorized' ? undefined : this.#hostApp(host));
    if (app === undefined)
      return text(403, 'This login link is not valid (expired, revoked, or for another application).\n');
    return this.#endpoints.serve(req, app, path, target, scheme);
  }

  /** The app covering the host's root, else the least specific app of the host. */
  #hostApp(host: string): GateApp | undefined {
    return this.#o.gate.lookup(host, '/') ?? this.#o.gate.hostApps(host)[0];
  }

  /** The app whose AUD tag a JWT claims, when that app covers `host` (the token is verified after). */
  #appOfJwt(host: string, jwt: string | undefined): GateApp | undefined {
    const payload = jwt?.split('.')[1];
    if (payload === undefined || payload.length > 8192) return undefined;
    try {
      const { aud } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown };
      const tag = Array.isArray(aud) ? aud[0] : aud;
      const app = typeof tag === 'string' ? this.#o.gate.appByAud(tag) : undefined;
      return app !== undefined && appCoversHost(app.domain, host) ? app : undefined;
    } catch {
      return undefined;
    }
  }

  async #verifyThenAdmit(
    req: IncomingMessage,
    app: GateApp,
    host: string,
    token: string,
    target: string,
    scheme: 'http' | 'https',
    nowS: number,
  ): Promise<AccessVerdict> {
    const s = await this.#endpoints.verify(app, token, nowS);
    if (s !== null) return identityHeaders(token, s);
    return this.#withoutSession(req, app, host, target, scheme, nowS);
  }

  /** No valid session: a service token, a bypass / non_identity policy, or the way to the login. */
  #withoutSession(
    req: IncomingMessage,
    app: GateApp,
    host: string,
    target: string,
    scheme: 'http' | 'https',
    nowS: number,
  ): AccessVerdict | Promise<AccessVerdict> {
    const gate = this.#o.gate;
    const ip = normalizeIp(req.socket.remoteAddress);
    const clientId = req.headers['cf-access-client-id'];
    const secret = req.headers['cf-access-client-secret'];
    let serviceTokenId: string | undefined;
    if (typeof clientId === 'string' && typeof secret === 'string') {
      serviceTokenId = gate.serviceToken(app, clientId, secret, new Date(nowS * 1000));
    }
    // Mutual TLS: only apps with a certificate rule look, and only at their own account's CAs.
    const cert =
      app.usesCertificate && scheme === 'https'
        ? gate.clientCertificate(app, peerCertificateChain(req.socket), new Date(nowS * 1000))
        : undefined;
    const verdict = gate.evaluate(app, { ip, serviceTokenId, certificateCommonName: cert?.commonName });
    if (verdict.decision === 'bypass') return NO_HEADERS;
    if (verdict.decision === 'non_identity') {
      if (serviceTokenId !== undefined && typeof clientId === 'string') {
        return this.#nonIdentityJwt(app, `s:${serviceTokenId}`, { kind: 'service_token', clientId }, ip, nowS, {
          actorId: clientId,
          idp: { id: serviceTokenId, type: 'service_token' },
        });
      }
      if (cert === undefined) return NO_HEADERS;
      return this.#nonIdentityJwt(
        app,
        `c:${cert.fingerprint256}`,
        { kind: 'certificate', commonName: cert.commonName },
        ip,
        nowS,
        {
          actorId: cert.commonName,
          idp: { id: cert.caId, type: 'mtls' },
        },
      );
    }
    // A service-token request that no policy admits: the app's custom_non_identity_deny_url, if set.
    const refused = typeof clientId === 'string' ? nonIdentityDenial(app) : certificateDenial(app);
    if (refused !== undefined) return refused;
    if (String(req.headers['x-requested-with'] ?? '').toLowerCase() === 'xmlhttprequest') {
      return text(401, 'Access to this application requires a login (Cloudflare Access-style; no session).\n');
    }
    return loginRedirect(req, app, host, target, scheme);
  }

  /** The JWT of a service token or a client certificate (cached per credential and app), and its audit row. */
  #nonIdentityJwt(
    app: GateApp,
    credential: string,
    subject: AccessSubject,
    ip: string,
    nowS: number,
    who: { actorId: string; idp: { id: string; type: string } },
  ): string[] | Promise<string[]> {
    const key = `${credential}:${app.aud}`;
    const have = this.#serviceJwts.get(key);
    if (have !== undefined && have.exp - nowS > SERVICE_JWT_RENEW_S && !revoked(app, have)) {
      return ['Cf-Access-Jwt-Assertion', have.jwt];
    }
    const teamDomain = app.teamDomain;
    if (teamDomain === undefined) return NO_HEADERS;
    return (async () => {
      const ttl = Math.min(sessionSeconds(app), SERVICE_JWT_TTL_S);
      const issuedAt = issueTime(app, new Date(nowS * 1000));
      const jwt = await signAccessJwt(await this.#o.ring.signingKey(app.accountId), {
        teamDomain,
        aud: app.aud,
        subject,
        issuedAt,
        ttlSeconds: ttl,
      });
      if (this.#serviceJwts.size > 10_000) this.#serviceJwts.clear();
      const iat = Math.floor(issuedAt.getTime() / 1000);
      this.#serviceJwts.set(key, { jwt, iat, exp: iat + ttl });
      // One login per session (each JWT minted), not per request: the access request log's row.
      void auditLogin(this.#o, app, { email: undefined, actorId: who.actorId, ip, idp: who.idp, allowed: true });
      return ['Cf-Access-Jwt-Assertion', jwt];
    })();
  }

  close(): void {
    this.#o.mailer?.close();
  }
}

function identityHeaders(token: string, s: AccessSession): string[] {
  return s.email === undefined
    ? ['Cf-Access-Jwt-Assertion', token]
    : ['Cf-Access-Jwt-Assertion', token, 'Cf-Access-Authenticated-User-Email', s.email];
}
