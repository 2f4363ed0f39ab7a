import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EdgeLink } from '../src/edge/registration/edge-link.js';
import { LINK_SPILL_BYTES, TunnelRegistry } from '../src/edge/routing/tunnel-registry.js';
import { MuxConnection } from '../src/protocol/index.js';
import { loopbackPair } from './support/loopback-pair.js';

const WINDOW = 1024 * 1024;

/** An edge-role MuxConnection over a real loopback TCP connection, as one registered link of tunnel `t`. */
async function link(i: number, connectorId = `k${i}`): Promise<{ link: EdgeLink; close(): void }> {
  const { dialled: client, server } = await loopbackPair();
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
    connector: { connectorId, connIndex: i, version: 'test', arch: 'x', os: 'y' },
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

test('replicas-take-requests-in-turn-and-a-turns-requests-of-one-replica-share-its-link', async () => {
  // Three replicas (one link each), five requests opened in each loop turn.
  const links = await Promise.all([link(0), link(1), link(2)]);
  const registry = new TunnelRegistry();
  for (const l of links) registry.add(l.link);
  try {
    const counts = new Map<string, number>();
    for (let t = 0; t < 30; t++) {
      const picked: string[] = [];
      for (let i = 0; i < 5; i++) {
        const l = registry.pick('t');
        assert.ok(l !== undefined);
        l.conn.openStream({ method: 'GET', path: '/', headers: ['host', 'a'], endOfStream: true });
        picked.push(l.connectionId);
        counts.set(l.connectionId, (counts.get(l.connectionId) ?? 0) + 1);
      }
      assert.equal(new Set(picked).size, 3, `turn ${t}: the requests went round the replicas (${picked.join(' ')})`);
      await turn();
    }
    assert.deepEqual([...counts.values()], [50, 50, 50], 'the replicas share the load request by request');
    // A draining link is left at once.
    const first = registry.pick('t');
    assert.ok(first !== undefined);
    first.draining = true;
    for (let i = 0; i < 4; i++) assert.notEqual(registry.pick('t')?.connectionId, first.connectionId);
  } finally {
    for (const l of links) l.close();
  }
});

/** Picks a link for one request and opens it there, as the visitor path does. */
function request(registry: TunnelRegistry): EdgeLink {
  const l = registry.pick('t');
  assert.ok(l !== undefined);
  l.conn.openStream({ method: 'GET', path: '/', headers: ['host', 'a'], endOfStream: true });
  return l;
}

test('a-replicas-ha-links-carry-its-requests-on-one-link-until-it-backs-up-or-dies', async () => {
  // One connector with 4 HA links, as `warren tunnel` opens them.
  const links = await Promise.all([0, 1, 2, 3].map((i) => link(i, 'k')));
  const registry = new TunnelRegistry();
  for (const l of links) registry.add(l.link);
  const [l0, l1] = links.map((l) => l.link);
  assert.ok(l0 !== undefined && l1 !== undefined);
  try {
    for (let t = 0; t < 20; t++) {
      for (let i = 0; i < 3; i++) assert.equal(request(registry).connectionId, 'c0', `turn ${t}: the first link`);
      await turn();
    }
    // The first link backs up (its peer reads nothing): new requests spill to the next link.
    const bulk = l0.conn.openStream({ method: 'POST', path: '/', headers: ['host', 'a'], endOfStream: false });
    const deadline = Date.now() + 10_000;
    while (l0.conn.writableLength <= LINK_SPILL_BYTES) {
      assert.ok(Date.now() < deadline, 'the first link backs up');
      if (bulk.sendCredit > 0) bulk.write(Buffer.alloc(Math.min(bulk.sendCredit, 64 * 1024)));
      else {
        bulk.end();
        break;
      }
      await turn();
    }
    if (l0.conn.writableLength <= LINK_SPILL_BYTES) {
      // The window ran out before the kernel's buffers filled: more streams, each with its window.
      for (let s = 0; s < 64 && l0.conn.writableLength <= LINK_SPILL_BYTES; s++) {
        assert.ok(Date.now() < deadline, 'the first link backs up');
        const more = l0.conn.openStream({ method: 'POST', path: '/', headers: ['host', 'a'], endOfStream: false });
        more.write(Buffer.alloc(more.sendCredit));
        await turn();
      }
    }
    assert.ok(l0.conn.writableLength > LINK_SPILL_BYTES, 'the first link is backed up');
    await turn();
    for (let t = 0; t < 5; t++) {
      assert.equal(request(registry).connectionId, 'c1', 'a backed-up link lets new requests spill to the next');
      await turn();
    }
    // The first link dies: its requests go on the next one, and stay there.
    links[0]?.close();
    const gone = Date.now() + 5_000;
    while (!l0.conn.closed) {
      assert.ok(Date.now() < gone, 'the first link closes');
      await turn();
    }
    for (let t = 0; t < 5; t++) {
      assert.equal(request(registry).connectionId, 'c1');
      await turn();
    }
    // A draining link is left at once.
    l1.draining = true;
    assert.equal(request(registry).connectionId, 'c2');
  } finally {
    for (const l of links) l.close();
  }
});

test('replicas-share-the-load-each-on-its-first-link', async () => {
  // Two replicas, two HA links each, registered interleaved.
  const links = await Promise.all([link(0, 'a'), link(1, 'b'), link(2, 'a'), link(3, 'b')]);
  const registry = new TunnelRegistry();
  for (const l of links) registry.add(l.link);
  try {
    const counts = new Map<string, number>();
    for (let t = 0; t < 40; t++) {
      const l = request(registry);
      counts.set(l.connectionId, (counts.get(l.connectionId) ?? 0) + 1);
      await turn();
    }
    assert.deepEqual(
      [...counts].sort(),
      [
        ['c0', 20],
        ['c1', 20],
      ],
      'each replica gets half, all on its first link',
    );
  } finally {
    for (const l of links) l.close();
  }
});

test('uneven-turns-do-not-tilt-the-share-between-replicas', async () => {
  // Bursts of 7 and 1 requests turn after turn: a rotation by turn would give one replica every
  // burst of 7 (140 against 20).
  const links = await Promise.all([link(0, 'a'), link(1, 'b')]);
  const registry = new TunnelRegistry();
  for (const l of links) registry.add(l.link);
  try {
    const counts = new Map<string, number>();
    for (let t = 0; t < 40; t++) {
      for (let i = 0; i < (t % 2 === 0 ? 7 : 1); i++) {
        const l = request(registry);
        counts.set(l.connectionId, (counts.get(l.connectionId) ?? 0) + 1);
      }
      await turn();
    }
    const a = counts.get('c0') ?? 0;
    const b = counts.get('c1') ?? 0;
    assert.equal(a + b, 160);
    assert.ok(Math.abs(a - b) <= 1, `the replicas carried ${a} and ${b}`);
  } finally {
    for (const l of links) l.close();
  }
});
