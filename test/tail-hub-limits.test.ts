import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import {
  type EdgeLink,
  MAX_TAIL_SESSIONS_PER_TUNNEL,
  ManagementHub,
  TAIL_CLIENT_BACKLOG,
  TAIL_RELAY_EVENTS_PER_SECOND,
  type TailClient,
  TunnelRegistry,
} from '../src/edge/index.js';
import { WarrenError } from '../src/errors/index.js';
import {
  encodeManagement,
  type Frame,
  FrameParser,
  FrameType,
  type LogEvent,
  type ManagementMessage,
  MuxConnection,
  parseManagement,
  type TailFilters,
} from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';

const TUNNEL = '6ff42ae2-765d-4adf-8112-31c55c1551ef';
const FILTERS: TailFilters = { events: [], level: 'debug', sample: 1 };

/** A registered link whose socket records what the edge sends the connector. */
function linkOf(connectorId: string): { link: EdgeLink; sent: ManagementMessage[] } {
  const sent: ManagementMessage[] = [];
  const parser = new FrameParser((f: Frame) => {
    if (f.type === FrameType.Management) sent.push(parseManagement(f.payload));
  });
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk);
      cb();
    },
  });
  const conn = new MuxConnection(socket, {
    role: 'edge',
    initialWindow: 65536,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  const link: EdgeLink = {
    conn,
    connectionId: `c-${connectorId}`,
    tunnelId: TUNNEL,
    accountId: 'acct',
    connector: { connectorId, connIndex: 0, version: 't', arch: 'x64', os: 'linux' },
    originIp: '127.0.0.1',
    connectedAt: new Date(),
    hostname: undefined,
    draining: false,
  };
  return { link, sent };
}

/** A client that never reads: everything sent stays in its backlog. */
function stalledClient(): TailClient & { messages: { type: string; count?: number }[] } {
  const messages: { type: string; count?: number }[] = [];
  let backlog = 0;
  return {
    messages,
    get backlog() {
      return backlog;
    },
    send(text: string) {
      backlog += Buffer.byteLength(text);
      messages.push(JSON.parse(text) as { type: string; count?: number });
    },
  };
}

function event(path: string): LogEvent {
  return {
    time: new Date().toISOString(),
    level: 'info',
    event: 'http',
    connector_id: '',
    message: `GET h${path} 200 1ms`,
    method: 'GET',
    host: 'app.example.com',
    path,
    status: 200,
    duration_ms: 1,
    ray_id: 'r',
  };
}

async function flushed(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

function hubWith(connectorIds: string[]) {
  const registry = new TunnelRegistry();
  const links = connectorIds.map(linkOf);
  for (const l of links) registry.add(l.link);
  return { hub: new ManagementHub(registry, pino({ level: 'silent' })), links };
}

test('a slow tail client gets no more once its backlog passes the bound: events are dropped, not buffered', async () => {
  const { hub, links } = hubWith(['a']);
  const client = stalledClient();
  const session = hub.open(TUNNEL, FILTERS, undefined, client);
  const a = links[0] as (typeof links)[number];
  await flushed();
  assert.equal(a.sent[0]?.type, 'start');
  const big = `/${'x'.repeat(2000)}`;
  const n = Math.min(TAIL_RELAY_EVENTS_PER_SECOND - 1, 190);
  for (let i = 0; i < n; i++) {
    hub.onFrame(a.link, encodeManagement({ type: 'event', sessions: [session.id], event: event(big) }));
  }
  const relayed = client.messages.filter((m) => m.type === 'event').length;
  assert.ok(relayed < n, `relayed ${relayed} of ${n}`);
  assert.ok(client.backlog <= TAIL_CLIENT_BACKLOG + 8 * 1024, `backlog ${client.backlog}`);
  assert.equal(hub.stats.dropped, n - relayed);
  hub.closeAll();
});

test('events over the per-session rate are dropped and reported as one "N events dropped" notice', async () => {
  const { hub, links } = hubWith(['a']);
  const messages: { type: string; count?: number }[] = [];
  const session = hub.open(TUNNEL, FILTERS, undefined, {
    backlog: 0,
    send: (t) => messages.push(JSON.parse(t) as { type: string; count?: number }),
  });
  const a = links[0] as (typeof links)[number];
  const total = TAIL_RELAY_EVENTS_PER_SECOND + 50;
  for (let i = 0; i < total; i++) {
    hub.onFrame(a.link, encodeManagement({ type: 'event', sessions: [session.id], event: event(`/${i}`) }));
  }
  assert.equal(messages.filter((m) => m.type === 'event').length, TAIL_RELAY_EVENTS_PER_SECOND);
  assert.equal(hub.stats.dropped, 50);
  // No event carries the notice now: the hub's timer sends it within a second or so.
  await eventually(() => messages.some((m) => m.type === 'dropped' && m.count === 50), 5_000, 'the dropped notice');
  hub.closeAll();
});

test(`a tunnel has at most ${MAX_TAIL_SESSIONS_PER_TUNNEL} tail sessions; the last one to close stops every connector`, async () => {
  const { hub, links } = hubWith(['a', 'b']);
  const client: TailClient = { backlog: 0, send() {} };
  const sessions = Array.from({ length: MAX_TAIL_SESSIONS_PER_TUNNEL }, () =>
    hub.open(TUNNEL, FILTERS, undefined, client),
  );
  assert.throws(
    () => hub.open(TUNNEL, FILTERS, undefined, client),
    (e: unknown) => e instanceof WarrenError && e.code === 'WARREN_TAIL_SESSIONS_FULL',
  );
  for (const s of sessions) hub.close(s);
  await flushed();
  for (const l of links) {
    const starts = l.sent.filter((m) => m.type === 'start').length;
    const stops = l.sent.filter((m) => m.type === 'stop').length;
    assert.equal(starts, MAX_TAIL_SESSIONS_PER_TUNNEL);
    assert.equal(stops, MAX_TAIL_SESSIONS_PER_TUNNEL);
  }
  // Nothing open: whatever a link sends now is unsolicited.
  const before = hub.stats.unsolicited;
  hub.onFrame(
    (links[0] as (typeof links)[number]).link,
    encodeManagement({ type: 'event', sessions: [sessions[0]?.id ?? ''], event: event('/') }),
  );
  assert.equal(hub.stats.unsolicited, before + 1);
});

test("a connector's event for a session it was not asked for (another connector's) is not relayed", async () => {
  const { hub, links } = hubWith(['a', 'b']);
  const messages: string[] = [];
  const session = hub.open(TUNNEL, FILTERS, '00000000-0000-4000-8000-00000000000a', {
    backlog: 0,
    send: (t) => messages.push(t),
  });
  // --connector-id: only that connector is asked; 'a' and 'b' are not it.
  for (const l of links)
    hub.onFrame(l.link, encodeManagement({ type: 'event', sessions: [session.id], event: event('/x') }));
  assert.equal(messages.filter((m) => m.includes('"event"')).length, 0);
  assert.equal(hub.stats.unsolicited, 2);
  hub.closeAll();
});
