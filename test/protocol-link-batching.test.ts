import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { MuxConnection, type MuxStream, type RequestHead } from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';
import { loopbackPair } from './support/loopback-pair.js';

const WINDOW = 1024 * 1024;

/** An edge-role and a connector-role MuxConnection over a real loopback TCP connection. */
async function linkPair(): Promise<{ edge: MuxConnection; connector: MuxConnection; client: Socket; close(): void }> {
  const { dialled: client, accepted: serverSide, server } = await loopbackPair();
  const opts = { initialWindow: WINDOW, heartbeatMs: 1_000, heartbeatTimeoutMs: 3_000 };
  const edge = new MuxConnection(client, { role: 'edge', ...opts });
  const connector = new MuxConnection(serverSide, { role: 'connector', ...opts });
  edge.peerInitialWindow = WINDOW;
  connector.peerInitialWindow = WINDOW;
  return {
    edge,
    connector,
    client,
    close() {
      edge.destroy();
      connector.destroy();
      server.close();
    },
  };
}

/** Counts the socket writes the link makes (node's own method, wrapped; the bytes still go out). */
function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
  socket.write = ((chunk: Buffer) => {
    counter.count++;
    return write(chunk);
  }) as Socket['write'];
  return counter;
}

/** Collects what a stream's peer sends into one buffer. */
function collect(stream: MuxStream): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  stream.pipeTo(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return { bytes: () => Buffer.concat(chunks) };
}

test('small frames sent in one loop turn leave in one socket write', async () => {
  const { edge, connector, client, close } = await linkPair();
  try {
    const got = new Map<string, { bytes: () => Buffer }>();
    const ended = new Set<string>();
    connector.onStream = (stream: MuxStream, head: RequestHead) => {
      got.set(head.path, collect(stream));
      stream.onClose = () => ended.add(head.path);
      stream.respond({ status: 204, headers: [], endOfStream: true });
    };
    const writes = countWrites(client);
    for (let i = 0; i < 20; i++) {
      const s = edge.openStream({ method: 'POST', path: `/${i}`, headers: ['host', 'example.test'] });
      s.write(Buffer.from(`body of ${i}`));
      s.end();
    }
    // 20 heads, 20 bodies and 20 ends: 60 frames, one write.
    assert.equal(writes.count, 0, 'nothing leaves before the loop turn ends');
    await eventually(() => ended.size === 20, 5_000);
    assert.equal(writes.count, 1);
    for (let i = 0; i < 20; i++) assert.equal(got.get(`/${i}`)?.bytes().toString(), `body of ${i}`);
  } finally {
    close();
  }
});

test('a large payload between small frames keeps their order and is not copied into the batch', async () => {
  const { edge, connector, client, close } = await linkPair();
  try {
    let received: { bytes: () => Buffer } | undefined;
    let done = false;
    connector.onStream = (stream: MuxStream) => {
      received = collect(stream);
      stream.onClose = () => {
        done = true;
      };
      stream.respond({ status: 204, headers: [], endOfStream: true });
    };
    const big = Buffer.alloc(100 * 1024, 0x62);
    const written: Buffer[] = [];
    const write = client.write.bind(client) as (chunk: Buffer) => boolean;
    client.write = ((chunk: Buffer) => {
      written.push(chunk);
      return write(chunk);
    }) as Socket['write'];
    const s = edge.openStream({ method: 'POST', path: '/', headers: [] });
    s.write(Buffer.from('a'));
    s.write(big);
    s.write(Buffer.from('c'));
    s.end();
    await eventually(() => done, 5_000);
    assert.deepEqual(received?.bytes(), Buffer.concat([Buffer.from('a'), big, Buffer.from('c')]));
    assert.ok(
      written.some((b) => b === big),
      'the large payload went to the socket as it was',
    );
  } finally {
    close();
  }
});
