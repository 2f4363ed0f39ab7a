import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { test } from 'node:test';
import type { EdgeLink } from '../src/edge/registration/edge-link.js';
import { TunnelRegistry } from '../src/edge/routing/tunnel-registry.js';
import { MuxConnection } from '../src/protocol/index.js';

const WINDOW = 1024 * 1024;

/** An edge-role MuxConnection over a real loopback TCP connection, as one registered link of tunnel `t`. */
async function link(i: number): Promise<{ link: EdgeLink; close(): void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await Promise.all([accepted, once(client, 'connect')]);
  const conn = new MuxConnection(client, {
    role: 'edge',
    initialWindow: WINDOW,
    heartbeatMs: 1_000,
    heartbeatTimeoutMs: 3_000,
  });
  conn.peerInitialWindow = WINDOW;
  const l: EdgeLink = {
    conn,
    connectionId: `c${i}`,
    tunnelId: 't',
    accountId: undefined,
    connector: { connectorId: `k${i}`, connIndex: i, version: 'test', arch: 'x', os: 'y' },
    originIp: '127.0.0.1',
    connectedAt: new Date(),
    hostname: undefined,
    draining: false,
  };
  return {
    link: l,
    close() {
      conn.destroy();
      server.close();
    },
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('requests-of-one-loop-turn-share-a-link-and-the-next-turn-rotates', async () => {
  const links = await Promise.all([link(0), link(1), link(2)]);
  const registry = new TunnelRegistry();
  for (const l of links) registry.add(l.link);
  try {
    const counts = new Map<string, number>();
    for (let t = 0; t < 30; t++) {
      // Several requests opened in one turn (as many visitors' reads in one poll phase).
      const picked = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const l = registry.pick('t');
        assert.ok(l !== undefined);
        l.conn.openStream({ method: 'GET', path: '/', headers: ['host', 'a'], endOfStream: true });
        picked.add(l.connectionId);
        counts.set(l.connectionId, (counts.get(l.connectionId) ?? 0) + 1);
      }
      assert.equal(picked.size, 1, `turn ${t}: the turn's requests went on one link (one TLS write)`);
      await turn();
    }
    assert.deepEqual([...counts.values()], [50, 50, 50], 'the links still share the load, turn by turn');
    // A draining link is left at once, even within a turn.
    const first = registry.pick('t');
    assert.ok(first !== undefined);
    first.conn.openStream({ method: 'GET', path: '/', headers: ['host', 'a'], endOfStream: true });
    first.draining = true;
    assert.notEqual(registry.pick('t')?.connectionId, first.connectionId);
  } finally {
    for (const l of links) l.close();
  }
});
