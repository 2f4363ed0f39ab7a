import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import {
  type EdgeLink,
  LINK_STALL_PONG_TIMEOUT_MS,
  LINK_STALL_PROBE_AFTER_MS,
  LINK_STALL_TICK_MS,
} from '../src/edge/index.js';
import type { MuxStream, Registration } from '../src/protocol/index.js';
import { ManualClock } from '../src/time/index.js';
import { eventually } from './support/eventually.js';
import {
  closedAfterTests,
  dialTunnel,
  type EdgeHarness,
  quickSecretAuth,
  type RawLink,
  register,
  startEdge,
} from './support/raw-tunnel-client.js';

/**
 * Raw connectors (src/protocol only) against an in-process edge. A "hung" replica is a raw link
 * whose socket is paused: like a SIGSTOPped process it reads nothing, so it answers neither
 * requests nor pings. The edge's stall watch runs on a ManualClock (the first two tests) or on
 * real timers with short times (the quiet-but-healthy case, where the probe's answer must really
 * come back over the socket).
 */

const { links: opened, edges: harnesses } = closedAfterTests();

/** Time for one stall from the first tick on: probe after the silence, then the unanswered probe (+ two ticks of slack). */
const STALL_MS = LINK_STALL_PROBE_AFTER_MS + LINK_STALL_PONG_TIMEOUT_MS + 2 * LINK_STALL_TICK_MS;

/** A raw connector link: requests it saw (`METHOD /path`) and the streams it holds unanswered. */
interface Replica {
  link: RawLink;
  seen: string[];
  held: Map<string, MuxStream>;
}

/** Swallows a request body and calls `done` at its end. */
function drain(done: () => void): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
    final(cb) {
      done();
      cb();
    },
  });
}

/**
 * A raw link that answers `x-who: <who>` once the request's body has ended, except `/hold`
 * (kept, no head) and `/streaming` (head and a first piece, then kept open).
 */
async function replica(h: EdgeHarness, who: string): Promise<Replica> {
  const link = await dialTunnel(h.tunnelPort, h.ca);
  opened.push(link);
  const r: Replica = { link, seen: [], held: new Map() };
  link.conn.onStream = (stream, head) => {
    r.seen.push(`${head.method} ${head.path}`);
    stream.onReset = () => {};
    if (head.path === '/streaming') {
      stream.respond({ status: 200, headers: ['x-who', who] });
      stream.write(Buffer.from('first;'));
      r.held.set(head.path, stream);
      return;
    }
    if (head.path === '/hold') {
      r.held.set(head.path, stream);
      return;
    }
    const answer = (): void => stream.respond({ status: 200, headers: ['x-who', who], endOfStream: true });
    if (stream.remoteEnded) answer();
    else stream.pipeTo(drain(answer));
  };
  return r;
}

interface Started {
  head: Promise<IncomingMessage>;
  done: Promise<{ status: number; who: string; body: string }>;
  settled: boolean;
}

/** One visitor request on a connection of its own; `head` resolves at the response head, `done` at its end. */
function start(port: number, host: string, method: string, path: string, body?: string): Started {
  let onHead: (res: IncomingMessage) => void = () => {};
  const head = new Promise<IncomingMessage>((resolve) => {
    onHead = resolve;
  });
  const s: Started = { head, done: Promise.resolve({ status: 0, who: '', body: '' }), settled: false };
  s.done = new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      onHead(res);
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        s.settled = true;
        resolve({
          status: res.statusCode ?? 0,
          who: String(res.headers['x-who'] ?? ''),
          body: Buffer.concat(parts).toString(),
        });
      });
    });
    req.on('error', (err) => {
      s.settled = true;
      reject(err);
    });
    req.end(body);
  });
  return s;
}

/** Joins a quick tunnel with its secret, as the connector's further links do. */
async function join(r: Replica, quick: NonNullable<Registration['quick']>, connIndex: number, connectorId: string) {
  const reg = await register(r.link, quickSecretAuth(r.link, quick), connIndex, undefined, connectorId);
  assert.ok('connectionId' in reg, JSON.stringify(reg));
}

function edgeLink(h: EdgeHarness, tunnelId: string, connectorId: string, connIndex: number): EdgeLink {
  const link = h.edge.registry
    .links(tunnelId)
    .find((l) => l.connector.connectorId === connectorId && l.connector.connIndex === connIndex);
  assert.ok(link, `edge link ${connectorId}#${connIndex}`);
  return link;
}

test('a-hung-replica-gets-no-new-requests-and-its-safe-requests-move-to-the-healthy-one', async () => {
  const clock = new ManualClock();
  const h = await startEdge({ timers: clock });
  harnesses.push(h);
  const b0 = await replica(h, 'B');
  const reg = (await register(b0.link, { kind: 'quick-new' }, 0, undefined, 'replica-b')) as Registration;
  const quick = reg.quick;
  const host = reg.hostname;
  assert.ok(quick !== undefined && host !== undefined, JSON.stringify(reg));
  const port = h.httpPort;

  // A response already under way on B when it hangs: its head and first bytes arrived.
  const streaming = start(port, host, 'GET', '/streaming');
  assert.equal((await streaming.head).headers['x-who'], 'B');

  // B hangs; four requests reach its link (the tunnel's only one so far).
  b0.link.socket.pause();
  const get = start(port, host, 'GET', '/g1');
  const head = start(port, host, 'HEAD', '/g2');
  const post = start(port, host, 'POST', '/p', 'not idempotent');
  const put = start(port, host, 'PUT', '/u', 'idempotent, but its body went out');
  const linkB0 = edgeLink(h, quick.tunnelId, 'replica-b', 0);
  await eventually(() => linkB0.conn.streams.size === 5, 5_000, 'five streams open on the hung link');

  // B's second link (idle, hung too) and the healthy replica A join.
  const b1 = await replica(h, 'B');
  await join(b1, quick, 1, 'replica-b');
  b1.link.socket.pause();
  const a = await replica(h, 'A');
  await join(a, quick, 0, 'replica-a');
  const linkB1 = edgeLink(h, quick.tunnelId, 'replica-b', 1);

  await clock.advance(STALL_MS);
  assert.equal(linkB0.stalled, true, 'the link that owes bytes and answered no probe is stalled');
  assert.equal(linkB1.stalled, true, 'its idle sibling (same connector) is taken out with it');

  // The idempotent, bodiless requests moved to A; the others stay where they were sent.
  await eventually(() => get.settled && head.settled, 5_000, 'the safe requests answered elsewhere');
  const moved = await Promise.all([get.done, head.done]);
  assert.deepEqual(
    moved.map((r) => [r.status, r.who]),
    [
      [200, 'A'],
      [200, 'A'],
    ],
  );
  assert.equal(h.edge.metrics.stalledRequestsRetried, 2);
  assert.ok(h.edge.metrics.linkStalls >= 1);
  assert.deepEqual([post.settled, put.settled, streaming.settled], [false, false, false]);

  // New requests go to A only: neither B link is picked.
  for (let i = 0; i < 4; i++) {
    const r = start(port, host, 'GET', `/n${i}`);
    assert.equal((await r.done).who, 'A');
  }
  assert.deepEqual(a.seen.sort(), ['GET /g1', 'GET /n0', 'GET /n1', 'GET /n2', 'GET /n3', 'HEAD /g2']);

  // B wakes up: it answers what was left on it, and its links are picked again.
  b0.link.socket.resume();
  b1.link.socket.resume();
  const rest = b0.held.get('/streaming');
  assert.ok(rest);
  rest.write(Buffer.from('second'));
  rest.end();
  assert.deepEqual(
    (await Promise.all([post.done, put.done, streaming.done])).map((r) => [r.status, r.who]),
    [
      [200, 'B'],
      [200, 'B'],
      [200, 'B'],
    ],
  );
  assert.equal((await streaming.done).body, 'first;second', 'a response under way was never sent twice');
  await eventually(
    async () => {
      await clock.advance(LINK_STALL_TICK_MS);
      return linkB0.stalled === false && linkB1.stalled === false;
    },
    5_000,
    'both B links pickable again',
  );
  assert.ok(h.edge.metrics.linkRecoveries >= 2);
  const whos = new Set<string>();
  for (let i = 0; i < 6; i++) whos.add((await start(port, host, 'GET', `/again${i}`).done).who);
  assert.deepEqual([...whos].sort(), ['A', 'B']);
});

test('when-every-link-is-stalled-requests-wait-and-move-once-a-usable-link-joins', async () => {
  const clock = new ManualClock();
  const h = await startEdge({ timers: clock });
  harnesses.push(h);
  const b = await replica(h, 'B');
  const reg = (await register(b.link, { kind: 'quick-new' }, 0, undefined, 'replica-b')) as Registration;
  const quick = reg.quick;
  const host = reg.hostname;
  assert.ok(quick !== undefined && host !== undefined, JSON.stringify(reg));
  const link = edgeLink(h, quick.tunnelId, 'replica-b', 0);
  b.link.socket.pause();
  const first = start(h.httpPort, host, 'GET', '/one');
  await eventually(() => link.conn.streams.size === 1, 5_000, 'the request on the link');
  await clock.advance(STALL_MS);
  assert.equal(link.stalled, true);
  assert.equal(h.edge.metrics.stalledRequestsRetried, 0, 'nowhere to move it: it waits');
  // A new request still goes to the stalled link (fail open) rather than being refused.
  const second = start(h.httpPort, host, 'GET', '/two');
  await eventually(() => link.conn.streams.size === 2, 5_000, 'the new request on the stalled link');
  assert.equal(first.settled || second.settled, false);
  // A healthy replica joins: at the next tick both requests move to it.
  const a = await replica(h, 'A');
  await join(a, quick, 0, 'replica-a');
  await clock.advance(LINK_STALL_TICK_MS);
  await eventually(() => first.settled && second.settled, 5_000, 'both requests answered elsewhere');
  assert.deepEqual(
    (await Promise.all([first.done, second.done])).map((r) => [r.status, r.who]),
    [
      [200, 'A'],
      [200, 'A'],
    ],
  );
  assert.equal(h.edge.metrics.stalledRequestsRetried, 2);
  b.link.socket.resume();
});

test('a-quiet-link-that-answers-the-probe-keeps-its-requests', async () => {
  // Real timers: the probe's answer must really come back. The pong timeout is long next to a
  // loopback round trip, the probe comes after 100 ms of silence.
  const h = await startEdge({ linkStall: { probeAfterMs: 100, pongTimeoutMs: 1_000 } });
  harnesses.push(h);
  const b = await replica(h, 'B');
  const reg = (await register(b.link, { kind: 'quick-new' }, 0, undefined, 'replica-b')) as Registration;
  const quick = reg.quick;
  const host = reg.hostname;
  assert.ok(quick !== undefined && host !== undefined, JSON.stringify(reg));
  const a = await replica(h, 'A');
  // A long poll on B (its only link then), then A joins.
  const held = start(h.httpPort, host, 'GET', '/hold');
  await eventually(() => b.held.has('/hold'), 5_000, 'the long poll at B');
  await join(a, quick, 0, 'replica-a');
  // Five answers (Pongs) read by the edge on B's link, or a stall, whichever comes first.
  const linkB = edgeLink(h, quick.tunnelId, 'replica-b', 0);
  const before = linkB.conn.reads;
  await eventually(() => linkB.stalled === true || linkB.conn.reads >= before + 5, 10_000, 'five probes answered');
  assert.equal(linkB.stalled ?? false, false, 'a quiet link that answers its probes is not stalled');
  assert.equal(h.edge.metrics.linkStalls, 0);
  b.held.get('/hold')?.respond({ status: 200, headers: ['x-who', 'B'], endOfStream: true });
  assert.equal((await held.done).who, 'B');
  assert.deepEqual(a.seen, [], 'the long poll was never sent twice');
});
