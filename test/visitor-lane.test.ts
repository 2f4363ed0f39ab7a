import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';
import { exchange, field, type Reply } from './support/raw-exchange.js';

/**
 * The edge's visitor lane (src/edge/visitor-lane.ts) reads bodiless requests itself and hands a
 * connection to node's http server at the first request it does not take. One connection carries
 * both kinds in these tests, so a hand-over that lost, repeated or reordered a byte shows up as a
 * missing, extra or out-of-order response, or a body the origin did not get whole.
 */

describe('visitor lane: one connection, the lane and node taking turns', () => {
  const f = useQuickTunnel();

  test('pipelined GETs, a POST node takes over from, and a GET after it: all answered in order on one connection', async () => {
    const h = f.tunnel.hostname;
    const replies = await exchange(
      f.serve.httpPort,
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
      f.origin.bodies.filter((b) => b.url === '/echo?3').map((b) => b.body),
      ['hello'],
    );
  });

  test('HTTP/1.0 without keep-alive gets a body that ends with the connection', async () => {
    const replies = await exchange(
      f.serve.httpPort,
      `GET /bytes/100000 HTTP/1.0\r\nHost: ${f.tunnel.hostname}\r\n\r\n`,
    );
    assert.equal(replies.length, 1);
    const r = replies[0] as Reply;
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 100_000);
    assert.equal(field(r, 'transfer-encoding'), undefined);
    assert.equal(field(r, 'connection'), 'close');
  });

  test('a HEAD gets a head without a body, and the connection goes on', async () => {
    const h = f.tunnel.hostname;
    const replies = await exchange(
      f.serve.httpPort,
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
      f.serve.httpPort,
      `GET / HTTP/1.1\r\nHost: nobody.example\r\nAccept: application/json\r\n\r\n` +
        `GET /status/202 HTTP/1.1\r\nHost: ${f.tunnel.hostname}\r\nConnection: close\r\n\r\n`,
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      [404, 202],
    );
    assert.match(field(replies[0] as Reply, 'content-type') ?? '', /^application\/json/);
  });
});
