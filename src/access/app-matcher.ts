/** An application's domain, parsed: `app.example.com`, `*.example.com`, `app.example.com/admin`. */
export interface AppDomain {
  /** Lower case; for a wildcard, the suffix after `*.`. */
  host: string;
  wildcard: boolean;
  /** '' or a path starting with '/' and without a trailing '/'. */
  path: string;
}

export function parseAppDomain(domain: string): AppDomain {
  const d = domain.trim().toLowerCase();
  const slash = d.indexOf('/');
  const hostPart = slash === -1 ? d : d.slice(0, slash);
  const path = slash === -1 ? '' : d.slice(slash).replace(/\/+$/, '');
  const wildcard = hostPart.startsWith('*.');
  return { host: wildcard ? hostPart.slice(2) : hostPart, wildcard, path };
}

function hostMatches(d: AppDomain, host: string): boolean {
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
    if (!hostMatches(app.domain, h) || !pathMatches(app.domain, p)) continue;
    const s = specificity(app.domain);
    if (s > bestScore) {
      best = app;
      bestScore = s;
    }
  }
  return best;
}
