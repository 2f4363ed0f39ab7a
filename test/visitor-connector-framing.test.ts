import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FrameType, type MuxStream, type RequestHead } from '../src/protocol/index.js';
import { type HostileConnector, rawExchange, startHostileConnector } from './support/hostile-connector.js';
import { visit } from './support/visit.js';
import { type ServeHandle, startServe } from './support/warren-processes.js';

/** What the rogue connector smuggles after a 5-byte body: a whole second response. */
const INJECTED = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 8\r\n\r\nPOISONED';

function answer(stream: MuxStream, head: RequestHead): void {
  const body = (s: number, h: string[], ...chunks: string[]): void => {
    stream.respond({ status: s, headers: h });
    for (const c of chunks) stream.write(Buffer.from(c, 'latin1'));
    stream.end();
  };
  switch (head.path) {
    case '/overlong':
      body(200, ['content-length', '5'], `hello${INJECTED}`);
      return;
    case '/short':
      body(200, ['content-length', '10'], 'hello');
      return;
    case '/duplicate-length':
      body(200, ['content-length', '5', 'content-length', '5'], 'hello');
      return;
    case '/invalid-length':
      body(200, ['content-length', '+5'], 'hello');
      return;
    case '/length-and-chunked':
      body(200, ['content-length', '5', 'transfer-encoding', 'chunked'], 'hello');
      return;
    case '/switching':
      body(101, ['connection', 'upgrade', 'upgrade', 'websocket'], INJECTED);
      return;
    case '/bad-header':
      body(200, ['x-bad', 'a\r\nx-injected: 1', 'content-length', '2'], 'ok');
      return;
    case '/malformed-head':
      // Not a response head at all: one field where status and flags must be.
      stream.conn.sendFrame(FrameType.Response, stream.id, Buffer.from('garbage'));
      return;
    case '/cookies':
      body(
        200,
        [
          'set-cookie',
          'up=1; Domain=quick.warren.localhost; Path=/',
          'set-cookie',
          'top=2; path=/; domain=.warren.localhost',
          'set-cookie',
          `own=3; Domain=${headOf(head, 'host')}; Path=/`,
          'set-cookie',
          'plain=4; HttpOnly',
          'content-length',
          '2',
        ],
        'ok',
      );
      return;
    default:
      body(200, ['content-type', 'text/plain', 'content-length', '4'], 'fine');
      return;
  }
}

function headOf(head: RequestHead, name: string): string {
  for (let i = 0; i < head.headers.length; i += 2)
    if (head.headers[i]?.toLowerCase() === name) return head.headers[i + 1] ?? '';
  return '';
}

describe('a hostile connector cannot desynchronise visitor connections', () => {
  let serve: ServeHandle;
  let rogue: HostileConnector;
  before(async () => {
    serve = await startServe();
    rogue = await startHostileConnector(serve, answer);
  });
  after(async () => {
    rogue?.close();
    await serve?.stop();
  });

  const twoRequests = (first: string): string =>
    `GET ${first} HTTP/1.1\r\nHost: ${rogue.hostname}\r\n\r\nGET /next HTTP/1.1\r\nHost: ${rogue.hostname}\r\n\r\n`;

  test('a body longer than its content-length never reaches the visitor past that length', async () => {
    const r = await rawExchange(serve.httpPort, twoRequests('/overlong'));
    assert.doesNotMatch(r.text, /POISONED/);
    assert.equal(r.closed, true, 'the visitor connection is closed on the mismatch');
    assert.ok((r.text.match(/^HTTP\/1\.1 /gm)?.length ?? 0) <= 1, r.text);
  });

  test('a body shorter than its content-length closes the keep-alive connection', async () => {
    const r = await rawExchange(serve.httpPort, twoRequests('/short'));
    assert.equal(r.closed, true);
    // The second request is never answered on a connection whose framing went wrong.
    assert.ok((r.text.match(/^HTTP\/1\.1 /gm)?.length ?? 0) <= 1, r.text);
  });

  for (const path of ['/duplicate-length', '/invalid-length', '/length-and-chunked', '/switching']) {
    test(`ambiguous framing (${path}) is a 502 from the edge`, async () => {
      const r = await visit(serve.httpPort, rogue.hostname, path, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 502);
      assert.doesNotMatch(r.text, /POISONED|hello/);
      assert.ok(r.headers['cf-ray']);
    });
  }

  test('a rejected response header gives a 502 with its own reason phrase', async () => {
    const r = await rawExchange(serve.httpPort, `GET /bad-header HTTP/1.1\r\nHost: ${rogue.hostname}\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.doesNotMatch(r.text, /x-injected/i);
  });

  test('a malformed response head fails that request only, and the link stays up', async () => {
    const bad = await visit(serve.httpPort, rogue.hostname, '/malformed-head');
    assert.equal(bad.status, 502);
    assert.equal(rogue.conn.closed, false);
    const ok = await visit(serve.httpPort, rogue.hostname, '/after');
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'fine');
  });

  test('an origin behind a quick tunnel cannot set cookies for quick.D or D', async () => {
    const r = await visit(serve.httpPort, rogue.hostname, '/cookies');
    assert.equal(r.status, 200);
    const cookies = r.headers['set-cookie'] ?? [];
    assert.deepEqual(cookies, [
      'up=1; Path=/',
      'top=2; path=/',
      `own=3; Domain=${rogue.hostname}; Path=/`,
      'plain=4; HttpOnly',
    ]);
  });

  test('the edge still serves the rogue tunnel normally afterwards', async () => {
    const r = await visit(serve.httpPort, rogue.hostname, '/');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'fine');
  });
});
