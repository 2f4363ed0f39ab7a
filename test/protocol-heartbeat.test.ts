import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { WarrenError } from '../src/errors/index.js';
import { HEARTBEAT_MISSES_ALLOWED, MuxConnection } from '../src/protocol/index.js';
import { ManualClock } from '../src/time/index.js';
import { loopbackPair } from './support/loopback-pair.js';
import { dialTunnel, register, startEdge } from './support/raw-tunnel-client.js';

const HEARTBEAT_MS = 1_000;
const TIMEOUT_MS = HEARTBEAT_MISSES_ALLOWED * HEARTBEAT_MS;

/**
 * An edge-role MuxConnection whose heartbeat runs on `clock`, and a connector-role one on the
 * system timers (it only answers pings), over a real loopback TCP connection.
 */
async function linkPair(clock: ManualClock) {
  const { dialled: client, accepted: serverSide, server } = await loopbackPair();
  const opts = { initialWindow: 256 * 1024, heartbeatMs: HEARTBEAT_MS, heartbeatTimeoutMs: TIMEOUT_MS };
  const edge = new MuxConnection(client, { role: 'edge', ...opts, timers: clock });
  const peer = new MuxConnection(serverSide, { role: 'connector', ...opts });
  const closed = new Promise<WarrenError | undefined>((resolve) => {
    edge.onClose = resolve;
  });
  return {
    edge,
    peer,
    client,
    closed,
    close() {
      edge.destroy();
      peer.destroy();
      server.close();
    },
  };
}

test('a-silent-peer-is-dropped-after-the-allowed-missed-heartbeats-without-real-waiting', {
  timeout: 10_000,
}, async () => {
  const clock = new ManualClock(0);
  const { edge, peer, closed, close } = await linkPair(clock);
  try {
    // The peer stops reading, so it answers no ping: nothing at all arrives at the edge.
    peer.socket.pause();
    edge.startHeartbeat();
    assert.deepEqual(clock.pending, [HEARTBEAT_MS]);
    await clock.advance(TIMEOUT_MS - HEARTBEAT_MS);
    assert.equal(edge.closed, false, 'dropped before the allowed misses were used up');
    await clock.advance(HEARTBEAT_MS);
    const err = await closed;
    assert.equal(err?.code, 'WARREN_HEARTBEAT_TIMEOUT');
    assert.equal(err?.retryable, true);
    assert.match(err?.message ?? '', new RegExp(`${TIMEOUT_MS} ms`));
    assert.deepEqual(clock.pending, [], 'the heartbeat timer is cancelled with the link');
  } finally {
    close();
  }
});

test('a-peer-that-answers-pings-keeps-the-link-up-until-it-falls-silent', { timeout: 10_000 }, async () => {
  const clock = new ManualClock(0);
  const { edge, peer, client, closed, close } = await linkPair(clock);
  try {
    edge.startHeartbeat();
    // Ten intervals, each one's Pong awaited: far beyond the timeout, and the link stays up.
    for (let i = 0; i < 10; i++) {
      const pong = once(client, 'data');
      await clock.advance(HEARTBEAT_MS);
      await pong;
    }
    assert.equal(edge.closed, false);
    peer.socket.pause();
    // The Pong to the last ping arrived after that tick, so the next tick still sees traffic and
    // the silence counts from there.
    await clock.advance(HEARTBEAT_MS + TIMEOUT_MS - 1);
    assert.equal(edge.closed, false, 'dropped before the allowed misses were used up');
    await clock.advance(1);
    assert.equal((await closed)?.code, 'WARREN_HEARTBEAT_TIMEOUT');
  } finally {
    close();
  }
});

test('the-edge-drops-a-registered-link-whose-connector-falls-silent', { timeout: 20_000 }, async () => {
  const clock = new ManualClock(0);
  const h = await startEdge({ timers: clock });
  try {
    const link = await dialTunnel(h.tunnelPort, h.ca);
    const reg = await register(link, { kind: 'quick-new' });
    assert.ok('connectionId' in reg, JSON.stringify(reg));
    // The edge pings at the pace the connector announced (60 s in register()), and the raw
    // connector never pings nor reads: it is silent from the edge's side.
    link.socket.pause();
    assert.equal([...h.edge.registry.allLinks()].length, 1);
    await clock.advance(HEARTBEAT_MISSES_ALLOWED * 60_000 - 1);
    assert.equal([...h.edge.registry.allLinks()].length, 1, 'dropped before the allowed misses were used up');
    await clock.advance(1);
    // Reading again, the raw connector sees the edge's close.
    link.socket.resume();
    await link.closed;
    assert.equal([...h.edge.registry.allLinks()].length, 0);
  } finally {
    await h.close();
  }
});
