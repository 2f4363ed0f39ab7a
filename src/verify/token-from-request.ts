import { cookieValue } from './cookie-value.js';

/**
 * Fetch's `Headers` (Request, Next.js, undici) or node's `IncomingHttpHeaders`.
 *
 * @example
 * ```ts
 * const fromFetch: HeaderSource = new Headers({ 'cf-access-jwt-assertion': jwt });
 * const fromNode: HeaderSource = { cookie: `CF_Authorization=${jwt}` };
 * ```
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Anything with headers: node's `IncomingMessage`, a Fetch `Request`, Express's and Fastify's requests.
 *
 * @example
 * ```ts
 * const req: RequestLike = new Request('https://app.example.com/', { headers: { cookie: `CF_Authorization=${jwt}` } });
 * ```
 */
export interface RequestLike {
  headers: HeaderSource;
}

/**
 * The header the edge adds to every request it lets through to a protected origin.
 *
 * @example
 * ```ts
 * const jwt = req.headers[ACCESS_JWT_HEADER];
 * ```
 */
export const ACCESS_JWT_HEADER = 'cf-access-jwt-assertion';
/**
 * The cookie the browser carries on the app's host after an Access login.
 *
 * @example
 * ```ts
 * res.setHeader('set-cookie', `${ACCESS_COOKIE}=; Max-Age=0; Path=/`); // sign the visitor out here
 * ```
 */
export const ACCESS_COOKIE = 'CF_Authorization';

function header(h: HeaderSource, name: string): string | undefined {
  if (typeof h.get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined;
  const v = (h as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return typeof v === 'string' ? v : v?.[0];
}

/**
 * The Access JWT of a request: the `Cf-Access-Jwt-Assertion` header the edge adds, else the
 * `CF_Authorization` cookie. Undefined when neither is present.
 *
 * @example
 * ```ts
 * import { accessTokenOf } from 'warren/verify';
 *
 * const jwt = accessTokenOf(req); // then verifier.verify(jwt), or forward it
 * ```
 */
export function accessTokenOf(req: RequestLike): string | undefined {
  const assertion = header(req.headers, ACCESS_JWT_HEADER);
  if (assertion !== undefined && assertion !== '') return assertion.trim();
  return cookieValue(header(req.headers, 'cookie'), ACCESS_COOKIE);
}
