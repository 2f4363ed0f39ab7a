import { join } from 'node:path';
import { LOOPBACK, waitForOk } from '../lib/net.js';
import { type Child, spawnChild } from '../lib/proc.js';
import type { Peer } from './peer.js';

/**
 * Reference row, not a product: two bare node TCP relays in a row (bench/relay.ts: `net` pipes,
 * no parsing, no framing, no TLS), the same number of process hops as every tunnel here. What it
 * reaches is the most any two-hop tunnel written on node can reach on this machine.
 */
export const nodeRelay: Peer = {
  name: 'node relay ×2',
  describe: () =>
    `reference: two node ${process.version} \`net\` pipe relays in a row (bench/relay.ts), no HTTP, no framing, no TLS`,
  unavailable: async () => undefined,
  async start(ctx) {
    const script = join(ctx.repo, 'dist', 'bench', 'relay.js');
    const started: Child[] = [];
    try {
      const near = spawnChild('relay-origin-side', process.execPath, [script, String(ctx.originPort)]);
      started.push(near);
      const nearPort = (await near.waitFor(/relay listening 127\.0\.0\.1:(\d+)/, 15_000))[1] as string;
      const far = spawnChild('relay-visitor-side', process.execPath, [script, nearPort]);
      started.push(far);
      const farPort = (await far.waitFor(/relay listening 127\.0\.0\.1:(\d+)/, 15_000))[1] as string;
      const target = { base: `http://${LOOPBACK}:${farPort}`, host: undefined };
      await waitForOk(target, '/', 'Hello', 15_000);
      return {
        target,
        pids: () => [far.pid, near.pid],
        roles: { 'visitor-side relay': far.pid, 'origin-side relay': near.pid },
        extra: {},
        stop: async () => {
          await Promise.all(started.map((c) => c.stop()));
        },
      };
    } catch (err) {
      await Promise.all(started.map((c) => c.stop()));
      throw err;
    }
  },
};
