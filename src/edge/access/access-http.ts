import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type GateApp, isHostname } from '../../access/index.js';

/** A response the Access gate writes itself (login redirect, 401, the team domain's pages). */
export interface AccessAnswer {
  status: number;
  /** Flat name/value list; `set-cookie` may repeat. */
  headers: string[];
  body: string;
}

export const ACCESS_COOKIE = 'CF_Authorization';
/** The login form's CSRF cookie on the team domain (double submit: the form carries the same value). */
export const CSRF_COOKIE = 'CF_Access_CSRF';
const MAX_FORM_BYTES = 8 * 1024; // 8 KiB: an e-mail address, a code and a few ids

/** The value of cookie `name` in a Cookie header (one reader for every cookie: `warren/verify`'s). */
export { cookieValue } from '../../verify/cookie-value.js';

/** `:port` of a Host header ('' when it has none), for links between the team domain and the apps. */
export function portSuffix(hostHeader: string | undefined): string {
  const m = /:(\d{1,5})$/.exec(hostHeader ?? '');
  return m === null || (hostHeader ?? '').endsWith(']') ? '' : `:${m[1]}`;
}

/**
 * A path on the same host for `redirect_url`, or undefined. Only `/…` is accepted: `//host`,
 * `/\host` (browsers read both as another host), absolute URLs and control characters are not,
 * so a login can only lead back to the app it was for (no open redirect).
 */
export function sameHostPath(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  if (raw.charCodeAt(0) !== 47 /* / */ || raw.length > 4096) return undefined;
  if (raw.startsWith('//') || raw.startsWith('/\\')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return undefined;
  return raw;
}

/**
 * An absolute URL on the edge, built with `URL` from its parts, never by joining strings: `host`
 * must be a valid host name (a TypeError otherwise: callers check it first), `port` is a
 * portSuffix() value, `path` a fixed path; `params` become the query, each value encoded. The
 * result is checked to name exactly `host`, so nothing in a value can move the URL elsewhere.
 */
export function edgeUrl(
  scheme: 'http' | 'https',
  host: string,
  port: string,
  path: string,
  params: Readonly<Record<string, string>> = {},
): string {
  if (!isHostname(host)) throw new TypeError('edgeUrl: the host is not a valid host name');
  const u = new URL(`${scheme}://localhost/`);
  u.hostname = host;
  if (port !== '') u.port = port.slice(1);
  u.pathname = path;
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  if (u.hostname !== host || u.pathname !== path) throw new TypeError('edgeUrl: the URL does not keep its host');
  return u.href;
}

/** A urlencoded form body (bounded); undefined when it is too large or not a form. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The way to the login for a visitor without a session: 302 to the team domain's login for
 * `host`, coming back to `target` (a path and query on `host`); 403 when the account has no team domain.
 */
export function loginRedirect(
  req: IncomingMessage,
  app: GateApp,
  host: string,
  target: string,
  scheme: 'http' | 'https',
): AccessAnswer {
  if (app.teamDomain === undefined) {
    return text(403, 'This application is protected, but its account has no Access team domain to log in at.\n');
  }
  const login = edgeUrl(
    scheme,
    app.teamDomain,
    portSuffix(req.headers.host),
    `/cdn-cgi/access/login/${encodeURIComponent(host)}`,
    { kid: app.aud, redirect_url: target },
  );
  return { status: 302, headers: ['location', login, 'cache-control', 'no-store'], body: '' };
}

/** A 302 with optional cookies. */
export function redirect(location: string, cookies: readonly string[] = []): AccessAnswer {
  const headers = ['location', location, 'cache-control', 'no-store'];
  for (const c of cookies) headers.push('set-cookie', c);
  return { status: 302, headers, body: '' };
}

export function json(status: number, value: unknown): AccessAnswer {
  return {
    status,
    headers: ['content-type', 'application/json', 'cache-control', 'no-store'],
    body: JSON.stringify(value),
  };
}

export function text(status: number, body: string): AccessAnswer {
  return { status, headers: ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store'], body };
}

/** Whether two secrets are equal, in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
