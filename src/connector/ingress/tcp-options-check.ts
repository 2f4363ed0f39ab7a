import { IngressError } from './ingress-error.js';
import type { OriginRequestConfig, OriginRequestOverrides } from './origin-request.js';
import type { OriginService } from './origin-service.js';

/** `host:port` or `host:*` (a bracketed IPv6 literal allowed). */
const DESTINATION = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+):(\*|\d{1,5})$/i;

/**
 * The raw-TCP and UDP settings of one rule: `udpIdleTimeout`, `proxyProtocol`, `bastionMode` and
 * its allow-list. `own` is what the rule itself wrote (a global setting that cannot apply to a
 * rule's kind is left alone; the rule's own one is refused).
 */
export function checkTcpOptions(
  n: number | undefined,
  service: OriginService | undefined,
  o: OriginRequestConfig,
  own: OriginRequestOverrides | undefined,
): void {
  const where = 'originRequest';
  if (!(o.udpIdleTimeoutMs > 0)) {
    throw new IngressError(n, `${where}.udpIdleTimeout must be longer than zero`, 'write e.g. "udpIdleTimeout: 60s"');
  }
  if (o.proxyProtocol !== undefined && o.proxyProtocol !== 'v1' && o.proxyProtocol !== 'v2') {
    throw new IngressError(
      n,
      `${where}.proxyProtocol "${String(o.proxyProtocol)}" is not a PROXY protocol version`,
      'write "proxyProtocol: v1" (text) or "proxyProtocol: v2" (binary), or leave it out',
    );
  }
  for (const d of o.bastionDestinations) {
    const m = DESTINATION.exec(d);
    if (m === null || (m[2] !== '*' && Number(m[2]) > 65535)) {
      throw new IngressError(
        n,
        `${where}.bastionDestinations entry "${d}" is not host:port`,
        'write e.g. "- 10.0.0.5:22" or "- db.internal:*" (any port of that host)',
      );
    }
  }
  if (service === undefined) return;
  const tcp = service.kind === 'tcp';
  if (!tcp && (own?.proxyProtocol !== undefined || own?.bastionMode === true)) {
    throw new IngressError(
      n,
      `${where}.${own?.bastionMode === true ? 'bastionMode' : 'proxyProtocol'} needs a tcp://, ssh://, rdp:// or smb:// service`,
      'move it to the rule of the TCP service, or remove it',
    );
  }
  if (tcp && o.bastionMode && o.bastionDestinations.length === 0) {
    throw new IngressError(
      n,
      `${where}.bastionMode is on but bastionDestinations is empty: every client could reach any address`,
      'list the destinations clients may name, e.g. "bastionDestinations: [10.0.0.5:22, db.internal:5432]"',
    );
  }
}

/** Whether `host:port` is on a bastion rule's allow-list (host names compared without case). */
export function bastionAllows(list: readonly string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const entry of list) {
    const m = DESTINATION.exec(entry);
    if (m === null) continue;
    const eh = (m[1] as string).toLowerCase().replace(/^\[|\]$/g, '');
    if (eh === h && (m[2] === '*' || Number(m[2]) === port)) return true;
  }
  return false;
}
