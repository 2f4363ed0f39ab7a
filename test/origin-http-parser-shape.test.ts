import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parserUnavailable, ResponseParser } from '../src/connector/origin-http/http-parser.js';

// node's llhttp binding is not a public API: when a node version changes its shape, this file fails
// first and says what moved (CI runs it on node 20 and node 22).

interface Seen {
  heads: { status: number; headers: string[]; keepAlive: boolean; upgrade: boolean }[];
  body: Buffer[];
  complete: number;
  begun: number;
}

function parser(skipBody = false): { p: ResponseParser; seen: Seen } {
  const seen: Seen = { heads: [], body: [], complete: 0, begun: 0 };
  const p = new ResponseParser(
    () => {
      seen.begun++;
    },
    (status, headers, keepAlive, upgrade) => {
      seen.heads.push({ status, headers, keepAlive, upgrade });
      return skipBody ? 1 : 0;
    },
    (chunk) => seen.body.push(Buffer.from(chunk)),
    () => {
      seen.complete++;
    },
  );
  return { p, seen };
}

test('node-http-parser-has-the-shape-warren-uses', () => {
  assert.equal(parserUnavailable, undefined, `node ${process.version}: ${parserUnavailable}`);
});

test('node-http-parser-reads-a-head-a-length-body-and-a-chunked-body-with-these-callbacks', () => {
  const { p, seen } = parser();
  const r1 = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc';
  const r2 = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n';
  assert.equal(p.execute(Buffer.from(r1 + r2)), undefined);
  assert.deepEqual(
    seen.heads.map((h) => [h.status, h.headers, h.keepAlive, h.upgrade]),
    [
      [200, ['Content-Length', '3', 'X-A', 'b'], true, false],
      [201, ['Transfer-Encoding', 'chunked'], true, false],
    ],
  );
  assert.equal(Buffer.concat(seen.body).toString(), 'abcdef');
  assert.equal(seen.complete, 2);
  assert.equal(seen.begun, 2);
  assert.equal(p.execute(Buffer.from('HTTP/1.1 2')), undefined);
  assert.equal(seen.begun, 3, 'the first byte of a response begins it');
});

test('node-http-parser-heads-split-over-reads-and-skipped-bodies', () => {
  const { p, seen } = parser(true);
  const head = `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n${'X-Long: v\r\n'.repeat(400)}\r\n`;
  for (let i = 0; i < head.length; i += 1000) assert.equal(p.execute(Buffer.from(head.slice(i, i + 1000))), undefined);
  assert.equal(seen.heads.length, 1);
  assert.equal(seen.heads[0]?.headers.length, 2 + 800, 'headers delivered in pieces are joined');
  assert.equal(seen.complete, 1, 'a head whose body is skipped (HEAD) completes at once');
});

test('node-http-parser-read-until-close-and-connection-close', () => {
  const { p, seen } = parser();
  assert.equal(p.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\nbody')), undefined);
  assert.equal(seen.heads[0]?.keepAlive, false);
  assert.equal(seen.complete, 0);
  assert.equal(p.finish(), undefined);
  assert.equal(seen.complete, 1);
  assert.equal(Buffer.concat(seen.body).toString(), 'body');
  const cut = parser();
  assert.equal(cut.p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc')), undefined);
  assert.ok(cut.p.finish() instanceof Error, 'a body cut short of its Content-Length is an error at the end');
});

test('node-http-parser-is-strict-about-ambiguous-framing', () => {
  const bad: [string, string][] = [
    ['duplicate Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc'],
    [
      'Content-Length with chunked',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n'],
    ['an invalid chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
    ['a signed Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc'],
    ['a space in a header name', 'HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 0\r\n\r\n'],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
  ];
  for (const [what, text] of bad) {
    const { p } = parser();
    const err = p.execute(Buffer.from(text));
    assert.ok(err instanceof Error, `${what}: must be refused`);
    assert.match(String((err as Error & { code?: string }).code), /^HPE_/, what);
  }
});
