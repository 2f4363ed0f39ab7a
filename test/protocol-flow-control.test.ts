import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { MuxConnection, type MuxStream, type RequestHead } from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';
import { loopbackPair } from './support/loopback-pair.js';

const WINDOW = 256 * 1024;

/** An edge-role and a connector-role MuxConnection over a real loopback TCP connection. */
async function linkPair(): Promise<{ edge: MuxConnection; connector: MuxConnection; close(): void }> {
  const { dialled: client, accepted: serverSide, server } = await loopbackPair();
  const opts = { initialWindow: WINDOW, heartbeatMs: 1_000, heartbeatTimeoutMs: 3_000 };
  const edge = new MuxConnection(client, { role: 'edge', ...opts });
  const connector = new MuxConnection(serverSide, { role: 'connector', ...opts });
  edge.peerInitialWindow = WINDOW;
  connector.peerInitialWindow = WINDOW;
  return {
    edge,
    connector,
    close() {
      edge.destroy();
      connector.destroy();
      server.close();
    },
  };
}

test('a-slow-receiver-bounds-what-the-sender-buffers', async () => {
  const { edge, connector, close } = await linkPair();
  try {
    // The connector answers with an endless body; the edge-side sink accepts nothing until released.
    const TOTAL = 64 * 1024 * 1024;
    let produced = 0;
    let sender: MuxStream | undefined;
    connector.onStream = (stream: MuxStream) => {
      sender = stream;
      stream.respond({ status: 200, headers: [] });
      const source = new PassThrough({ highWaterMark: 64 * 1024 });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const produce = (): void => {
        while (produced < TOTAL) {
          produced += chunk.length;
          if (!source.write(chunk)) {
            source.once('drain', produce);
            return;
          }
        }
        source.end();
      };
      produce();
      stream.pipeFrom(source);
    };
    let release: (() => void) | undefined;
    let received = 0;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _e, cb) {
        received += c.length;
        if (release === undefined) release = cb;
        else cb();
      },
    });
    const head: RequestHead = { method: 'GET', path: '/', headers: [], endOfStream: true };
    const stream = edge.openStream(head);
    stream.onResponse = () => stream.pipeTo(sink);
    // Stalled: the sender has spent its window, and the receiver (its sink full) grants no more.
    await eventually(
      () => sender?.sendCredit === 0 && sink.writableNeedDrain,
      5_000,
      'the sender stopped by the flow-control window',
    );
    // Window + socket buffers + the producer's own high-water mark: far less than 64 MiB.
    assert.ok(produced < 8 * 1024 * 1024, `producer ran ahead by ${produced} bytes`);
    assert.ok(received <= WINDOW + 64 * 1024, `sink got ${received} bytes before releasing`);
    assert.ok(release !== undefined, 'the sink holds its first chunk');
    release();
    await once(sink, 'finish');
    assert.equal(received, TOTAL);
  } finally {
    close();
  }
});

test('reset-from-either-side-reaches-the-other-and-frees-the-stream', async () => {
  const { edge, connector, close } = await linkPair();
  try {
    const opened = new Promise<MuxStream>((resolve) => {
      connector.onStream = (s) => resolve(s);
    });
    const stream = edge.openStream({ method: 'GET', path: '/', headers: [] });
    const remote = await opened;
    const reset = new Promise<string>((resolve) => {
      remote.onReset = (r) => resolve(r.code);
    });
    stream.reset('WARREN_STREAM_RESET', 'visitor went away');
    assert.equal(await reset, 'WARREN_STREAM_RESET');
    assert.equal(edge.streams.size, 0);
    assert.equal(connector.streams.size, 0);
  } finally {
    close();
  }
});

test('link-death-resets-every-open-stream', async () => {
  const { edge, connector, close } = await linkPair();
  try {
    connector.onStream = () => {};
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = edge.openStream({ method: 'GET', path: '/', headers: [] });
      s.onReset = (r) => codes.push(r.code);
    }
    connector.socket.destroy();
    await once(edge.socket, 'close');
    assert.equal(codes.length, 5);
    assert.equal(edge.streams.size, 0);
  } finally {
    close();
  }
});

test('a-peer-that-ignores-the-window-loses-its-link', { timeout: 10_000 }, async () => {
  const { edge, connector, close } = await linkPair();
  try {
    connector.onStream = (stream: MuxStream) => {
      stream.respond({ status: 200, headers: [] });
      // Bypass the stream's own window accounting, as a rogue connector would.
      connector.sendData(stream.id, Buffer.alloc(WINDOW + 1024));
    };
    const stream = edge.openStream({ method: 'GET', path: '/', headers: [], endOfStream: true });
    stream.onResponse = () => {}; // never reads: no credit is ever sent
    const reset = new Promise<string>((resolve) => {
      stream.onReset = (r) => resolve(`${r.code}: ${r.message}`);
    });
    const rogueDropped = once(connector.socket, 'close');
    assert.match(await reset, /^WARREN_PROTOCOL: stream 1: the peer sent past its flow-control window/);
    assert.equal(edge.closed, true);
    // The edge dropped the link itself: the rogue peer's socket closes without it doing anything.
    await rogueDropped;
    assert.equal(connector.socket.destroyed, true);
  } finally {
    close();
  }
});
