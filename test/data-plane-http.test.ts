import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { eventually } from './support/eventually.js';
import { useQuickTunnel } from './support/quick-tunnel-fixture.js';
import { visit } from './support/visit.js';
import { startQuickTunnel, startServe } from './support/warren-processes.js';

describe('http through a quick tunnel', () => {
  const f = useQuickTunnel();

  test('quick-tunnel-hostname-answers-with-the-origin', async () => {
    assert.match(f.tunnel.hostname, /^[a-z]+-[a-z]+-[a-z]+-[a-z]+-[0-9a-f]{8}\.quick\.warren\.localhost$/);
    assert.equal(f.tunnel.url, `http://${f.tunnel.hostname}:${f.serve.httpPort}`);
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello, world\n');
    assert.match(String(r.headers['cf-ray']), /^[0-9a-f]{16}-/);
  });

  test('origin-receives-cloudflare-headers-and-no-forged-ones', async () => {
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/echo?x=1', {
      headers: {
        'x-forwarded-for': '203.0.113.7',
        'cf-connecting-ip': '198.51.100.1',
        'cf-access-authenticated-user-email': 'forged@example.com',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'must not pass',
        'x-kept': 'yes',
      },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.text) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/echo?x=1');
    assert.equal(seen.headers.host, f.tunnel.hostname);
    assert.equal(seen.headers['cf-connecting-ip'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['cf-visitor'], '{"scheme":"http"}');
    assert.match(seen.headers['cf-ray'] ?? '', /^[0-9a-f]{16}-\S+$/);
    assert.equal(seen.headers['cf-ray'], r.headers['cf-ray']);
    assert.match(seen.headers['cf-warp-tag-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(seen.headers['cf-access-authenticated-user-email'], undefined);
    assert.equal(seen.headers['x-secret-hop'], undefined);
    assert.equal(seen.headers['x-kept'], 'yes');
  });

  test('every-method-and-body-kind-passes', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/echo', { method, body: `body of ${method}` });
      const seen = JSON.parse(r.text) as { method: string; body: string; headers: Record<string, string> };
      assert.equal(seen.method, method);
      assert.equal(seen.body, `body of ${method}`);
      assert.equal(seen.headers['content-length'], String(`body of ${method}`.length));
    }
    // chunked request body (no content-length)
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: f.serve.httpPort,
          path: '/echo',
          method: 'POST',
          headers: { host: f.tunnel.hostname },
        },
        (res) => {
          let s = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            s += c;
          });
          res.on('end', () => resolve(s));
        },
      );
      req.on('error', reject);
      req.write('part one, ');
      req.write('part two');
      req.end();
    });
    const seen = JSON.parse(chunked) as { body: string; headers: Record<string, string> };
    assert.equal(seen.body, 'part one, part two');
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    const head = await visit(f.serve.httpPort, f.tunnel.hostname, '/status/200', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    const noContent = await visit(f.serve.httpPort, f.tunnel.hostname, '/status/204');
    assert.equal(noContent.status, 204);
    const notFound = await visit(f.serve.httpPort, f.tunnel.hostname, '/status/418');
    assert.equal(notFound.status, 418);
    assert.equal(notFound.text, 'status body\n');
  });

  test('repeated-headers-and-set-cookie-are-preserved', async () => {
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/cookies');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    const multi = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i] === 'X-Multi') multi.push(r.rawHeaders[i + 1]);
    assert.deepEqual(multi, ['one', 'two']);
  });

  test('content-length-and-chunked-downloads-arrive-whole', async () => {
    const cl = await visit(f.serve.httpPort, f.tunnel.hostname, '/bytes/1000000?cl=1');
    assert.equal(cl.headers['content-length'], '1000000');
    assert.equal(cl.body.length, 1_000_000);
    const chunked = await visit(f.serve.httpPort, f.tunnel.hostname, '/bytes/777777');
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    assert.equal(chunked.body.length, 777_777);
  });

  test('server-sent-events-arrive-one-by-one', async () => {
    const events: string[] = [];
    const req = request({
      host: '127.0.0.1',
      port: f.serve.httpPort,
      path: '/sse',
      headers: { host: f.tunnel.hostname },
    });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.on('response', resolve).on('error', reject).end();
    });
    assert.equal(res.headers['content-type'], 'text/event-stream');
    res.setEncoding('utf8').on('data', (c: string) => {
      for (const m of c.matchAll(/data: (\w+)/g)) events.push(m[1] as string);
    });
    await eventually(() => f.origin.seen.some((s) => s.url === '/sse'), 5_000, 'origin saw /sse');
    f.origin.emit('first');
    await eventually(() => events.length === 1, 5_000, 'first event');
    assert.deepEqual(events, ['first']);
    f.origin.emit('second');
    await eventually(() => events.length === 2, 5_000, 'second event');
    assert.deepEqual(events, ['first', 'second']);
    req.destroy();
  });

  test('visitor-disconnect-cancels-the-origin-request', async () => {
    const req = request({
      host: '127.0.0.1',
      port: f.serve.httpPort,
      path: '/hold',
      headers: { host: f.tunnel.hostname },
    });
    req.on('error', () => {});
    req.end();
    await eventually(() => f.origin.seen.some((s) => s.url === '/hold'), 5_000, 'origin saw /hold');
    req.destroy();
    await eventually(() => f.origin.aborted.includes('/hold'), 5_000, 'origin request cancelled');
  });

  test('unknown-host-gets-a-404-page-with-ray-id-in-html-or-json', async () => {
    const html = await visit(f.serve.httpPort, 'nobody.example.com', '/');
    assert.equal(html.status, 404);
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.match(html.text, /No tunnel at this hostname/);
    assert.ok(html.text.includes(String(html.headers['cf-ray'])));
    const json = await visit(f.serve.httpPort, 'nobody.example.com', '/', { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    const body = JSON.parse(json.text) as { errors: { code: string }[]; ray_id: string };
    assert.equal(body.errors[0]?.code, 'WARREN_HOST_UNKNOWN');
    assert.equal(body.ray_id, json.headers['cf-ray']);
  });

  test('oversized-request-headers-get-431', async () => {
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/', { headers: { 'x-big': 'a'.repeat(40 * 1024) } });
    assert.equal(r.status, 431);
    assert.equal(r.text, 'Request Header Fields Too Large\n');
    const ok = await visit(f.serve.httpPort, f.tunnel.hostname, '/');
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'hello, world\n', 'the next request reaches the origin');
  });

  test('garbage-on-the-tunnel-port-does-not-hurt-other-tunnels', async () => {
    // Plain bytes instead of TLS.
    await new Promise<void>((resolve) => {
      const s = connect(f.serve.tunnelPort, '127.0.0.1', () => s.end('GET / HTTP/1.1\r\n\r\n\x00\xff garbage'));
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
    // Valid TLS, then bytes that are not our frames.
    await new Promise<void>((resolve) => {
      const s = tlsConnect(
        {
          host: '127.0.0.1',
          port: f.serve.tunnelPort,
          ca: readFileSync(f.serve.caPath, 'utf8'),
          servername: 'localhost',
        },
        () => s.write(Buffer.from('ffffffffff00000000deadbeef', 'hex')),
      );
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
    // A frame header announcing an absurd payload.
    await new Promise<void>((resolve) => {
      const s = tlsConnect(
        {
          host: '127.0.0.1',
          port: f.serve.tunnelPort,
          ca: readFileSync(f.serve.caPath, 'utf8'),
          servername: 'localhost',
        },
        () => s.write(Buffer.from('7fffffff0200000000', 'hex')),
      );
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.resume();
    });
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello, world\n', 'the tunnel still reaches its origin');
  });

  test('garbage-from-a-visitor-gets-400-and-the-edge-keeps-serving', async () => {
    const reply = await new Promise<string>((resolve) => {
      let got = '';
      const s = connect(f.serve.httpPort, '127.0.0.1', () => s.write('BLAH\x00\x01 nonsense\r\n\r\n'));
      s.setEncoding('utf8').on('data', (c: string) => {
        got += c;
      });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    const r = await visit(f.serve.httpPort, f.tunnel.hostname, '/');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello, world\n', 'the tunnel still reaches its origin');
  });
});

describe('origin failures', () => {
  test('origin-down-gives-502-page-and-tunnel-down-gives-530', async () => {
    const serve = await startServe();
    // A port with nothing listening: bind and close to get one.
    const dead = await new Promise<number>((resolve) => {
      const srv = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const tunnel = await startQuickTunnel(serve, `http://127.0.0.1:${dead}`);
    try {
      const r = await visit(serve.httpPort, tunnel.hostname, '/', { headers: { accept: 'text/html' } });
      assert.equal(r.status, 502);
      assert.match(r.text, /could not be reached/);
      // The origin's address and the cause stay in the connector's log, keyed by the Ray ID.
      assert.doesNotMatch(r.text, /connection refused|127\.0\.0\.1/);
      const ray = String(r.headers['cf-ray']);
      const line = await eventually(
        () => `${tunnel.stdout()}${tunnel.stderr()}`.split('\n').find((l) => l.includes(ray)),
        5_000,
        'a connector log line with the Ray ID',
      );
      assert.match(line ?? '', /connection refused/);
      await tunnel.stop();
      const down = await visit(serve.httpPort, tunnel.hostname, '/');
      assert.equal(down.status, 530);
      assert.match(down.text, /not connected/);
    } finally {
      await tunnel.stop();
      await serve.stop();
    }
  });
});
