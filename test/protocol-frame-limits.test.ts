import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import {
  FrameParser,
  FrameType,
  MAX_CONTROL_FRAME_PAYLOAD,
  MAX_FRAME_PAYLOAD,
  MuxConnection,
  PRE_REGISTRATION_MAX_FRAME_PAYLOAD,
} from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';

function header(length: number, type: number, streamId = 1): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt32BE(length, 0);
  b[4] = type;
  b.writeUInt32BE(streamId, 5);
  return b;
}

test('parser-never-allocates-an-announced-length-it-has-not-received', () => {
  const parsers: FrameParser[] = [];
  const before = process.memoryUsage().arrayBuffers;
  // 64 peers each announce the largest head frame there is and send 16 bytes of it.
  for (let i = 0; i < 64; i++) {
    const p = new FrameParser(() => assert.fail('no frame is complete'));
    assert.equal(
      p.push(Buffer.concat([header(MAX_CONTROL_FRAME_PAYLOAD, FrameType.Response), Buffer.alloc(16)])),
      undefined,
    );
    parsers.push(p);
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 8 * 1024 * 1024, `64 announced MiB cost ${grown} bytes`);
  assert.equal(parsers.length, 64);
});

test('a-head-frame-split-across-chunks-is-joined-once-complete', () => {
  const frames: { type: number; payload: Buffer }[] = [];
  const p = new FrameParser((f) => frames.push({ type: f.type, payload: Buffer.from(f.payload) }));
  const body = Buffer.from('200\u00000\u0000x-a\u0000b');
  const wire = Buffer.concat([header(body.length, FrameType.Response), body]);
  for (let i = 0; i < wire.length; i++) assert.equal(p.push(wire.subarray(i, i + 1)), undefined);
  assert.deepEqual(frames, [{ type: FrameType.Response, payload: body }]);
});

test('frames-other-than-data-over-1-MiB-are-refused-data-up-to-16-MiB-streams', () => {
  const head = new FrameParser(() => assert.fail('no frame expected'));
  assert.match(
    head.push(header(MAX_CONTROL_FRAME_PAYLOAD + 1, FrameType.Response))?.message ?? '',
    /exceeds the 1048576-byte limit/,
  );
  const data = new FrameParser(() => {});
  assert.equal(data.push(header(MAX_FRAME_PAYLOAD, FrameType.Data)), undefined);
});

test('a-lowered-limit-refuses-larger-frames-and-raising-it-applies-from-the-next-header', () => {
  const p = new FrameParser(() => {}, PRE_REGISTRATION_MAX_FRAME_PAYLOAD);
  assert.match(
    p.push(header(PRE_REGISTRATION_MAX_FRAME_PAYLOAD + 1, FrameType.Data))?.message ?? '',
    /exceeds the 65536-byte limit/,
  );
  const q = new FrameParser(() => {}, PRE_REGISTRATION_MAX_FRAME_PAYLOAD);
  q.maxPayload = MAX_FRAME_PAYLOAD;
  assert.equal(q.push(header(PRE_REGISTRATION_MAX_FRAME_PAYLOAD + 1, FrameType.Data)), undefined);
  assert.throws(() => {
    q.maxPayload = MAX_FRAME_PAYLOAD + 1;
  }, TypeError);
});

/** A MuxConnection on the accepting end of a loopback TCP pair, and the raw client end. */
async function pair(): Promise<{ conn: MuxConnection; server: net.Socket; client: net.Socket; close(): void }> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  const [server] = (await once(srv, 'connection')) as [net.Socket];
  const conn = new MuxConnection(server, {
    role: 'edge',
    initialWindow: 65536,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 180_000,
  });
  return {
    conn,
    server,
    client,
    close() {
      client.destroy();
      conn.destroy();
      srv.close();
    },
  };
}

test('pings-are-not-answered-while-the-peer-leaves-our-answers-unread', async () => {
  const p = await pair();
  try {
    p.client.pause(); // never reads a Pong
    const ping = Buffer.concat([header(8, FrameType.Ping, 0), Buffer.alloc(8)]);
    const batch = Buffer.concat(Array<Buffer>(10_000).fill(ping)); // 170 kB
    let received = 0;
    p.server.on('data', (c: Buffer) => {
      received += c.length;
    });
    const total = batch.length * 100; // one million pings: 17 MB of Pongs if each were answered
    let peak = 0;
    for (let i = 0; i < 100; i++) {
      if (!p.client.write(batch)) await once(p.client, 'drain');
      peak = Math.max(peak, p.server.writableLength);
    }
    await eventually(() => received === total, 20_000, 'every ping read by the edge');
    peak = Math.max(peak, p.server.writableLength);
    assert.ok(!p.conn.closed, 'pinging is allowed');
    assert.ok(peak <= 1024 * 1024 + 17, `send queue reached ${peak} bytes`);
  } finally {
    p.close();
  }
});

test('a-ping-that-is-not-8-bytes-drops-the-link', async () => {
  const p = await pair();
  try {
    p.client.write(Buffer.concat([header(64 * 1024, FrameType.Ping, 0), Buffer.alloc(64 * 1024)]));
    await eventually(() => p.conn.closed, 2_000, 'the link dropped');
  } finally {
    p.close();
  }
});
