/**
 * The hostname a request is for, from its raw header list: lower case, without port,
 * brackets kept for IPv6 literals, no trailing dot. '' when there is no Host header.
 */
export function requestHost(rawHeaders: readonly string[]): string {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') return normalizeHost(rawHeaders[i + 1] as string);
  }
  return '';
}

/** The first value of a header (name in lower case) in a raw header list. */
export function headerValue(raw: readonly string[], lowerName: string): string | undefined {
  const len = lowerName.length;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === len && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

export function normalizeHost(value: string): string {
  let h = value.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * The URL path of a request target, without the query, percent-decoded as Go's `URL.Path`
 * (what cloudflared matches `path` rules against). An absolute-form target keeps only its path.
 */
export function requestPath(target: string): string {
  let p = target;
  if (p.charCodeAt(0) !== 47 /* / */) {
    const scheme = p.indexOf('://');
    if (scheme > 0) {
      const slash = p.indexOf('/', scheme + 3);
      p = slash < 0 ? '/' : p.slice(slash);
    }
  }
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  const hash = p.indexOf('#');
  if (hash >= 0) p = p.slice(0, hash);
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p);
    } catch {
      // Malformed escapes: match the path as sent, like a server that refuses to guess.
    }
  }
  return p;
}
