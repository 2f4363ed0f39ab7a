import { LOOPBACK } from './lib/net.js';
import type { WarrenEdge } from './peers/warren.js';

/** The bootstrapped super administrator of the scale edge (`WARREN_ADMIN_*`). */
export const FLEET_ADMIN = { email: 'scale@example.com', token: 'bench-scale-admin-token-0123456789abcdef' };
const ZONE = 'example.com';
/** API calls in flight while the fleet is created (not timed). */
const CONCURRENCY = 8;

export interface Fleet {
  /** `warren tunnel token` of each tunnel, in creation order. */
  tokens: string[];
  /** Hostname routed to a tunnel, by the tunnel's index in `tokens`. */
  hosts: Map<number, string>;
}

interface Envelope<R> {
  success: boolean;
  result: R;
  errors?: unknown;
}

/**
 * `count` named tunnels in the admin's account (the account limit is 1000 by default: one
 * account's full fleet), and a DNS route `t<i>.example.com` for each index in `routed`.
 */
export async function provisionFleet(edge: WarrenEdge, count: number, routed: number[]): Promise<Fleet> {
  const api = async <R>(method: string, path: string, body?: unknown): Promise<R> => {
    const res = await fetch(`http://${LOOPBACK}:${edge.apiPort}/client/v4${path}`, {
      method,
      headers: {
        authorization: `Bearer ${FLEET_ADMIN.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const e = (await res.json()) as Envelope<R>;
    if (!e.success) throw new Error(`${method} ${path}: ${JSON.stringify(e.errors)}`);
    return e.result;
  };
  const accountId = (await api<{ id: string }[]>('GET', '/accounts'))[0]?.id;
  if (accountId === undefined) throw new Error('the bootstrapped admin has no account');
  const zone = await api<{ id: string }>('POST', '/zones', { account: { id: accountId }, name: ZONE });
  const ids: string[] = new Array(count).fill('');
  const tokens: string[] = new Array(count).fill('');
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const t = await api<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: `scale-${i}` });
      ids[i] = t.id;
      tokens[i] = await api<string>('GET', `/accounts/${accountId}/cfd_tunnel/${t.id}/token`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const hosts = new Map<number, string>();
  for (const i of routed) {
    const host = `t${i}.${ZONE}`;
    await api('PUT', `/zones/${zone.id}/tunnels/${ids[i]}/routes`, { type: 'dns', user_hostname: host });
    hosts.set(i, host);
  }
  return { tokens, hosts };
}
