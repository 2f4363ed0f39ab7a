import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { type OriginHttpCall, OriginHttpPool } from '../src/connector/origin-http/origin-http-pool.js';
import { requestHeadOf } from '../src/connector/origin-http/origin-request-head.js';
import type { BodySource, OriginRequest } from '../src/connector/origin-request.js';

// The connector's plain-http client (node's llhttp parser on keep-alive sockets), against raw-socket
// origins that answer exactly the bytes a test gives them.

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** An origin that hands every request's raw bytes to `answer`, which writes to the socket. */
async function rawOrigin(
  answer: (socket: Socket, request: string, n: number, onSocket: number) => void,
): Promise<{ port: number; connections: Socket[]; received: string[] }> {
  const connections: Socket[] = [];
  const received: string[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    let buf = '';
    let onSocket = 0;
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end + 4);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const request = buf.slice(0, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        received.push(request);
        answer(socket, request, received.length, ++onSocket);
      }
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, connections, received };
}

function pool(port: number, maxIdle = 8): OriginHttpPool {
  return new OriginHttpPool({
    host: '127.0.0.1',
    port,
    socketPath: undefined,
    connectTimeoutMs: 5_000,
    keepAliveTimeoutMs: 30_000,
    maxIdle,
    tcpKeepAliveMs: 0,
  });
}

interface Outcome {
  status?: number;
  headers?: string[];
  body: string;
  error?: Error;
  reused?: boolean;
}

/** Sends one request and resolves with what its handler heard. */
function send(p: OriginHttpPool, request: Partial<OriginRequest>): Promise<Outcome> {
  const r: OriginRequest = {
    method: 'GET',
    path: '/',
    headers: ['Host', 'app.example'],
    body: null,
    servername: undefined,
    ...request,
  };
  const head = requestHeadOf(r, p.defaultHost);
  assert.ok(head !== undefined, 'the request is one the fast client sends');
  return new Promise((resolve) => {
    const out: Outcome = { body: '' };
    const call: OriginHttpCall = {
      request: r,
      onConnect: () => {},
      onHeaders: (status, headers) => {
        out.status = status;
        out.headers = headers;
      },
      onData: (chunk) => {
        out.body += chunk.toString();
        return true;
      },
      onComplete: () => resolve(out),
      onError: (err, reused) => {
        out.error = err;
        out.reused = reused;
        resolve(out);
      },
    };
    p.dispatch(call, head);
  });
}

test('origin-http-pool-keeps-one-connection-alive-across-requests', async () => {
  const o = await rawOrigin((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const p = pool(o.port);
  for (let i = 0; i < 3; i++) assert.equal((await send(p, {})).body, 'ok');
  assert.equal(o.connections.length, 1);
  assert.match(o.received[0] as string, /^GET \/ HTTP\/1\.1\r\nhost: app\.example\r\nconnection: keep-alive\r\n\r\n$/);
  p.destroy();
});

test('origin-http-pool-bytes-after-a-response-never-answer-the-next-request', async () => {
  // A desynchronised origin (or one smuggled into): the start of a second response rides behind the
  // first, and its rest would arrive as the answer to the next request on the same connection.
  const o = await rawOrigin((s, _r, _n, onSocket) =>
    s.write(
      onSocket === 1
        ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Le'
        : 'ngth: 4\r\n\r\nevil',
    ),
  );
  const p = pool(o.port);
  assert.equal((await send(p, {})).body, 'ok');
  const second = await send(p, {});
  assert.equal(o.connections.length, 2, 'the out-of-step connection was closed, the next request went on a new one');
  assert.equal(second.body, 'ok', 'the stray response was not taken for the next one');
  p.destroy();
});

test('origin-http-pool-a-malformed-response-fails-and-its-connection-is-dropped', async () => {
  const o = await rawOrigin((s, _r, n) =>
    s.write(
      n === 1
        ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'
        : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ),
  );
  const p = pool(o.port);
  const bad = await send(p, {});
  assert.equal(bad.status, undefined);
  assert.match(String((bad.error as Error & { code?: string }).code), /^HPE_/);
  assert.equal((await send(p, {})).body, 'ok');
  assert.equal(o.connections.length, 2);
  p.destroy();
});

test('origin-http-pool-a-streamed-body-never-goes-past-its-content-length', async () => {
  const o = await rawOrigin((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const p = pool(o.port);
  const body: BodySource = {
    pipeTo(sink: Writable) {
      sink.write(Buffer.from('abc'));
      sink.write(Buffer.from('SMUGGLED'));
      sink.end();
    },
  };
  const r = await send(p, { method: 'POST', headers: ['Host', 'a', 'Content-Length', '3'], body });
  assert.ok(r.error !== undefined || r.body === 'ok');
  const after = await send(p, {});
  assert.equal(after.body, 'ok');
  for (const req of o.received) assert.doesNotMatch(req, /SMUGGLED/);
  assert.ok(!o.received.some((q) => q.startsWith('SMUGGLED')), 'no bytes past the length reached the origin');
  p.destroy();
});

test('origin-http-pool-a-corked-burst-of-body-pieces-leaves-in-one-socket-write', async () => {
  // The link hands a streamed upload over in TLS-record-sized pieces within one loop turn, with the
  // sink corked (mux-stream.ts): they reach the origin in one write, not one write (and one wake-up
  // of the origin) per piece. The pool's socket writes are counted at net.Socket's own _write/_writev.
  const o = await rawOrigin((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const p = pool(o.port);
  assert.equal((await send(p, {})).body, 'ok', 'the connection is open before the writes are counted');
  const proto = Socket.prototype as unknown as {
    _write: (this: Socket, ...a: unknown[]) => unknown;
    _writev: (this: Socket, ...a: unknown[]) => unknown;
  };
  const { _write, _writev } = proto;
  let writes = 0;
  proto._write = function (this: Socket, ...a: unknown[]) {
    if (this.remotePort === o.port) writes++;
    return _write.apply(this, a);
  };
  proto._writev = function (this: Socket, ...a: unknown[]) {
    if (this.remotePort === o.port) writes++;
    return _writev.apply(this, a);
  };
  const pieces = 8;
  const piece = Buffer.alloc(16 * 1024, 'u');
  const body: BodySource = {
    pipeTo(sink: Writable) {
      sink.cork();
      for (let i = 0; i < pieces; i++) sink.write(piece);
      process.nextTick(() => {
        sink.uncork();
        sink.end();
      });
    },
  };
  let r: Outcome;
  try {
    r = await send(p, {
      method: 'POST',
      headers: ['Host', 'a', 'Content-Length', String(pieces * piece.length)],
      body,
    });
  } finally {
    proto._write = _write;
    proto._writev = _writev;
  }
  assert.equal(r.body, 'ok');
  assert.equal(
    (o.received[1] as string).length - (o.received[1] as string).indexOf('\r\n\r\n') - 4,
    pieces * piece.length,
  );
  assert.ok(
    writes <= 2,
    `the head and the ${pieces} pieces left in ${writes} socket writes (at most 2: head, then body)`,
  );
  p.destroy();
});

test('origin-http-pool-head-interim-and-read-until-close-responses', async () => {
  const o = await rawOrigin((s, r) => {
    if (r.startsWith('HEAD')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n');
    else if (/x-close/i.test(r)) s.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close');
    else s.write('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate');
  });
  const p = pool(o.port);
  const head = await send(p, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const interim = await send(p, {});
  assert.equal(interim.status, 200);
  assert.equal(interim.body, 'late');
  const close = await send(p, { headers: ['Host', 'a', 'X-Close', '1'] });
  assert.equal(close.body, 'until close');
  p.destroy();
});

test('origin-http-pool-an-idle-connection-the-origin-closed-is-reported-as-reused', async () => {
  const o = await rawOrigin((s, _r, n) => {
    if (n === 2) s.destroy();
    else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const p = pool(o.port);
  assert.equal((await send(p, {})).body, 'ok');
  const failed = await send(p, {});
  assert.equal(failed.reused, true, 'the pool says the connection was a pooled one (the caller may retry)');
  assert.equal((failed.error as Error & { code?: string }).code, 'ECONNRESET');
  p.destroy();
});

test('origin-http-pool-leaves-requests-it-cannot-frame-to-nodes-client', () => {
  const base: OriginRequest = { method: 'GET', path: '/', headers: [], body: null, servername: undefined };
  const refused: [string, Partial<OriginRequest>][] = [
    ['CR LF in a value', { headers: ['X-A', 'a\r\nX-Injected: 1'] }],
    ['a space in a name', { headers: ['X A', 'b'] }],
    ['a space in the path', { path: '/a b' }],
    ['a bad method', { method: 'GE T' }],
    ['Expect', { headers: ['Expect', '100-continue'] }],
    ['Transfer-Encoding', { headers: ['Transfer-Encoding', 'chunked'] }],
    ['Connection', { headers: ['Connection', 'close'] }],
    ['two Host headers', { headers: ['Host', 'a', 'host', 'b'] }],
    ['two Content-Lengths', { headers: ['Content-Length', '1', 'Content-Length', '1'] }],
    ['a streamed body without a length', { body: { pipeTo: () => {} } }],
  ];
  for (const [what, r] of refused) assert.equal(requestHeadOf({ ...base, ...r }, 'h'), undefined, what);
  assert.equal(
    requestHeadOf({ ...base, body: Buffer.from('xy') }, 'h')?.text,
    'GET / HTTP/1.1\r\nhost: h\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\n',
  );
});

test('origin-http-pool-closes-each-idle-connection-its-keep-alive-timeout-after-its-release', async () => {
  // Requests on two connections at once, the second answered only when the first connection has
  // closed: each connection closes keepAliveTimeoutMs after its own release (not when the pool's
  // timer closed another), and a connection reused before then is kept.
  const release = new Map<number, () => void>();
  const o = await rawOrigin((s, _r, n) => {
    if (n === 2) {
      release.set(n, () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      return;
    }
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const keepAliveTimeoutMs = 300;
  const p = new OriginHttpPool({
    host: '127.0.0.1',
    port: o.port,
    socketPath: undefined,
    connectTimeoutMs: 5_000,
    keepAliveTimeoutMs,
    maxIdle: 8,
    tcpKeepAliveMs: 0,
  });
  try {
    const first = send(p, {});
    const second = send(p, {});
    assert.equal((await first).body, 'ok');
    const firstDone = performance.now();
    // Reused while idle, well within the timeout: the same connection answers, and its idle time starts over.
    assert.equal((await send(p, {})).body, 'ok');
    const firstReleased = performance.now();
    assert.equal(o.connections.length, 2);
    for (const deadline = Date.now() + 5_000; !release.has(2); ) {
      assert.ok(Date.now() < deadline, 'the second request reached the origin');
      await new Promise<void>((r) => setImmediate(r));
    }
    const [a, b] = o.connections as [Socket, Socket];
    const closedAt = (s: Socket): Promise<number> =>
      new Promise((resolve) => s.once('close', () => resolve(performance.now())));
    const aClosed = closedAt(a);
    const bClosed = closedAt(b);
    let timer: NodeJS.Timeout | undefined;
    const within5s = <T>(what: string, p: Promise<T>): Promise<T> =>
      Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what} within 5 s`)), 5_000);
        }),
      ]).finally(() => clearTimeout(timer));
    await within5s('the first idle connection was not closed', aClosed);
    (release.get(2) as () => void)();
    assert.equal((await second).body, 'ok');
    const secondReleased = performance.now();
    const [aAt, bAt] = await within5s('an idle connection was not closed', Promise.all([aClosed, bClosed]));
    // Timers may fire a millisecond early on node's clock.
    assert.ok(
      aAt - firstReleased >= keepAliveTimeoutMs - 5,
      `first closed ${aAt - firstReleased} ms after its release`,
    );
    assert.ok(aAt - firstDone < keepAliveTimeoutMs + 2_000);
    assert.ok(
      bAt - secondReleased >= keepAliveTimeoutMs - 5,
      `second closed ${bAt - secondReleased} ms after its release`,
    );
    assert.ok(bAt > aAt, 'the connection released later closed later');
  } finally {
    p.destroy();
  }
});

test('origin-http-pool-request-heads-are-the-same-when-header-names-come-again', () => {
  // requestHeadOf remembers what each header name is (a bounded cache): a name seen before, in any
  // case, past the bound or not, must be judged as the first time, and a value is checked every time.
  const base: OriginRequest = { method: 'GET', path: '/', headers: [], body: null, servername: undefined };
  const headers = ['X-A', 'one', 'HOST', 'app.example', 'Accept', '*/*', 'content-LENGTH', '0', 'x-a', 'two'];
  const expected =
    'GET / HTTP/1.1\r\nhost: app.example\r\nconnection: keep-alive\r\nX-A: one\r\nAccept: */*\r\nx-a: two\r\ncontent-length: 0\r\n\r\n';
  const refused: [string, string[]][] = [
    ['CR LF in the value of a name seen before', ['X-A', 'a\r\nX-Injected: 1']],
    ['a bare LF in a value', ['Accept', 'a\nb']],
    ['NUL in a value', ['Accept', 'a\0b']],
    ['a space in a name', ['X A', 'b']],
    ['TE in another case', ['tE', 'trailers']],
    ['Transfer-Encoding in another case', ['TRANSFER-encoding', 'chunked']],
    ['a second Host in another case', ['Host', 'a', 'hOST', 'b']],
  ];
  const check = (round: string): void => {
    assert.equal(requestHeadOf({ ...base, headers }, 'h')?.text, expected, round);
    for (const [what, h] of refused)
      assert.equal(requestHeadOf({ ...base, headers: h }, 'h'), undefined, `${round}: ${what}`);
  };
  check('first time');
  check('names seen before');
  // Fill the cache past its bound with names never seen again: judged the same as before.
  for (let i = 0; i < 2_000; i++) requestHeadOf({ ...base, headers: [`X-Filler-${i}`, 'v'] }, 'h');
  check('after many other names');
  const late = ['X-Late', 'v', 'Content-Length', '3', 'CONNECTION', 'close'];
  assert.equal(
    requestHeadOf({ ...base, headers: late }, 'h'),
    undefined,
    'a name first seen past the bound is still checked',
  );
});

test('origin-http-pool-keeps-no-view-of-the-read-buffer-its-connections-share', async () => {
  // Every origin connection reads into one shared buffer: a head split over reads and the body
  // pieces handed on must survive the other connections' reads landing in it.
  let a: Socket | undefined;
  const o = await rawOrigin((s, _r, n) => {
    if (n === 1) {
      a = s;
      s.write('HTTP/1.1 200 OK\r\nX-Spl'); // the rest after other reads
    } else s.write(`HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n${n === 2 ? 'BBBBBBBB' : 'CCCCCCCC'}`);
  });
  const p = pool(o.port);
  try {
    const r: OriginRequest = { method: 'GET', path: '/', headers: [], body: null, servername: undefined };
    const kept: Buffer[] = [];
    let headers: string[] | undefined;
    let onPiece: () => void = () => {};
    const first = new Promise<void>((resolve, reject) => {
      const call: OriginHttpCall = {
        request: r,
        onConnect: () => {},
        onHeaders: (_status, h) => {
          headers = h;
        },
        onData: (chunk) => {
          kept.push(chunk); // kept as handed on, not copied
          onPiece();
          return true;
        },
        onComplete: () => resolve(),
        onError: (err) => reject(err),
      };
      p.dispatch(call, requestHeadOf(r, p.defaultHost) as NonNullable<ReturnType<typeof requestHeadOf>>);
    });
    assert.equal((await send(p, {})).body, 'BBBBBBBB', 'a second connection read while the first waits mid-head');
    const firstPiece = new Promise<void>((resolve) => {
      onPiece = resolve;
    });
    (a as Socket).write('it-Name: split-value\r\nContent-Length: 16\r\n\r\nAAAAAAAA');
    await firstPiece;
    onPiece = () => {};
    assert.equal((await send(p, {})).body, 'CCCCCCCC', 'another read on the second connection');
    (a as Socket).write('aaaaaaaa');
    await first;
    assert.deepEqual(headers, ['X-Split-Name', 'split-value', 'Content-Length', '16']);
    assert.equal(Buffer.concat(kept).toString(), 'AAAAAAAAaaaaaaaa');
    assert.equal(o.connections.length, 2);
  } finally {
    p.destroy();
  }
});
