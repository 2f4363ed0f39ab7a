import { isIP } from 'node:net';

/** An `oidc` identity provider as the login uses it: Cloudflare's config fields, checked and typed. */
export interface OidcIdp {
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  authUrl: URL;
  tokenUrl: URL;
  certsUrl: URL;
  /** `issuer_url`, else the origin of `auth_url`: the id token's `iss` must equal it. */
  issuer: string;
  scopes: readonly string[];
  /** Claims of the id token copied into the identity (and the JWT's `custom`), e.g. `groups`. */
  claims: readonly string[];
  emailClaim: string;
  /** True when one of the URLs is plain http (allowed for loopback hosts only). */
  insecure: boolean;
}

const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
const URL_FIELDS = ['auth_url', 'token_url', 'certs_url', 'issuer_url'] as const;
const MAX_CLAIMS = 32;
const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A loopback host: the only place an http (not https) identity provider may live. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/**
 * The problem with an oidc config, or undefined when it is usable: required fields, https URLs
 * (http only on loopback, for an IdP on the same machine or a test), claim names.
 * `secrets` holds `client_secret`, which is stored apart from the config.
 */
export function oidcConfigProblem(
  config: Readonly<Record<string, unknown>>,
  secrets: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const f of ['client_id', 'auth_url', 'token_url', 'certs_url'] as const) {
    if (typeof config[f] !== 'string' || config[f] === '')
      return `config.${f} is required for an oidc identity provider`;
  }
  if (typeof secrets.client_secret !== 'string' || secrets.client_secret === '') {
    return 'config.client_secret is required for an oidc identity provider';
  }
  for (const f of URL_FIELDS) {
    const v = config[f];
    if (v === undefined || (f === 'issuer_url' && v === '')) continue;
    if (typeof v !== 'string' || !URL.canParse(v)) return `config.${f} must be a URL`;
    const u = new URL(v);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
      return `config.${f} must be an https URL (plain http is accepted only for a loopback host such as 127.0.0.1)`;
    }
  }
  for (const f of ['scopes', 'claims'] as const) {
    const v = config[f];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length > MAX_CLAIMS || !v.every((x) => typeof x === 'string' && CLAIM_NAME.test(x))) {
      return `config.${f} must be a list of at most ${MAX_CLAIMS} names (letters, digits, _ . : -)`;
    }
  }
  const e = config.email_claim_name;
  if (e !== undefined && (typeof e !== 'string' || !CLAIM_NAME.test(e))) {
    return 'config.email_claim_name must be a claim name such as "email"';
  }
  if (config.pkce_enabled !== undefined && typeof config.pkce_enabled !== 'boolean') {
    return 'config.pkce_enabled must be true or false';
  }
  return undefined;
}

/** The typed provider, or undefined when its stored config is not usable (it was checked on write). */
export function parseOidcIdp(
  id: string,
  data: { name?: unknown; config?: unknown },
  secrets: Readonly<Record<string, unknown>>,
): OidcIdp | undefined {
  const config = (typeof data.config === 'object' && data.config !== null ? data.config : {}) as Record<
    string,
    unknown
  >;
  if (oidcConfigProblem(config, secrets) !== undefined) return undefined;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const urls = [config.auth_url, config.token_url, config.certs_url, config.issuer_url]
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((v) => new URL(v));
  const authUrl = new URL(str(config.auth_url));
  const scopes = Array.isArray(config.scopes) ? (config.scopes as string[]) : DEFAULT_SCOPES;
  return {
    id,
    name: str(data.name) || 'OpenID Connect',
    clientId: str(config.client_id),
    clientSecret: str(secrets.client_secret),
    authUrl,
    tokenUrl: new URL(str(config.token_url)),
    certsUrl: new URL(str(config.certs_url)),
    issuer: str(config.issuer_url) || authUrl.origin,
    // openid is what makes it OpenID Connect (an id token); keep it whatever the list says.
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    claims: Array.isArray(config.claims) ? (config.claims as string[]) : [],
    emailClaim: str(config.email_claim_name) || 'email',
    insecure: urls.some((u) => u.protocol === 'http:'),
  };
}
