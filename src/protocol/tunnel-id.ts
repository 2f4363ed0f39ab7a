/** The text of a UUID (any case), for patterns that embed one. */
const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_TEXT}$`, 'i');

/** `s` is a UUID (tunnel, connector and account ids), in any case. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** The CNAME target of a tunnel: `<uuid>.tunnel.<service domain>`. */
export function tunnelTarget(tunnelId: string, domain: string): string {
  return `${tunnelId}.tunnel.${domain}`;
}

/**
 * The tunnel id a CNAME target names, when it is `<uuid>.tunnel.<domain>` (any case, trailing
 * dot or not); undefined for any other name. The id comes back lower case.
 */
export function tunnelIdOfTarget(content: string, domain: string): string | undefined {
  const c = content.toLowerCase().replace(/\.$/, '');
  const suffix = `.tunnel.${domain.toLowerCase().replace(/\.$/, '')}`;
  if (!c.endsWith(suffix)) return undefined;
  const id = c.slice(0, -suffix.length);
  return UUID.test(id) ? id : undefined;
}

/**
 * `name` is under `tunnel.<domain>` (the tunnel targets' own subdomain), UUID or not: the DNS
 * server answers such names with the edge and never reveals what a record there points at.
 */
export function isUnderTunnelDomain(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const t = `tunnel.${domain.toLowerCase().replace(/\.$/, '')}`;
  return n === t || n.endsWith(`.${t}`);
}
