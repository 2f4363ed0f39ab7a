import { parseCookie } from 'cookie';

/**
 * The value of cookie `name` in a `Cookie` header (the `cookie` package's parser), or undefined
 * when it is absent or empty. When a name repeats, the first wins: browsers send the cookie with
 * the most specific path first (RFC 6265 §5.4). The one cookie reader of the edge's Access gate,
 * the dashboard's session and `warren/verify`.
 *
 * @example
 * cookieValue('a=1; CF_Authorization=eyJ...', 'CF_Authorization'); // 'eyJ...'
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  const v = parseCookie(header)[name];
  return v === undefined || v === '' ? undefined : v;
}
