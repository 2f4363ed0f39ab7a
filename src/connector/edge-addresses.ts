import { promises as dnsPromises } from 'node:dns';
import { WarrenError } from '../errors/index.js';

/** One edge's tunnel port. */
export interface EdgeAddress {
  host: string;
  port: number;
}

/** What resolves an SRV name (node's resolver; tests point one at their own DNS server). */
export type SrvResolver = Pick<dnsPromises.Resolver, 'resolveSrv'>;

/** `HOST[:PORT]` or `[IPv6][:PORT]`; the port defaults to 7844. */
export function parseEdgeAddress(edge: string): EdgeAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(edge.trim());
  const port = Number(m?.[3] ?? 7844);
  if (m === null || port < 1 || port > 65535) {
    throw new WarrenError('WARREN_CONFIG_INVALID', `--edge "${edge}": expected HOST:PORT, e.g. 127.0.0.1:7844`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/** An SRV name names several edges: `_warren._tcp.DOMAIN` (a leading `_service._proto.`, no port). */
export function isSrvName(edge: string): boolean {
  return /^_[^.:]+\._(tcp|udp)\.[^:]+$/i.test(edge.trim());
}

/**
 * The edges of `--edge` (given more than once, or comma-separated, as config.yml's list is
 * joined): each `HOST:PORT` as is, each SRV name (`_warren._tcp.DOMAIN`) looked up with node's
 * DNS resolver into its targets, by priority then weight (highest first), as cloudflared finds
 * its edge by `_v2-origintunneld._tcp.argotunnel.com`. Duplicates are dropped.
 */
export async function resolveEdgeAddresses(edge: string, resolver: SrvResolver = dnsPromises): Promise<EdgeAddress[]> {
  const out: EdgeAddress[] = [];
  const seen = new Set<string>();
  const add = (a: EdgeAddress): void => {
    const key = `${a.host}:${a.port}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(a);
  };
  for (const item of edge.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    if (!isSrvName(item)) {
      add(parseEdgeAddress(item));
      continue;
    }
    let records: Awaited<ReturnType<SrvResolver['resolveSrv']>>;
    try {
      records = await resolver.resolveSrv(item);
    } catch (err) {
      throw new WarrenError(
        'WARREN_EDGE_UNREACHABLE',
        `--edge ${item}: the SRV lookup failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the name, or give the edges as --edge HOST:PORT`,
        { cause: err, retryable: false },
      );
    }
    const sorted = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    for (const r of sorted) add({ host: r.name.replace(/\.$/, ''), port: r.port });
  }
  if (out.length === 0) {
    throw new WarrenError(
      'WARREN_CONFIG_INVALID',
      `--edge "${edge}": no edge address in it; write e.g. 127.0.0.1:7844`,
    );
  }
  return out;
}
