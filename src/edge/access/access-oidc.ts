import type { IncomingMessage } from 'node:http';
import type * as oidc from 'openid-client';
import {
  type IdpFetch,
  idpFetch,
  type OidcIdp,
  type PendingOidcLogin,
  PendingOidcLogins,
  parseOidcIdp,
} from '../../access/index.js';
import type { Store } from '../../store/index.js';
import { type AccessAnswer, cookieValue, redirect } from './access-http.js';

export const OIDC_CALLBACK_PATH = '/cdn-cgi/access/callback';
const BINDING_COOKIE_PREFIX = 'CF_Access_OIDC_';
const IDP_TIMEOUT_S = 10; // 10 seconds for each request to the identity provider (token, keys)
/** The mapped claims travel in every token (a cookie): an IdP answer bigger than this is refused. */
const MAX_CUSTOM_BYTES = 4 * 1024;
const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,190}$/;

/** A person the identity provider vouched for. */
export interface OidcIdentity {
  email: string;
  idp: { id: string; type: 'oidc' };
  custom: Record<string, unknown>;
}

/** What the callback found: a login to finish, or why not (for the page and the audit entry). */
export type OidcCallback =
  | { ok: true; login: PendingOidcLogin; identity: OidcIdentity }
  | {
      ok: false;
      /** The login the answer was for, when the state named one (the audit entry names its app). */
      login: PendingOidcLogin | undefined;
      /** The identity provider's claimed address, when it got that far. */
      email: string | undefined;
      idpId: string | undefined;
      /** For the audit log and the server log; never a token or a secret. */
      reason: string;
      /** For the visitor. */
      message: string;
    };

/** The state's cookie: one per login in flight, so logins in two tabs do not void each other. */
const bindingCookie = (state: string): string => `${BINDING_COOKIE_PREFIX}${state.slice(0, 16)}`;

/** openid-client (with oauth4webapi and jose) loads at the first OIDC login, not with the edge. */
let openidClient: Promise<typeof oidc> | undefined;
function loadClient(): Promise<typeof oidc> {
  openidClient ??= import('openid-client');
  return openidClient;
}

/**
 * Login through an OpenID Connect provider with `openid-client`: authorization code flow with
 * PKCE (S256), `state` and `nonce`. The state is single use and bound to the browser (an
 * HttpOnly cookie); the id token is checked for signature (the provider's `certs_url`), issuer,
 * audience (our client id), expiry and nonce before its claims are believed.
 */
export class AccessOidc {
  readonly #store: Store;
  readonly #pending: PendingOidcLogins;
  /** Configurations by provider id, rebuilt when the provider changes (keeps its JWKS cache). */
  readonly #configs = new Map<string, { stamp: string; config: oidc.Configuration }>();
  /** Every request to a provider (token, keys) goes through it: public addresses only, by default. */
  readonly #fetch: IdpFetch;

  constructor(
    store: Store,
    pending = new PendingOidcLogins(store),
    fetch: IdpFetch = idpFetch({ allowPrivate: false }),
  ) {
    this.#store = store;
    this.#pending = pending;
    this.#fetch = fetch;
  }

  /** The account's oidc provider `id`, typed, or undefined (gone, or not oidc). */
  async provider(accountId: string, id: string): Promise<{ idp: OidcIdp; config: oidc.Configuration } | undefined> {
    const client = await loadClient();
    const row = await this.#store.access.identityProvider(accountId, id);
    if (row === undefined || row.type !== 'oidc') return undefined;
    const secrets =
      row.secrets_sealed === null
        ? {}
        : (JSON.parse(this.#store.secrets.open(row.secrets_sealed).toString('utf8')) as Record<string, unknown>);
    const idp = parseOidcIdp(row.id, JSON.parse(row.data) as { name?: unknown; config?: unknown }, secrets);
    if (idp === undefined) return undefined;
    const have = this.#configs.get(id);
    if (have !== undefined && have.stamp === row.updated_at) return { idp, config: have.config };
    const config = new client.Configuration(
      {
        issuer: idp.issuer,
        authorization_endpoint: idp.authUrl.href,
        token_endpoint: idp.tokenUrl.href,
        jwks_uri: idp.certsUrl.href,
      },
      idp.clientId,
      { client_secret: idp.clientSecret },
      client.ClientSecretBasic(idp.clientSecret),
    );
    config.timeout = IDP_TIMEOUT_S;
    // A tenant's URL: the server must not reach loopback, private or metadata addresses through it.
    config[client.customFetch] = this.#fetch as NonNullable<(typeof config)[typeof client.customFetch]>;
    // Plain http was accepted on write for loopback hosts only (an IdP on this machine, a test).
    if (idp.insecure) client.allowInsecureRequests(config);
    // openid-client trusts an id token from the token endpoint on the strength of TLS alone (OIDC
    // allows it); a loopback http IdP has no TLS, and `certs_url` is configured: check the signature.
    client.enableNonRepudiationChecks(config);
    if (this.#configs.size > 1000) this.#configs.clear();
    this.#configs.set(id, { stamp: row.updated_at, config });
    return { idp, config };
  }

  /** The redirect to the provider's login, with the browser binding cookie. */
  async start(
    p: { idp: OidcIdp; config: oidc.Configuration },
    login: Omit<PendingOidcLogin, 'nonce' | 'codeVerifier' | 'idpId'>,
    secure: boolean,
  ): Promise<AccessAnswer> {
    const client = await loadClient();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const { state, binding } = await this.#pending.start({ ...login, idpId: p.idp.id, nonce, codeVerifier });
    const url = client.buildAuthorizationUrl(p.config, {
      redirect_uri: login.redirectUri,
      scope: p.idp.scopes.join(' '),
      response_type: 'code',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    // SameSite=Lax: the callback is a top-level navigation from the provider's site.
    return redirect(url.href, [
      `${bindingCookie(state)}=${binding}; Path=${OIDC_CALLBACK_PATH}; Max-Age=600; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
    ]);
  }

  /** Clears the binding cookie of `state` (sent with every callback answer). */
  static clearCookie(query: URLSearchParams, secure: boolean): string[] {
    const state = query.get('state') ?? '';
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(state)) return [];
    return [
      'set-cookie',
      `${bindingCookie(state)}=; Path=${OIDC_CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
    ];
  }

  /** `/cdn-cgi/access/callback?code&state` (or `?error`): the provider's answer, checked. */
  async callback(req: IncomingMessage, accountId: string, query: URLSearchParams): Promise<OidcCallback> {
    const client = await loadClient();
    const fail = (
      login: PendingOidcLogin | undefined,
      reason: string,
      message: string,
      email?: string,
    ): OidcCallback => ({ ok: false, login, email, idpId: login?.idpId, reason, message });
    const state = query.get('state') ?? '';
    const taken = await this.#pending.take(state, cookieValue(req.headers.cookie, bindingCookie(state)));
    if (!taken.ok) {
      return fail(
        undefined,
        `oidc: state ${taken.why === 'unknown' ? 'unknown or already used' : taken.why}`,
        'This login answer is not valid here: it was already used, has expired, or was started in another browser. Open the application again to log in.',
      );
    }
    const login = taken.login;
    if (login.accountId !== accountId)
      return fail(login, 'oidc: state of another team', 'This login answer is not for this team.');
    const p = await this.provider(accountId, login.idpId);
    if (p === undefined) {
      return fail(login, 'oidc: the identity provider is gone', 'This identity provider is no longer set up.');
    }
    const error = query.get('error');
    if (error !== null) {
      return fail(
        login,
        `oidc: the identity provider answered error ${error.slice(0, 64)}`,
        'The identity provider did not log you in. Open the application again to retry.',
      );
    }
    let claims: Record<string, unknown>;
    try {
      const current = new URL(login.redirectUri);
      current.search = query.toString();
      const tokens = await client.authorizationCodeGrant(p.config, current, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (err) {
      // openid-client's messages name the failed check (nonce, iss, signature …), never a token.
      return fail(
        login,
        `oidc: the answer was refused: ${codeOf(err)}${(err as Error).message.slice(0, 160)}`,
        'The identity provider’s answer could not be verified. Open the application again to retry.',
      );
    }
    const email = claims[p.idp.emailClaim];
    if (typeof email !== 'string' || !EMAIL.test(email)) {
      return fail(
        login,
        `oidc: the id token has no e-mail address in claim ${p.idp.emailClaim}`,
        'The identity provider did not give an e-mail address.',
      );
    }
    const address = email.trim().toLowerCase();
    // An address the provider says it has not verified could be anyone's.
    if (claims.email_verified === false && p.idp.emailClaim === 'email') {
      return fail(
        login,
        'oidc: email_verified is false',
        'The identity provider has not verified this e-mail address.',
        address,
      );
    }
    const custom: Record<string, unknown> = {};
    for (const name of p.idp.claims) if (claims[name] !== undefined) custom[name] = claims[name];
    if (JSON.stringify(custom).length > MAX_CUSTOM_BYTES) {
      return fail(
        login,
        `oidc: the mapped claims exceed ${MAX_CUSTOM_BYTES} bytes`,
        'The identity provider sent too much information to keep in a session; ask the administrator to map fewer claims.',
        address,
      );
    }
    return { ok: true, login, identity: { email: address, idp: { id: p.idp.id, type: 'oidc' }, custom } };
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ` : '';
}
