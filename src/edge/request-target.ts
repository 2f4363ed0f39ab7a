/** Where a visitor request goes: the path for the origin (origin-form) and, for absolute-form, its authority. */
export interface RequestTarget {
  path: string;
  /** Absolute-form only (`GET http://host/path`): the authority, which wins over Host (RFC 9112 §3.2.2). */
  authority: string | undefined;
}

/**
 * Reads a request line's target. Origin-form (`/path?q`) passes as it is; absolute-form becomes
 * origin-form and yields its authority; `*` is kept for OPTIONS. Anything else (authority-form,
 * userinfo in the URI, another scheme) is undefined: the edge answers 400.
 */
export function requestTarget(url: string, method: string): RequestTarget | undefined {
  if (url.charCodeAt(0) === 47 /* / */) return { path: url, authority: undefined };
  if (url === '*') return method === 'OPTIONS' ? { path: url, authority: undefined } : undefined;
  const sep = url.indexOf('://');
  if (sep < 0) return undefined;
  const scheme = url.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const start = sep + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const authority = url.slice(start, end);
  if (authority === '' || authority.includes('@')) return undefined;
  const rest = url.slice(end);
  const hash = rest.indexOf('#');
  const path = hash >= 0 ? rest.slice(0, hash) : rest;
  return { path: path === '' ? '/' : path.startsWith('?') ? `/${path}` : path, authority };
}
