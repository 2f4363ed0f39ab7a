import { cookieValue } from './cookie-value.js';

/** Fetch's `Headers` (Request, Next.js, undici) or node's `IncomingHttpHeaders`. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Anything with headers: node's `IncomingMessage`, a Fetch `Request`, Express's and Fastify's requests. */
export interface RequestLike {
  headers: HeaderSource;
}

export const ACCESS_JWT_HEADER = 'cf-access-jwt-assertion';
export const ACCESS_COOKIE = 'CF_Authorization';

function header(h: HeaderSource, name: string): string | undefined {
  if (typeof h.get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined;
  const v = (h as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  return typeof v === 'string' ? v : v?.[0];
}

/**
 * The Access JWT of a request: the `Cf-Access-Jwt-Assertion` header the edge adds, else the
 * `CF_Authorization` cookie. Undefined when neither is present.
 */
export function accessTokenOf(req: RequestLike): string | undefined {
  const assertion = header(req.headers, ACCESS_JWT_HEADER);
  if (assertion !== undefined && assertion !== '') return assertion.trim();
  return cookieValue(header(req.headers, 'cookie'), ACCESS_COOKIE);
}
