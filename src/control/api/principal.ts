import type { FastifyRequest } from 'fastify';
import type { ApiTokenRow, Repositories, SecretBox, UserRow } from '../../store/index.js';
import { liveSession, sessionCookieOf, sessionPrincipal } from '../identity/dashboard-session.js';
import { isGlobalApiKey } from '../identity/global-api-key.js';
import { type Role, roleById, type Scope, scopesOfRoles } from '../identity/roles.js';
import { deadAncestor } from '../identity/token-bounds.js';
import { parseStoredPolicies, policiesAllow, type TokenPolicy } from '../identity/token-policy.js';
import { ApiError } from './api-error.js';

/** Who is calling: a user through one of their API tokens. */
export interface Principal {
  user: UserRow;
  token: ApiTokenRow;
  policies: TokenPolicy[];
  ip: string;
  /** Set when the request was authenticated by a dashboard session cookie. */
  session?: { id: string } | undefined;
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/;

/** The id a request authenticated by the global API key reports as its token's. */
export const GLOBAL_API_KEY_TOKEN_ID = 'global-api-key';

/**
 * The stored token a principal acts through, or undefined when it acts as the user itself (the
 * global API key, a dashboard session): what a token it creates descends from.
 */
export function parentTokenOf(p: Principal): ApiTokenRow | undefined {
  return p.token.id === GLOBAL_API_KEY_TOKEN_ID || p.session !== undefined ? undefined : p.token;
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Cloudflare's legacy `X-Auth-Email` + `X-Auth-Key`: the key is the user's global API key, which
 * changes whenever their API key rolls. It acts as the user with every permission of their roles.
 */
async function authenticateGlobalKey(
  req: FastifyRequest,
  store: Repositories,
  secrets: SecretBox,
  email: string | undefined,
  key: string | undefined,
): Promise<Principal> {
  if (email === undefined || key === undefined) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      'send both X-Auth-Email and X-Auth-Key (the global API key), or an "Authorization: Bearer <API token>" header',
    );
  }
  const user = await store.identity.findUserByEmail(email.trim());
  // One answer for an unknown user and a wrong key: the API does not tell who has an account.
  if (user === undefined || user.kind !== 'person' || !isGlobalApiKey(secrets, user, key.trim())) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      'X-Auth-Email / X-Auth-Key are not valid: the global API key changes when the API key rolls (role or membership changes); ask an operator for the new one (`warren admin roll-key`) or use an API token',
    );
  }
  const issued = user.api_key_rolled_on ?? user.created_on;
  const token = syntheticToken(GLOBAL_API_KEY_TOKEN_ID, 'Global API Key', user, issued, null);
  return { user, token, policies: [], ip: req.ip };
}

/**
 * The token row of a principal that has no API token (the global API key, a dashboard session):
 * active, no policies of its own (it acts with every permission of the user's roles), and bound
 * to the user's API key generation, so what it creates dies when the key rolls.
 */
export function syntheticToken(
  id: string,
  name: string,
  user: Pick<UserRow, 'id' | 'api_key_generation'>,
  issuedOn: string,
  expiresOn: string | null,
): ApiTokenRow {
  return {
    id,
    user_id: user.id,
    name,
    token_hash: '',
    status: 'active',
    policies: '[]',
    key_generation: user.api_key_generation,
    parent_token_id: null,
    not_before: null,
    expires_on: expiresOn,
    issued_on: issuedOn,
    modified_on: issuedOn,
    last_used_on: null,
  };
}

/**
 * Resolves the Bearer token of a request (or, when `secrets` is given, Cloudflare's legacy
 * X-Auth-Email + X-Auth-Key); errors say how to get a working one. Never echoes the value.
 */
export async function authenticate(
  req: FastifyRequest,
  store: Repositories,
  now: Date,
  secrets?: SecretBox,
): Promise<Principal> {
  const header = req.headers.authorization;
  const authEmail = headerOf(req, 'x-auth-email');
  const authKey = headerOf(req, 'x-auth-key');
  if (header === undefined && secrets !== undefined && (authEmail !== undefined || authKey !== undefined)) {
    return authenticateGlobalKey(req, store, secrets, authEmail, authKey);
  }
  // The dashboard's session cookie, only when no other credential is sent (a token always wins;
  // the CSRF check of cookie-authenticated changes ran in the route's onRequest hook).
  const cookie = header === undefined && authEmail === undefined ? sessionCookieOf(req) : undefined;
  if (cookie !== undefined) {
    const { row, user } = await liveSession(store, cookie, now);
    return sessionPrincipal(req, user, row);
  }
  const m = header === undefined ? null : BEARER.exec(header);
  if (m === null) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      'missing or malformed Authorization header: send "Authorization: Bearer <API token>"',
    );
  }
  const found = await store.identity.tokenByValue(m[1] as string);
  if (found === undefined) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      'the API token is not valid (unknown, rolled or deleted); create a new one with POST /user/tokens',
    );
  }
  const { token, user } = found;
  if (token.status !== 'active') {
    const cert = await store.certificates.byLoginToken(token.id);
    if (cert?.revoked_at !== undefined && cert.revoked_at !== null) {
      throw new ApiError(
        'WARREN_CERT_REVOKED',
        `the origin certificate ${cert.id} of this cert.pem was revoked on ${cert.revoked_at}, and its API token with it; run "warren login" again for a new cert.pem`,
      );
    }
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      `the API token ${token.id} is ${token.status}; enable it or create a new one`,
    );
  }
  const iso = now.toISOString();
  if (token.not_before !== null && iso < token.not_before) {
    throw new ApiError('WARREN_API_UNAUTHORIZED', `the API token ${token.id} is not valid before ${token.not_before}`);
  }
  if (token.expires_on !== null && iso >= token.expires_on) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      `the API token ${token.id} expired on ${token.expires_on}; create a new one`,
    );
  }
  if (token.key_generation !== null && token.key_generation !== user.api_key_generation) {
    const when = user.api_key_rolled_on === null ? '' : ` on ${user.api_key_rolled_on}`;
    throw new ApiError(
      'WARREN_API_KEY_ROLLED',
      `the API key of ${user.email} that this certificate (cert.pem, token ${token.id}) carries was rolled${when}, when their roles or memberships changed; run "warren login" again, or use a service user's token for automation`,
    );
  }
  const orphaned = await deadAncestor(store, token, iso);
  if (orphaned !== undefined) {
    throw new ApiError(
      'WARREN_API_UNAUTHORIZED',
      `the API token ${token.id} no longer works: ${orphaned}, and a token never outlives the one that made it; create a new one`,
    );
  }
  await touch(store, token, now);
  return { user, token, policies: parseStoredPolicies(token.policies), ip: req.ip };
}

/** `last_used_on` moves at most once a minute per token: one write, not one per request. */
const TOKEN_USE_GRANULARITY_MS = 60_000;

/** Records the token's use; a store that refuses writes (a read-only failover) does not refuse the request. */
async function touch(store: Repositories, token: ApiTokenRow, now: Date): Promise<void> {
  const last = token.last_used_on === null ? Number.NaN : Date.parse(token.last_used_on);
  if (now.getTime() - last < TOKEN_USE_GRANULARITY_MS) return;
  try {
    await store.identity.touchToken(token.id);
  } catch {
    // The next request tries again; the token's use is a hint, not a record.
  }
}

/** The caller's roles in an account, or a not-found error that does not reveal whether the account exists. */
export async function rolesIn(
  store: Repositories,
  principal: Principal,
  accountId: string,
  what: string,
): Promise<Role[]> {
  const m = await store.identity.membership(accountId, principal.user.id);
  if (m === undefined || m.status !== 'accepted') throw ApiError.notFound(what);
  return m.roles.map(roleById).filter((r): r is Role => r !== undefined);
}

/** Checks role and token policy for `scope` in an account (or one of its zones). */
export async function authorize(
  store: Repositories,
  principal: Principal,
  target: { accountId: string; zoneId?: string | undefined; scope: Scope; what: string },
): Promise<void> {
  const roles = await rolesIn(store, principal, target.accountId, target.what);
  const scopes = scopesOfRoles(roles.map((r) => r.id));
  if (!scopes.has(target.scope)) {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      `your role${roles.length === 1 ? '' : 's'} in this account (${roles.map((r) => r.name).join(', ') || 'none'}) do not allow ${target.scope}; ask a super administrator for a role that does`,
    );
  }
  const scope: Scope = target.scope;
  if (
    !policiesAllow(principal.policies, { kind: 'account', accountId: target.accountId, zoneId: target.zoneId, scope })
  ) {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      `this API token's policies do not grant ${scope} on this ${target.zoneId === undefined ? 'account' : 'zone'}; create a token with the matching permission group`,
    );
  }
}

/** Token management on the caller's own user. */
export function authorizeTokens(principal: Principal, tokens: 'read' | 'write'): void {
  if (!policiesAllow(principal.policies, { kind: 'user', userId: principal.user.id, tokens })) {
    throw new ApiError(
      'WARREN_API_FORBIDDEN',
      `this API token cannot ${tokens === 'read' ? 'list' : 'manage'} API tokens; use a token with the "API Tokens ${tokens === 'read' ? 'Read' : 'Write'}" permission group`,
    );
  }
}
