import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, startControl } from './support/control-harness.js';

/** The Cloudflare error envelope, exactly: nothing more, nothing less. */
function assertEnvelope(body: unknown, status: number, what: string): void {
  const b = body as Record<string, unknown>;
  assert.deepEqual(Object.keys(b).sort(), ['errors', 'messages', 'result', 'success'], `${what}: ${JSON.stringify(b)}`);
  assert.equal(b.success, false, what);
  assert.deepEqual(b.messages, [], what);
  assert.equal(b.result, null, what);
  const errors = b.errors as Record<string, unknown>[];
  assert.equal(errors.length, 1, what);
  const e = errors[0] as Record<string, unknown>;
  assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'warren_code'], what);
  assert.equal(typeof e.code, 'number', what);
  assert.match(String(e.warren_code), /^WARREN_[A-Z_]+$/, what);
  assert.ok(String(e.message).length > 10, what);
  assert.ok(status >= 400, what);
}

/** One raw HTTP/1.1 exchange: what a client that is not well-behaved sends. */
async function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.end(request);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body };
}

for (const dialect of DIALECTS) {
  describe(`every API error is a Cloudflare envelope, even before routing (${dialect.name})`, {
    skip: dialect.skip,
  }, () => {
    let h: ControlHarness;
    before(async () => {
      h = await startControl(dialect);
    });
    after(async () => {
      await h?.close();
    });

    test('router, parser and lifecycle errors (inject): long parameter, bad %-escape, bad JSON, 404, 405, 413, 415', async () => {
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const cases: {
        name: string;
        method: string;
        url: string;
        status: number;
        headers?: Record<string, string>;
        payload?: string;
      }[] = [
        { name: 'FST_ERR_MAX_PARAM_LENGTH', method: 'GET', url: `/client/v4/zones/${'a'.repeat(200)}`, status: 414 },
        { name: 'FST_ERR_BAD_URL', method: 'GET', url: '/client/v4/zones/%zz', status: 400 },
        { name: 'no route', method: 'GET', url: '/client/v4/nowhere', status: 404 },
        { name: 'wrong method', method: 'POST', url: '/client/v4/user', status: 405 },
        { name: 'unknown method', method: 'PROPFIND', url: '/client/v4/zones', status: 405 },
        {
          name: 'bad JSON',
          method: 'POST',
          url: '/client/v4/zones',
          status: 400,
          headers: { ...auth, 'content-type': 'application/json' },
          payload: '{"account":',
        },
        {
          name: 'body too large',
          method: 'POST',
          url: '/client/v4/zones',
          status: 413,
          headers: { ...auth, 'content-type': 'application/json' },
          payload: `{"name":"${'x'.repeat(1024 * 1024 + 10)}"}`,
        },
        {
          name: 'unsupported media type',
          method: 'POST',
          url: '/client/v4/zones',
          status: 415,
          headers: { ...auth, 'content-type': 'text/xml' },
          payload: '<zone/>',
        },
        { name: 'no credentials', method: 'GET', url: '/client/v4/zones', status: 401, headers: {} },
      ];
      for (const c of cases) {
        const res = await h.app.inject({
          method: c.method as 'GET',
          url: c.url,
          headers: c.headers ?? auth,
          ...(c.payload === undefined ? {} : { payload: c.payload }),
        });
        assert.equal(res.statusCode, c.status, `${c.name}: ${res.body.slice(0, 300)}`);
        assertEnvelope(res.json(), res.statusCode, c.name);
      }
      const wrong = await h.app.inject({ method: 'POST', url: '/client/v4/user', headers: auth });
      assert.equal(wrong.headers.allow, 'GET, HEAD');
    });

    test('over a real socket: router errors and requests the HTTP parser rejects get the envelope too', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = h.app.server.address();
      assert.ok(typeof addr === 'object' && addr !== null);
      const long = await fetch(`http://127.0.0.1:${addr.port}/client/v4/accounts/${'b'.repeat(150)}/cfd_tunnel`);
      assert.equal(long.status, 414);
      assertEnvelope(await long.json(), long.status, 'long parameter over a socket');
      const badUrl = await raw(
        addr.port,
        'GET /client/v4/zones/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      assert.equal(badUrl.status, 400);
      assertEnvelope(JSON.parse(badUrl.body), badUrl.status, 'bad %-escape over a socket');
      const garbage = await raw(addr.port, 'GET /client/v4/zones HTTP/1.1\r\nHost x\r\n\r\n');
      assert.equal(garbage.status, 400);
      assertEnvelope(JSON.parse(garbage.body), garbage.status, 'malformed header line');
      const huge = await raw(
        addr.port,
        `GET /client/v4/zones HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
      );
      assert.equal(huge.status, 431);
      assertEnvelope(JSON.parse(huge.body), huge.status, 'headers over the limit');
    });
  });
}
