import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually } from './support/eventually.js';
import { startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type ServeHandle, startServe, tempDir } from './support/warren-processes.js';

/** Requests (tagged with a sequence number) `concurrency` at a time until `stop()`. */
function steadyLoad(port: number, host: string, concurrency: number) {
  const statuses = new Map<number, number>();
  let next = 0;
  let done = 0;
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      const id = next++;
      let status: number;
      try {
        status = (await visit(port, host, `/req/${id}`)).status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      done++;
    }
  });
  return {
    statuses,
    get started(): number {
      return next;
    },
    get done(): number {
      return done;
    },
    async stop(): Promise<void> {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Sequence numbers of the visitor requests an origin served (health checks left out). */
const served = (o: TestOrigin): number[] =>
  o.seen.filter((s) => s.url.startsWith('/req/')).map((s) => Number(s.url.slice(5)));

async function readyStatus(metricsUrl: string): Promise<number> {
  return (await fetch(`${metricsUrl}/ready`)).status;
}

test('replica-whose-origin-fails-its-health-check-gets-no-traffic-until-it-recovers', async () => {
  const a = await startTestOrigin();
  const b = await startTestOrigin();
  const f = await startNamedTunnelFixture();
  const dir = tempDir('warren-health-');
  // A: the check on an ingress rule; B: a global check applied to --url.
  const configA = join(dir, 'a.yml');
  writeFileSync(
    configA,
    `ingress:
  - hostname: ${f.hostname}
    service: ${a.url}
    originRequest:
      healthCheck:
        path: /health
        interval: 200ms
        timeout: 1s
        unhealthyThreshold: 2
  - service: http_status:404
`,
  );
  const configB = join(dir, 'b.yml');
  writeFileSync(configB, 'originRequest:\n  healthCheck:\n    path: /health\n    interval: 200ms\n');
  const ra = f.run(['--token', f.token, '--config', configA, '--metrics', '127.0.0.1:0']);
  const rb = f.run(['--token', f.token, '--config', configB, '--url', b.url]);
  let load: ReturnType<typeof steadyLoad> | undefined;
  try {
    const [, metricsA] = await ra.waitFor(/Metrics server listening on (\S+)\/metrics/);
    const metricsUrl = metricsA as string;
    await untilConnectors(f, 2);
    load = steadyLoad(f.serve.httpPort, f.hostname, 4);
    const l = load;
    await eventually(() => served(a).length > 20 && served(b).length > 20, 10_000, 'both replicas serve');
    assert.equal(await readyStatus(metricsUrl), 200);

    a.setHealth(503);
    await eventually(async () => (await readyStatus(metricsUrl)) === 503, 5_000, 'replica A reports not ready');
    assert.match(
      await (await fetch(`${metricsUrl}/metrics`)).text(),
      /warren_tunnel_origin_healthy\{rule="1"\} 0/,
      'the gauge shows rule 1 unhealthy',
    );
    // Requests the edge dispatched before it read A's Unregister may still land on A: from the
    // first request after A's last one, everything goes to B.
    await eventually(
      () => {
        const lastA = Math.max(...served(a));
        return l.done > 0 && l.started > lastA + 50;
      },
      5_000,
      'replica B takes every request',
    );
    const mark = l.started;
    await eventually(() => l.done > mark + 200, 10_000, '200 more requests');
    assert.deepEqual(
      served(a).filter((id) => id >= mark),
      [],
      'no request reaches the replica with the unhealthy origin',
    );
    assert.ok(
      a.seen.some((s) => s.url === '/health' && s.headers.host === f.hostname),
      'A is still checked',
    );

    a.setHealth(200);
    await eventually(async () => (await readyStatus(metricsUrl)) === 200, 5_000, 'replica A is ready again');
    const back = l.started;
    await eventually(() => served(a).some((id) => id >= back), 5_000, 'replica A takes traffic again');
    await l.stop();
    assert.deepEqual([...l.statuses], [[200, l.done]], 'no request failed');
    assert.match(ra.stderr(), /origin unhealthy/);
    assert.match(ra.stderr(), /origin health check passes again/);
  } finally {
    await load?.stop();
    await ra.stop('SIGKILL');
    await rb.stop('SIGKILL');
    await f.serve.stop();
    await a.close();
    await b.close();
  }
});

test('paused-replica-stays-out-of-rotation-when-its-links-reconnect', async () => {
  const a = await startTestOrigin();
  const b = await startTestOrigin();
  a.setHealth(503); // down from the start
  const f = await startNamedTunnelFixture();
  const configA = join(tempDir('warren-health-'), 'a.yml');
  writeFileSync(configA, 'originRequest:\n  healthCheck:\n    path: /health\n    interval: 200ms\n');
  const ra = f.run(['--token', f.token, '--config', configA, '--url', a.url, '--metrics', '127.0.0.1:0']);
  const rb = f.run(['--token', f.token, '--url', b.url]);
  let edge: ServeHandle = f.serve;
  let load: ReturnType<typeof steadyLoad> | undefined;
  try {
    const [, metricsA] = await ra.waitFor(/Metrics server listening on (\S+)\/metrics/);
    const metricsUrl = metricsA as string;
    await untilConnectors(f, 2);
    await eventually(async () => (await readyStatus(metricsUrl)) === 503, 5_000, 'replica A pauses');
    // The edge restarts: A's links register anew and must ask for no traffic right away.
    await edge.stop('SIGKILL');
    edge = await startServe({
      dataDir: f.serve.dataDir,
      ports: { http: f.serve.httpPort, tunnel: f.serve.tunnelPort, api: f.serve.apiPort },
    });
    await untilConnectors(f, 2);
    load = steadyLoad(edge.httpPort, f.hostname, 4);
    const l = load;
    const before = served(a).length;
    await eventually(() => l.done > 200, 10_000, '200 requests');
    assert.equal(served(a).length, before, 'no request reaches the paused replica after it reconnected');
    a.setHealth(200);
    const back = l.started;
    await eventually(() => served(a).some((id) => id >= back), 5_000, 'replica A takes traffic again');
    await l.stop();
    assert.deepEqual([...l.statuses], [[200, l.done]], 'no request failed');
  } finally {
    await load?.stop();
    await ra.stop('SIGKILL');
    await rb.stop('SIGKILL');
    await edge.stop();
    await a.close();
    await b.close();
  }
});
