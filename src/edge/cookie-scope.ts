const DOMAIN_ATTR = /;\s*domain\s*=/i;

/**
 * Where an origin's cookies may reach. Quick tunnels (and any hostname under the service domain D)
 * sit under a public suffix, `quick.D`: a cookie for `Domain=quick.D` or `Domain=D` would reach
 * every other tenant's tunnel, so only the visited hostname itself is allowed there.
 *
 * Returns a Set-Cookie value with a `Domain=` attribute removed when it reaches above what the visited
 * host may claim (the cookie then stays host-only, as if the origin had sent no Domain):
 * - hosts under D: only the host itself;
 * - other hosts: the host or a parent of it with at least two labels, never D or above it.
 *
 * Values without a Domain attribute are returned as they are, without allocating.
 */
export function scopeSetCookie(value: string, host: string, serviceDomain: string): string {
  if (!DOMAIN_ATTR.test(value)) return value;
  const parts = value.split(';');
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (
      eq >= 0 &&
      part.slice(0, eq).trim().toLowerCase() === 'domain' &&
      !domainAllowed(part.slice(eq + 1), host, serviceDomain)
    ) {
      continue;
    }
    out += `;${part}`;
  }
  return out;
}

function domainAllowed(raw: string, host: string, serviceDomain: string): boolean {
  let d = raw.trim().toLowerCase();
  if (d.startsWith('.')) d = d.slice(1);
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === host) return true;
  // Under D every name is another tenant's: nothing above the host itself.
  if (host.endsWith(`.${serviceDomain}`)) return false;
  if (!host.endsWith(`.${d}`) || !d.includes('.')) return false;
  return d !== serviceDomain && !serviceDomain.endsWith(`.${d}`);
}
