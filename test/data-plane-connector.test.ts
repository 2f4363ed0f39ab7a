import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { createApiServer } from '../src/control/index.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { startCli, startQuickTunnel, startServe, tempDir } from './support/warren-processes.js';

test('api-healthz-answers-503-before-ready-and-while-stopping-and-200-in-between', { timeout: 10_000 }, async () => {
  // `warren serve` flips `ready` after the edge and the API listen, and back when it shuts down.
  let ready = false;
  const api = createApiServer({ logger: pino({ level: 'silent' }), ready: () => ready });
  await api.listen({ port: 0, host: '127.0.0.1' });
  try {
    const addr = api.server.address();
    assert.ok(typeof addr === 'object' && addr !== null);
    const healthz = async (): Promise<[number, unknown]> => {
      const r = await fetch(`http://127.0.0.1:${addr.port}/healthz`);
      return [r.status, await r.json()];
    };
    assert.deepEqual(await healthz(), [503, { status: 'starting' }]);
    ready = true;
    assert.deepEqual(await healthz(), [200, { status: 'ok' }]);
    ready = false;
    assert.equal((await healthz())[0], 503);
  } finally {
    await api.close();
  }
});

test('api-healthz-answers-200-once-serve-is-ready', async () => {
  const serve = await startServe();
  try {
    const r = await fetch(`${serve.apiBase}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok' });
  } finally {
    await serve.stop();
  }
});

test('metrics-ready-and-healthcheck-report-four-ha-connections', async () => {
  const origin = await startTestOrigin();
  const serve = await startServe();
  const tunnel = await startQuickTunnel(serve, origin.url, ['--metrics', '127.0.0.1:0']);
  try {
    const [, base] = await tunnel.waitFor(/Metrics server listening on (http:\/\/\S+)\/metrics/);
    const ready = await eventually(
      async () => {
        const r = (await (await fetch(`${base}/ready`)).json()) as {
          status: number;
          readyConnections: number;
          connectorId: string;
        };
        return r.readyConnections === 4 && r;
      },
      10_000,
      '/ready reports four connections',
    );
    assert.equal(ready?.status, 200);
    assert.equal(ready?.readyConnections, 4);
    assert.match(ready?.connectorId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal((await fetch(`${base}/healthcheck`)).status, 200);
    const addr = (base as string).replace('http://', '');
    const readyCmd = startCli(['tunnel', 'ready', '--metrics', addr]);
    assert.equal(await readyCmd.exited, 0);
    assert.match(readyCmd.stdout(), /ready: 4 edge connections/);
    await visit(serve.httpPort, tunnel.hostname, '/');
    await visit(serve.httpPort, tunnel.hostname, '/status/404');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /warren_tunnel_ha_connections 4/);
    assert.match(metrics, /warren_tunnel_total_requests [1-9]/);
    assert.match(metrics, /warren_tunnel_response_by_code\{status_code="404"\} 1/);
    assert.match(metrics, /warren_tunnel_origin_response_seconds_bucket/);
  } finally {
    await tunnel.stop();
    await serve.stop();
    await origin.close();
  }
});

test('origin-response-timeout-gives-504', async () => {
  const origin = await startTestOrigin();
  const serve = await startServe({ args: ['--origin-response-timeout', '300ms'] });
  const tunnel = await startQuickTunnel(serve, origin.url);
  try {
    const r = await visit(serve.httpPort, tunnel.hostname, '/hold', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 504);
    assert.equal((JSON.parse(r.text) as { errors: { code: string }[] }).errors[0]?.code, 'WARREN_ORIGIN_TIMEOUT');
  } finally {
    origin.emit('release');
    await tunnel.stop();
    await serve.stop();
    await origin.close();
  }
});

test('an-untrusted-edge-certificate-stops-the-connector-with-a-clear-error', async () => {
  const serve = await startServe();
  const other = await startServe(); // a different data dir = a different CA
  try {
    const tunnel = startCli([
      'tunnel',
      '--url',
      'http://127.0.0.1:9',
      '--edge',
      `127.0.0.1:${serve.tunnelPort}`,
      '--edge-ca',
      other.caPath,
    ]);
    const code = await tunnel.exited;
    assert.equal(code, 1);
    assert.match(tunnel.stderr(), /does not trust.*--edge-ca/);
    assert.match(tunnel.stderr(), /WARREN_EDGE_UNTRUSTED/);
    const notRunning = startCli(['tunnel', 'ready', '--metrics', '127.0.0.1:9']);
    assert.equal(await notRunning.exited, 1);
    assert.match(notRunning.stderr(), /no connector answers at http:\/\/127\.0\.0\.1:9\/ready/);
    const missing = startCli(['tunnel', '--url', 'http://127.0.0.1:9', '--edge-ca', join(tempDir(), 'nope.pem')]);
    assert.equal(await missing.exited, 1);
    assert.match(missing.stderr(), /--edge-ca .*no such file/);
  } finally {
    await serve.stop();
    await other.stop();
  }
});

test('bad-flags-fail-with-one-clear-line', async () => {
  const badUrl = startCli(['tunnel', '--url', 'not a url']);
  assert.equal(await badUrl.exited, 1);
  assert.match(badUrl.stderr(), /--url "not a url" is not a URL/);
  const badHa = startCli(['tunnel', '--url', 'http://127.0.0.1:9', '--ha-connections', '0']);
  assert.equal(await badHa.exited, 1);
  assert.match(badHa.stderr(), /--ha-connections must be an integer from 1 to 16/);
  const dir = tempDir();
  const token = join(dir, 'cred.json');
  writeFileSync(token, '{"AccountTag":"a"}');
  const badCred = startCli(['tunnel', 'run', '--credentials-file', token, '--url', 'http://127.0.0.1:9']);
  assert.equal(await badCred.exited, 1);
  assert.match(badCred.stderr(), /lacks AccountTag, TunnelSecret or TunnelID/);
});

test('quick-tunnel-creation-is-rate-limited-per-source-address', async () => {
  const origin = await startTestOrigin();
  const serve = await startServe({ args: ['--quick-tunnels-per-minute', '2'] });
  const first = await startQuickTunnel(serve, origin.url, ['--ha-connections', '1']);
  const second = await startQuickTunnel(serve, origin.url, ['--ha-connections', '1']);
  const third = startCli([
    'tunnel',
    '--url',
    origin.url,
    '--edge',
    `127.0.0.1:${serve.tunnelPort}`,
    '--edge-ca',
    serve.caPath,
    '--ha-connections',
    '1',
  ]);
  try {
    await third.waitFor(/WARREN_QUICK_RATE_LIMITED/, { from: 'stderr' });
    assert.match(third.stderr(), /too many quick tunnels/);
    assert.doesNotMatch(third.stdout(), /quick tunnel is ready/);
    // The two admitted tunnels keep working.
    assert.equal((await visit(serve.httpPort, first.hostname, '/')).status, 200);
    assert.equal((await visit(serve.httpPort, second.hostname, '/')).status, 200);
  } finally {
    await third.stop();
    await first.stop();
    await second.stop();
    await serve.stop();
    await origin.close();
  }
});
