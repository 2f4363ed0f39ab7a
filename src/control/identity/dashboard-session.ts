import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardSessionRow, Repositories, UserRow } from '../../store/index.js';
import { hashToken } from '../../store/index.js';
import { cookieValue } from '../../verify/cookie-value.js';
import { ApiError } from '../api/api-error.js';
import { type Principal, syntheticToken } from '../api/principal.js';

/** The dashboard's session cookie (HttpOnly, SameSite=Lax, Secure on HTTPS). */
export const SESSION_COOKIE = 'warren_session';
/** The header a cookie-authenticated POST/PUT/PATCH/DELETE carries: the session's CSRF token. */
export const CSRF_HEADER = 'x-warren-csrf';
export const SESSION_IDLE_MS = 2 * 60 * 60_000; // 2 hours without a request ends a session
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60_000; // 7 days: no activity extends a session past it
// last_seen_on is written at most this often (the dashboard polls every 2 s).
const TOUCH_EVERY_MS = 60_000; // 1 minute
/** The id a session-authenticated principal reports as its token's. */
export const SESSION_TOKEN_ID = 'dashboard-session';
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

/** The session cookie's value in a request, when it has a well-formed one. */
export function sessionCookieOf(req: FastifyRequest): string | undefined {
  const v = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return v !== undefined && COOKIE_VALUE.test(v) ? v : undefined;
}

/**
 * The CSRF token of a session: derived from the cookie value (which only the browser holding
 * the cookie knows), so nothing more is stored, and a page on another site cannot compute it.
 */
export function csrfTokenOf(cookieValue: string): string {
  return createHash('sha256').update('warren dashboard csrf\0').update(cookieValue).digest('base64url');
}

/** A new session's cookie value and its row. */
export async function startSession(
  store: Repositories,
  user: UserRow,
  req: FastifyRequest,
): Promise<{ value: string; row: DashboardSessionRow }> {
  const value = randomBytes(32).toString('base64url');
  const ua = req.headers['user-agent'];
  const row = await store.sessions.create({
    userId: user.id,
    tokenHash: hashToken(value),
    ip: req.ip,
    userAgent: typeof ua === 'string' ? ua.slice(0, 200) : '',
    lifetimeMs: SESSION_LIFETIME_MS,
  });
  return { value, row };
}

/**
 * Whether the browser is on HTTPS: a TLS socket, or (behind a TLS-terminating proxy, where this
 * server sees plain HTTP) a same-host `Origin` on https — then the cookie must be Secure.
 */
function pageIsHttps(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  return req.protocol === 'https' || (typeof origin === 'string' && origin.startsWith('https://'));
}

function cookieAttributes(req: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Lax${pageIsHttps(req) ? '; Secure' : ''}`;
}

export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, value: string): void {
  void reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; ${cookieAttributes(req)}; Max-Age=${Math.floor(SESSION_LIFETIME_MS / 1000)}`,
  );
}

export function clearSessionCookie(reply: FastifyReply, req: FastifyRequest): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=; ${cookieAttributes(req)}; Max-Age=0`);
}

/** A live session for the cookie value, or why not (and the dead row is deleted). */
export async function liveSession(
  store: Repositories,
  value: string,
  now: Date,
): Promise<{ row: DashboardSessionRow; user: UserRow }> {
  const row = await store.sessions.byTokenHash(hashToken(value));
  const expired = new ApiError(
    'WARREN_SESSION_EXPIRED',
    'your dashboard session has ended (signed out, revoked, idle for 2 hours or 7 days old); sign in again',
  );
  if (row === undefined) throw expired;
  const ms = now.getTime();
  if (ms >= Date.parse(row.expires_on) || ms - Date.parse(row.last_seen_on) >= SESSION_IDLE_MS) {
    await store.sessions.delete(row.id, row.user_id);
    throw expired;
  }
  const user = await store.identity.getUser(row.user_id);
  if (user === undefined || user.kind !== 'person') throw expired;
  if (ms - Date.parse(row.last_seen_on) >= TOUCH_EVERY_MS) await store.sessions.touch(row.id);
  return { row, user };
}

/** The principal of a session: the user with every permission of their roles, like the global API key. */
export function sessionPrincipal(req: FastifyRequest, user: UserRow, row: DashboardSessionRow): Principal {
  // Tokens made in the dashboard are bound to the API key, so they die when it rolls.
  const token = syntheticToken(SESSION_TOKEN_ID, 'Dashboard session', user, row.created_on, row.expires_on);
  return { user, token, policies: [], ip: req.ip, session: { id: row.id } };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether `origin` (an `Origin` header) is the origin this request was sent to; default ports
 * compare equal. An https page on this host counts too when this server sees plain HTTP: that
 * is a TLS-terminating proxy in front (the proxy forwards the browser's Host).
 */
function isOwnOrigin(req: FastifyRequest, origin: string): boolean {
  try {
    const sent = new URL(origin);
    if (sent.origin === new URL(`${req.protocol}://${req.host}`).origin) return true;
    return (
      req.protocol === 'http' && sent.protocol === 'https:' && sent.origin === new URL(`https://${req.host}`).origin
    );
  } catch {
    return false;
  }
}

/**
 * Refuses a request from another site: `Sec-Fetch-Site` other than same-origin (or none: typed
 * in the address bar), or an `Origin` that is not this server's. Browsers send at least one
 * of them with every state-changing request; scripts without a browser send neither.
 */
export function assertSameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const refused =
    (typeof site === 'string' && site !== 'same-origin' && site !== 'none') ||
    (typeof origin === 'string' && !isOwnOrigin(req, origin));
  if (refused) {
    throw new ApiError(
      'WARREN_CSRF_REFUSED',
      'this request came from another site; the dashboard only accepts changes from its own pages',
    );
  }
}

/**
 * CSRF defence for a cookie-authenticated request: safe methods pass; every other one must come
 * from this origin and carry `X-Warren-CSRF` equal to the session's token.
 */
export function assertCsrf(req: FastifyRequest, cookieValue: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  assertSameOrigin(req);
  const sent = req.headers[CSRF_HEADER];
  const want = Buffer.from(csrfTokenOf(cookieValue));
  const got = Buffer.from(typeof sent === 'string' ? sent : '');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    throw new ApiError(
      'WARREN_CSRF_REFUSED',
      'this change needs the X-Warren-CSRF header of your session (reload the dashboard); scripts should use an API token',
    );
  }
}

/**
 * The onRequest hook of every authenticated API route: a state-changing request that would be
 * authenticated by the session cookie (no Authorization or X-Auth-* header) must pass
 * `assertCsrf`, before its body is even read.
 */
export async function csrfGuard(req: FastifyRequest): Promise<void> {
  if (SAFE_METHODS.has(req.method)) return;
  if (req.headers.authorization !== undefined || req.headers['x-auth-email'] !== undefined) return;
  const cookie = sessionCookieOf(req);
  if (cookie !== undefined) assertCsrf(req, cookie);
}
