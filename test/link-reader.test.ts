import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { LinkReader, MuxConnection } from '../src/protocol/index.js';
import { eventually } from './support/eventually.js';
import { loopbackPair } from './support/loopback-pair.js';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';

/**
 * The connector reads its links into one reused buffer (src/protocol/link-reader.ts): what it hands
 * on are views of that buffer, and whoever keeps one past the read (a socket that queued the bytes,
 * node's http client, a frame split across TLS records) must make the next read go elsewhere. Each
 * test sends random bytes the connector would keep: a view it did not protect would be overwritten
 * by the next read, and the origin would see other bytes than the visitor sent.
 */

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Upload {
  status: number;
  body: { bytes: number; sha256: string };
}

/** POSTs `body` to /upload through the tunnel, in 64 KiB writes, with or without Content-Length. */
function upload(port: number, host: string, body: Buffer, withLength: boolean): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, 'content-type': 'application/octet-stream' };
    if (withLength) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Upload['body'],
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    let at = 0;
    const pump = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('link reader: bytes the connector keeps past a read are its own', { timeout: 60_000 }, () => {
  const f = useQuickTunnel();

  test('an 8 MiB upload with Content-Length (written straight to the origin socket) arrives byte for byte', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const r = await upload(f.serve.httpPort, f.tunnel.hostname, body, true);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { bytes: body.length, sha256: sha(body) });
  });

  test('an 8 MiB chunked upload (node http client to the origin, which queues the pieces) arrives byte for byte', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const r = await upload(f.serve.httpPort, f.tunnel.hostname, body, false);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { bytes: body.length, sha256: sha(body) });
  });

  test('40 requests at once with 12 KiB random headers (heads split across TLS records) reach the origin intact', async () => {
    const values = Array.from({ length: 40 }, () => randomBytes(9 * 1024).toString('base64'));
    const echoed = await Promise.all(
      values.map(
        (v, i) =>
          new Promise<string>((resolve, reject) => {
            const req = request(
              {
                host: '127.0.0.1',
                port: f.serve.httpPort,
                path: `/echo?${i}`,
                headers: { host: f.tunnel.hostname, 'x-random': v },
                agent: false,
              },
              (res) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => {
                  const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { headers: Record<string, string> };
                  resolve(e.headers['x-random'] ?? '');
                });
              },
            );
            req.on('error', reject);
            req.end();
          }),
      ),
    );
    for (let i = 0; i < values.length; i++) assert.equal(echoed[i], values[i], `request ${i}`);
  });

  test('a WebSocket carrying 4 MiB of random messages both ways (the origin socket queues them) echoes every byte', async () => {
    const sock = connect(f.serve.httpPort, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(
      `GET /ws HTTP/1.1\r\nHost: ${f.tunnel.hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    // One masked binary frame per 32 KiB piece (client frames must be masked; a zero mask keeps the bytes as they are).
    const payload = randomBytes(4 * 1024 * 1024);
    const PIECE = 32 * 1024;
    let got = Buffer.alloc(0);
    let headDone = false;
    const echoed: Buffer[] = [];
    let echoedBytes = 0;
    const done = new Promise<void>((resolve, reject) => {
      sock.on('error', reject);
      sock.on('data', (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (!headDone) {
          const end = got.indexOf('\r\n\r\n');
          if (end < 0) return;
          assert.match(got.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /);
          got = got.subarray(end + 4);
          headDone = true;
        }
        // Server frames are unmasked binary frames of PIECE bytes (126-length form).
        while (got.length >= 4) {
          if (got[0] !== 0x82 || got[1] !== 126) {
            reject(new Error(`the echo is out of step: a frame starts with ${got.subarray(0, 4).toString('hex')}`));
            return;
          }
          const len = got.readUInt16BE(2);
          if (got.length < 4 + len) break;
          echoed.push(Buffer.from(got.subarray(4, 4 + len)));
          echoedBytes += len;
          got = got.subarray(4 + len);
        }
        if (echoedBytes >= payload.length) resolve();
      });
    });
    for (let at = 0; at < payload.length; at += PIECE) {
      const head = Buffer.from([0x82, 0x80 | 126, PIECE >> 8, PIECE & 0xff, 0, 0, 0, 0]);
      if (!sock.write(Buffer.concat([head, payload.subarray(at, at + PIECE)]))) await once(sock, 'drain');
    }
    await done;
    sock.destroy();
    assert.equal(sha(Buffer.concat(echoed)), sha(payload));
  });
});

test('small pieces a paused sink queued are not overwritten by the reads after them', { timeout: 60_000 }, async () => {
  // An edge-role and a connector-role link over loopback TCP, the connector reading into a LinkReader
  // (net.connect takes the same onread as tls.connect). The connector pipes the stream into a socket
  // whose far end does not read: every 1 KiB piece past the kernel's buffers stays queued in node.
  const WINDOW = 1024 * 1024;
  const reader = new LinkReader();
  const link = await loopbackPair(reader.onread);
  const opts = { initialWindow: WINDOW, heartbeatMs: 1_000, heartbeatTimeoutMs: 3_000 };
  const edge = new MuxConnection(link.accepted, { role: 'edge', ...opts });
  const connector = new MuxConnection(link.dialled, { role: 'connector', ...opts, reader });
  edge.peerInitialWindow = WINDOW;
  connector.peerInitialWindow = WINDOW;

  const { dialled: sink, accepted: far, server: sinkServer } = await loopbackPair();
  far.pause();
  connector.onStream = (stream) => stream.pipeTo(sink);

  // More than the kernel's buffers take: the rest waits in the sink, or in the edge for window credit.
  const body = randomBytes(32 * WINDOW);
  const stream = edge.openStream({ method: 'POST', path: '/', headers: [] });
  let at = 0;
  const pump = (): void => {
    while (at < body.length) {
      const piece = body.subarray(at, at + 1024);
      at += piece.length;
      if (!stream.write(piece)) return;
    }
    stream.end();
  };
  stream.whenWritable(pump);
  pump();
  // The connector's sink queued a window's worth (no credit left) before the far end reads.
  await eventually(() => stream.sendCredit === 0 && sink.writableLength > 0, 10_000, 'the sink backed up');
  const got: Buffer[] = [];
  let n = 0;
  far.on('data', (c: Buffer) => {
    got.push(c);
    n += c.length;
  });
  far.resume();
  await eventually(() => n >= body.length, 10_000, 'the whole body at the far end');
  assert.equal(sha(Buffer.concat(got)), sha(body));
  edge.destroy();
  connector.destroy();
  sink.destroy();
  link.server.close();
  sinkServer.close();
});
