/** An application's domain, parsed: `app.example.com`, `*.example.com`, `app.example.com/admin`. */
export interface AppDomain {
  /** Lower case; for a wildcard, the suffix after `*.`. */
  host: string;
  wildcard: boolean;
  /**
   * '' or a path starting with '/' and without a trailing '/', in the form the gate reads request
   * paths in: escapes decoded, `\` as `/`, slashes merged, dot segments resolved, lower case.
   */
  path: string;
}

export function parseAppDomain(domain: string): AppDomain {
  const d = domain.trim().toLowerCase();
  const slash = d.indexOf('/');
  const hostPart = slash === -1 ? d : d.slice(0, slash);
  const path = slash === -1 ? '' : normalAppPath(d.slice(slash));
  const wildcard = hostPart.startsWith('*.');
  return { host: wildcard ? hostPart.slice(2) : hostPart, wildcard, path };
}

/**
 * An app's path as the gate compares it: `/caf%C3%A9` (copied from an address bar) covers the
 * requests for `/café`, and `/a/../admin` is `/admin`, or the app would silently cover nothing.
 */
function normalAppPath(raw: string): string {
  let p = raw.replace(/\\/g, '/');
  try {
    p = decodeURIComponent(p).toLowerCase();
  } catch {
    // Not valid escapes: compared as written (requests with bad escapes are refused anyway).
  }
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.length === 0 ? '' : `/${out.join('/')}`;
}

const IPV6_LITERAL = /^\[[0-9a-f:.]{2,45}\]$/;

/**
 * Whether `host` (lower case, no port, no trailing dot) is a syntactically valid host name: DNS
 * labels of letters, digits, `_` and inner hyphens (1 to 63 characters) joined by dots, at most
 * 253 characters, or a bracketed IPv6 literal. Nothing that could end a URL's authority (`/`, `?`,
 * `#`, `\`, `@`, `:`, `%`, a space) or hide one name inside another passes. Runs on every visitor
 * request: one pass, no allocation.
 *
 * @example isHostname('a.w.example.com') // true
 * @example isHostname('evil.example\\.w.example.com') // false
 */
export function isHostname(host: string): boolean {
  const n = host.length;
  if (n === 0 || n > 253) return false;
  if (host.charCodeAt(0) === 91 /* [ */) return IPV6_LITERAL.test(host);
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 /* . */ : host.charCodeAt(i);
    if (c === 46) {
      const len = i - start;
      if (len === 0 || len > 63) return false;
      if (host.charCodeAt(start) === 45 /* - */ || host.charCodeAt(i - 1) === 45) return false;
      start = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

/**
 * Whether the app domain `d` covers `host` (lower case, no port): the one rule for every caller
 * (gate lookup, login, the login's way back, token-named apps). A host that is not a valid host
 * name is covered by nothing, so `evil.example/?.w.example.com` never matches `*.w.example.com`.
 */
export function appCoversHost(d: AppDomain, host: string): boolean {
  if (!isHostname(host)) return false;
  return d.wildcard ? host.endsWith(`.${d.host}`) : host === d.host;
}

function pathMatches(d: AppDomain, path: string): boolean {
  if (d.path === '') return true;
  // Segment boundaries: /admin covers /admin and /admin/x, not /administrator.
  return path === d.path || path.startsWith(`${d.path}/`);
}

/** Higher is more specific: an exact host beats a wildcard, a longer suffix a shorter one, then the longer path. */
function specificity(d: AppDomain): number {
  return (d.wildcard ? 0 : 1_000_000) + d.host.length * 1_000 + d.path.length;
}

/**
 * The application covering `host` + `path`: the most specific domain (and path) wins, as in
 * Cloudflare Access. `host` may carry a port; the query is ignored; paths match case-insensitively.
 */
export function matchApp<A extends { domain: AppDomain }>(
  apps: readonly A[],
  host: string,
  path: string,
): A | undefined {
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const p = (path.split('?')[0] || '/').toLowerCase();
  let best: A | undefined;
  let bestScore = -1;
  for (const app of apps) {
    if (!appCoversHost(app.domain, h) || !pathMatches(app.domain, p)) continue;
    const s = specificity(app.domain);
    if (s > bestScore) {
      best = app;
      bestScore = s;
    }
  }
  return best;
}
