import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { LogTap } from '../src/connector/index.js';
import {
  encodeManagement,
  type Frame,
  FrameParser,
  FrameType,
  type ManagementMessage,
  MuxConnection,
  MuxStream,
  parseManagement,
  type RequestHead,
  type TailFilters,
} from '../src/protocol/index.js';

/** A connector-side link whose socket records the Management frames sent to the edge; `stall` stops its writes. */
function linkOf(stall = false): { conn: MuxConnection; sent: ManagementMessage[] } {
  const sent: ManagementMessage[] = [];
  const parser = new FrameParser((f: Frame) => {
    if (f.type === FrameType.Management) sent.push(parseManagement(f.payload));
  });
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk);
      if (!stall) cb();
    },
  });
  const conn = new MuxConnection(socket, {
    role: 'connector',
    initialWindow: 65536,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  return { conn, sent };
}

const head = (path: string, upgrade = false): RequestHead => ({
  method: 'GET',
  path,
  headers: ['host', 'app.example.com', 'cf-ray', 'ray-1'],
  ...(upgrade ? { upgrade: true } : {}),
});

async function flushed(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

function start(tap: LogTap, conn: MuxConnection, session: string, filters: TailFilters): void {
  tap.onFrame(conn, encodeManagement({ type: 'start', session, filters }));
}

let nextId = 1;
function request(
  tap: LogTap,
  conn: MuxConnection,
  h: RequestHead,
  kind: 'http' | 'ws',
  status: number | 'reset',
): void {
  const stream = new MuxStream(conn, nextId++, 65536);
  if (tap.active) tap.observe(stream, h, kind);
  if (status === 'reset') stream.reset('WARREN_ORIGIN_ERROR', 'origin refused');
  else stream.respond({ status, headers: [], endOfStream: true });
}

test('the tap sends nothing until the edge asks, and only what the session filters let through', async () => {
  const tap = new LogTap();
  const { conn, sent } = linkOf();
  request(tap, conn, head('/before'), 'http', 200);
  assert.equal(tap.active, false);
  start(tap, conn, 'session-aaaa', { events: ['http'], level: 'warn', sample: 1 });
  assert.equal(tap.active, true);
  request(tap, conn, head('/ok'), 'http', 200); // info: below warn
  request(tap, conn, head('/ws', true), 'ws', 101); // not an http event
  request(tap, conn, head('/missing?token=secret'), 'http', 404); // warn
  request(tap, conn, head('/broken'), 'http', 'reset'); // error
  await flushed();
  const events = sent.filter((m) => m.type === 'event');
  assert.deepEqual(
    events.map((m) => (m.type === 'event' ? [m.event.path, m.event.status, m.event.level] : [])),
    [
      ['/missing', 404, 'warn'],
      ['/broken', 0, 'error'],
    ],
  );
  assert.equal(sent[0]?.type, 'started');
  tap.onFrame(conn, encodeManagement({ type: 'stop', session: 'session-aaaa' }));
  assert.equal(tap.active, false);
  assert.equal(tap.eventsSent, 2);
});

test('--sample 0 sends nothing; a closed link ends its sessions', async () => {
  const tap = new LogTap();
  const { conn, sent } = linkOf();
  start(tap, conn, 'session-bbbb', { events: [], level: 'debug', sample: 0 });
  for (let i = 0; i < 50; i++) request(tap, conn, head(`/${i}`), 'http', 200);
  await flushed();
  assert.equal(sent.filter((m) => m.type === 'event').length, 0);
  tap.linkClosed(conn);
  assert.equal(tap.active, false);
});

test('a backed-up link gets no log events: they are dropped, not queued behind visitor bytes', async () => {
  const tap = new LogTap();
  const stalled = linkOf(true);
  start(tap, stalled.conn, 'session-cccc', { events: [], level: 'debug', sample: 1 });
  // Visitors' bytes fill the link's queue.
  stalled.conn.sendFrame(FrameType.Data, 7, Buffer.alloc(400 * 1024));
  for (let i = 0; i < 10; i++) request(tap, stalled.conn, head(`/${i}`), 'http', 200);
  await flushed();
  assert.equal(stalled.sent.filter((m) => m.type === 'event').length, 0);
  assert.equal(tap.eventsSent, 0);
});

test('a Management message only a connector sends (started), coming from the edge, drops the link', async () => {
  const tap = new LogTap();
  const { conn } = linkOf();
  tap.onFrame(conn, Buffer.from('{"type":"started","session":"session-dddd"}'));
  assert.equal(conn.closed, true);
});
