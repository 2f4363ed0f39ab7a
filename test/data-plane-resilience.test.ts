import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { eventually } from './support/eventually.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { startCli, startQuickTunnel, startServe } from './support/warren-processes.js';

/** One GET with a short timeout: resolves to the status, or 0 when it failed or hung. */
function probe(port: number, host: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

test('edge-killed-with-sigkill-and-restarted-the-same-hostname-answers-within-10s', async () => {
  const origin = await startTestOrigin();
  const first = await startServe();
  const tunnel = await startQuickTunnel(first, origin.url);
  let second: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    assert.equal(await probe(first.httpPort, tunnel.hostname), 200);
    await first.stop('SIGKILL');
    const restartedAt = Date.now();
    second = await startServe({
      dataDir: first.dataDir,
      ports: { http: first.httpPort, tunnel: first.tunnelPort, api: first.apiPort },
    });
    const s = second;
    await eventually(
      async () => (await probe(s.httpPort, tunnel.hostname)) === 200,
      10_000,
      'same hostname answers again',
    );
    const took = Date.now() - restartedAt;
    assert.ok(took < 10_000, `back after ${took} ms`);
    assert.equal(tunnel.child.exitCode, null, 'the connector kept running');
  } finally {
    await tunnel.stop();
    await second?.stop();
    await first.stop();
    await origin.close();
  }
});

test('connector-sigterm-unregisters-and-lets-in-flight-requests-finish', async () => {
  const origin = await startTestOrigin();
  const serve = await startServe();
  const tunnel = await startQuickTunnel(serve, origin.url, ['--grace-period', '20s']);
  try {
    const held = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: serve.httpPort, path: '/hold', headers: { host: tunnel.hostname } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    await eventually(() => origin.seen.some((s) => s.url === '/hold'), 5_000, 'origin saw /hold');
    tunnel.child.kill('SIGTERM');
    // New requests are no longer sent to the draining connector.
    await eventually(
      async () => (await visit(serve.httpPort, tunnel.hostname, '/')).status === 530,
      5_000,
      '530 while draining',
    );
    assert.equal(tunnel.child.exitCode, null, 'still running while a request is in flight');
    origin.emit('release');
    const r = await held;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'released\n');
    assert.equal(await tunnel.exited, 0);
  } finally {
    await tunnel.stop();
    await serve.stop();
    await origin.close();
  }
});

test('a-silent-link-is-dropped-by-heartbeats-and-redialed', async () => {
  const origin = await startTestOrigin();
  const serve = await startServe();
  const proxy = await startTcpProxy(serve.tunnelPort);
  const tunnel = startCli([
    'tunnel',
    '--url',
    origin.url,
    '--edge',
    `127.0.0.1:${proxy.port}`,
    '--edge-ca',
    serve.caPath,
    '--ha-connections',
    '1',
    '--heartbeat-interval',
    '200ms',
    '--loglevel',
    'info',
  ]);
  try {
    const [, hostname] = await tunnel.waitFor(/quick tunnel is ready: http:\/\/([^:/\s]+)/);
    const host = hostname as string;
    assert.equal(await probe(serve.httpPort, host), 200);
    const frozenAt = Date.now();
    proxy.freeze();
    await tunnel.waitFor(/connection to the edge \S+ lost \(.*\); reconnecting in /, {
      from: 'stderr',
      timeoutMs: 5_000,
    });
    await eventually(async () => (await probe(serve.httpPort, host, 500)) === 200, 5_000, 'served again after redial');
    // Both sides noticed: the edge no longer picks the dead link, so a run of requests all succeed.
    for (let i = 0; i < 10; i++) assert.equal(await probe(serve.httpPort, host, 1_000), 200);
    assert.ok(Date.now() - frozenAt < 5_000);
  } finally {
    await tunnel.stop();
    await proxy.close();
    await serve.stop();
    await origin.close();
  }
});
