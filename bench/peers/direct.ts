import { LOOPBACK } from '../lib/net.js';
import type { Peer } from './peer.js';

/** The origin itself, no hop: the physical limit every other row is divided by. */
export const direct: Peer = {
  name: 'direct',
  describe: () => `node ${process.version} http server (13-byte body), no hop`,
  unavailable: async () => undefined,
  start: async (ctx) => ({
    target: { base: `http://${LOOPBACK}:${ctx.originPort}`, host: undefined },
    pids: () => [ctx.originPid],
    roles: { origin: ctx.originPid },
    extra: {},
    stop: async () => {},
  }),
};
