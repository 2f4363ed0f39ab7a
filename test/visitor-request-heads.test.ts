import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawBody, rawExchange } from './support/hostile-connector.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type QuickTunnelHandle, type ServeHandle, startQuickTunnel, startServe } from './support/warren-processes.js';

/** A raw request head with `n` small headers (~12 B each, as in the reproduction). */
function manyHeaders(host: string, n: number): string {
  let s = `GET /echo HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`;
  for (let i = 0; i < n; i++) s += `x-h${i}: v\r\n`;
  return `${s}\r\n`;
}

async function registrations(metricsBase: string): Promise<number> {
  const text = await (await fetch(`${metricsBase}/metrics`)).text();
  const m = text.match(/^warren_tunnel_tunnel_register_success (\d+)/m);
  return Number(m?.[1] ?? -1);
}

describe('visitor request heads', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  let metricsBase: string;
  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe();
    tunnel = await startQuickTunnel(serve, origin.url, ['--metrics', '127.0.0.1:0']);
    [, metricsBase = ''] = await tunnel.waitFor(/Metrics server listening on (http:\/\/\S+)\/metrics/);
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('a request with 1000 small headers gets 431 from the edge and no link drops', async () => {
    const before = await registrations(metricsBase);
    assert.equal(before, 4);
    for (let i = 0; i < 4; i++) {
      const r = await rawExchange(serve.httpPort, manyHeaders(tunnel.hostname, 1000));
      assert.match(r.text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    }
    const ok = await visit(serve.httpPort, tunnel.hostname, '/echo');
    assert.equal(ok.status, 200);
    assert.equal(await registrations(metricsBase), before, 'the connector re-registered: a link was dropped');
    const edgeMetrics = await (await fetch(`${serve.apiBase}/metrics`)).text();
    assert.match(edgeMetrics, /^warren_edge_request_headers_too_large_total 4$/m);
  });

  test('a request just under the limit passes', async () => {
    const r = await rawExchange(serve.httpPort, manyHeaders(tunnel.hostname, 900));
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
  });

  test('connection: host does not strip the host header', async () => {
    const r = await rawExchange(
      serve.httpPort,
      `GET /echo HTTP/1.1\r\nHost: ${tunnel.hostname}\r\nConnection: close, host, x-drop\r\nX-Drop: 1\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    const seen = JSON.parse(rawBody(r.text)) as { headers: Record<string, string> };
    assert.equal(seen.headers.host, tunnel.hostname);
    assert.equal(seen.headers['x-drop'], undefined);
  });

  test('an absolute-form request reaches the origin in origin-form, routed and hosted by its authority', async () => {
    const authority = `${tunnel.hostname}:${serve.httpPort}`;
    const r = await rawExchange(
      serve.httpPort,
      `GET http://${authority}/echo?x=1 HTTP/1.1\r\nHost: elsewhere.invalid\r\nConnection: close\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    const seen = JSON.parse(rawBody(r.text)) as {
      url: string;
      headers: Record<string, string>;
    };
    assert.equal(seen.url, '/echo?x=1');
    assert.equal(seen.headers.host, authority);
  });

  test('an absolute-form target with user information gets 400 and never reaches the origin', async () => {
    const count = origin.seen.length;
    const r = await rawExchange(
      serve.httpPort,
      `GET http://user:pw@${tunnel.hostname}/echo HTTP/1.1\r\nHost: ${tunnel.hostname}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(origin.seen.length, count);
  });

  test('two host headers get 400 at the edge and never reach the origin', async () => {
    const count = origin.seen.length;
    const r = await rawExchange(
      serve.httpPort,
      `GET /echo HTTP/1.1\r\nHost: ${tunnel.hostname}\r\nHost: other.example\r\nConnection: close\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(origin.seen.length, count);
  });

  test('a stopped quick tunnel answers 530 with a reason phrase and the quick-tunnel command', async () => {
    const gone = await startQuickTunnel(serve, origin.url);
    await gone.stop();
    const r = await rawExchange(
      serve.httpPort,
      `GET / HTTP/1.1\r\nHost: ${gone.hostname}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`,
    );
    assert.match(r.text, /^HTTP\/1\.1 530 The Tunnel Is Not Connected\r\n/);
    assert.match(r.text, /<code>warren tunnel --url<\/code>/);
    assert.doesNotMatch(r.text, /`|tunnel run/);
  });
});
