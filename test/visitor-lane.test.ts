import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { VisitorLane } from '../src/edge/lane/visitor-lane.js';
import { ResponseParser } from '../src/protocol/llhttp.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type QuickTunnelHandle, type ServeHandle, startQuickTunnel, startServe } from './support/warren-processes.js';

/**
 * The edge's visitor lane (src/edge/visitor-lane.ts) reads bodiless requests itself and hands a
 * connection to node's http server at the first request it does not take. One connection carries
 * both kinds in these tests, so a hand-over that lost, repeated or reordered a byte shows up as a
 * missing, extra or out-of-order response, or a body the origin did not get whole.
 */

interface Reply {
  status: number;
  headers: string[];
  body: string;
}

function field(r: Reply, name: string): string | undefined {
  for (let i = 0; i < r.headers.length; i += 2)
    if ((r.headers[i] as string).toLowerCase() === name) return r.headers[i + 1] as string;
  return undefined;
}

/** Writes `bytes` on one connection and reads responses (node's own parser) until the server closes it. */
async function exchange(port: number, bytes: string, headRequests: number[] = []): Promise<Reply[]> {
  const replies: Reply[] = [];
  let body: Buffer[] = [];
  let current: Reply | undefined;
  const parser = new ResponseParser(
    () => {
      body = [];
    },
    (status, headers) => {
      current = { status, headers, body: '' };
      return headRequests.includes(replies.length) ? 1 : 0;
    },
    (chunk) => body.push(Buffer.from(chunk)),
    () => {
      const r = current as Reply;
      r.body = Buffer.concat(body).toString('latin1');
      replies.push(r);
    },
  );
  const socket = connect(port, '127.0.0.1');
  socket.on('data', (d: Buffer) => {
    const err = parser.execute(d);
    if (err !== undefined) socket.destroy(err);
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(bytes, 'latin1');
  const deadline = setTimeout(() => socket.destroy(), 10_000);
  await once(socket, 'close');
  clearTimeout(deadline);
  parser.finish();
  parser.close();
  return replies;
}

describe('visitor lane: one connection, the lane and node taking turns', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe();
    tunnel = await startQuickTunnel(serve, origin.url);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('pipelined GETs, a POST node takes over from, and a GET after it: all answered in order on one connection', async () => {
    const h = tunnel.hostname;
    const replies = await exchange(
      serve.httpPort,
      `GET /echo?1 HTTP/1.1\r\nHost: ${h}\r\n\r\n` +
        `GET /echo?2 HTTP/1.1\r\nHost: ${h}\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n` +
        `POST /echo?3 HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 5\r\n\r\nhello` +
        `GET /echo?4 HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(
      replies.map((r) => [r.status, (JSON.parse(r.body) as { url: string }).url]),
      [
        [200, '/echo?1'],
        [200, '/echo?2'],
        [200, '/echo?3'],
        [200, '/echo?4'],
      ],
    );
    const [first, second] = replies as [Reply, Reply];
    // The origin's /echo has no Content-Length: an HTTP/1.1 keep-alive visitor gets it chunked.
    assert.equal(field(first, 'transfer-encoding'), 'chunked');
    assert.equal(field(first, 'connection'), 'keep-alive');
    assert.match(field(first, 'date') ?? '', /GMT$/);
    assert.match(field(first, 'cf-ray') ?? '', /^[0-9a-f]{16}-/);
    const xff = (JSON.parse(second.body) as { headers: Record<string, string> }).headers['x-forwarded-for'];
    assert.equal(xff, '203.0.113.9, 127.0.0.1', 'a prior X-Forwarded-For is kept and the visitor appended');
    assert.deepEqual(
      origin.bodies.filter((b) => b.url === '/echo?3').map((b) => b.body),
      ['hello'],
    );
  });

  test('HTTP/1.0 without keep-alive gets a body that ends with the connection', async () => {
    const replies = await exchange(serve.httpPort, `GET /bytes/100000 HTTP/1.0\r\nHost: ${tunnel.hostname}\r\n\r\n`);
    assert.equal(replies.length, 1);
    const r = replies[0] as Reply;
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 100_000);
    assert.equal(field(r, 'transfer-encoding'), undefined);
    assert.equal(field(r, 'connection'), 'close');
  });

  test('a HEAD gets a head without a body, and the connection goes on', async () => {
    const h = tunnel.hostname;
    const replies = await exchange(
      serve.httpPort,
      `HEAD /status/200 HTTP/1.1\r\nHost: ${h}\r\n\r\nGET /status/201 HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`,
      [0],
    );
    assert.deepEqual(
      replies.map((r) => [r.status, r.body]),
      [
        [200, ''],
        [201, 'status body\n'],
      ],
    );
    assert.equal(field(replies[1] as Reply, 'connection'), 'close');
  });

  test('an unknown host gets its 404 page from the lane, keep-alive, and a next request is served', async () => {
    const replies = await exchange(
      serve.httpPort,
      `GET / HTTP/1.1\r\nHost: nobody.example\r\nAccept: application/json\r\n\r\n` +
        `GET /status/202 HTTP/1.1\r\nHost: ${tunnel.hostname}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      [404, 202],
    );
    assert.match(field(replies[0] as Reply, 'content-type') ?? '', /^application\/json/);
  });
});

describe('visitor lane: timeouts and hand-over on a bare server', () => {
  let server: Server;
  let port: number;
  let lane: VisitorLane;
  const laneSaw: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-length': 4 });
      res.end('node');
      req.resume();
    });
    lane = new VisitorLane(server, {
      handle(req, res) {
        if (req.url === '/node') return false;
        laneSaw.push(req.url ?? '');
        res.writeHead(200, 'OK', ['content-length', '4']);
        res.write(Buffer.from('lane'));
        res.end();
        return true;
      },
      clientError(err, socket) {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        socket.end(`HTTP/1.1 ${status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      },
      maxHeaderSize: 1024,
      headersTimeoutMs: 300,
      keepAliveTimeoutMs: 300,
    });
    assert.equal(lane.unavailable, undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    lane.closeAll();
    server.close();
    await once(server, 'close');
  });

  test('the lane answers what it takes and node what it declines, in order, on one connection', async () => {
    const replies = await exchange(
      port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /node HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(
      replies.map((r) => r.body),
      ['lane', 'node', 'node'],
      'after the hand-over, node reads the rest of the connection',
    );
    assert.deepEqual(laneSaw.slice(-1), ['/a']);
  });

  test('a head that never completes gets 408 and the connection closes', async () => {
    const replies = await exchange(port, 'GET /slow HTTP/1.1\r\nHo');
    assert.deepEqual(
      replies.map((r) => r.status),
      [408],
    );
  });

  test('a head over the size limit gets 400 from the same handler node uses', async () => {
    const replies = await exchange(port, `GET /big HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    assert.deepEqual(
      replies.map((r) => r.status),
      [400],
    );
  });

  test('an idle keep-alive connection is closed after its timeout, with nothing more sent', async () => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => {
      text += s;
    });
    await once(socket, 'connect');
    socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    let gaveUp = false;
    const deadline = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, 10_000);
    await once(socket, 'close');
    clearTimeout(deadline);
    assert.equal(gaveUp, false, 'the server closed the idle connection');
    assert.equal((text.match(/HTTP\/1\.1 /g) ?? []).length, 1);
    assert.match(text, /lane$/);
    const until = Date.now() + 5_000;
    while (lane.connections > 0 && Date.now() < until) await new Promise((r) => setImmediate(r));
    assert.equal(lane.connections, 0, 'the lane forgets closed connections');
  });
});
