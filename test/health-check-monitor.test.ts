import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Logger, pino } from 'pino';
import { ConnectorMetrics } from '../src/connector/connector-metrics.js';
import { HealthMonitor, type HealthProbe, type HealthTarget } from '../src/connector/health-monitor.js';
import { Ingress } from '../src/connector/ingress/index.js';
import { healthRequestOf, healthTargetsOf } from '../src/connector/origin-health-check.js';
import { OriginProxy } from '../src/connector/origin-proxy.js';
import { ManualClock } from '../src/time/index.js';

const dir = mkdtempSync(join(tmpdir(), 'warren-health-'));
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups.reverse()) c();
  rmSync(dir, { recursive: true, force: true });
});

type Step = number | Error | 'hang';

/** A probe that answers from a script (the last step repeats) and records what it was asked. */
function scripted(...steps: Step[]): HealthProbe & { calls: number; signals: AbortSignal[] } {
  const probe = Object.assign(
    (signal: AbortSignal): Promise<number> => {
      const step = (steps.length > 1 ? steps.shift() : steps[0]) as Step;
      probe.calls++;
      probe.signals.push(signal);
      if (step === 'hang') return new Promise<number>(() => {});
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
    { calls: 0, signals: [] as AbortSignal[] },
  );
  return probe;
}

function target(rule: number, probe: HealthProbe, over: Partial<HealthTarget['check']> = {}): HealthTarget {
  const check = { path: '/healthz', intervalMs: 1_000, timeoutMs: 300, unhealthyThreshold: 2, ...over };
  return {
    key: `rule-${rule}-${JSON.stringify(check)}`,
    rule,
    originService: `http://127.0.0.1:${rule}`,
    check,
    probe,
  };
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function gauge(metrics: ConnectorMetrics): Promise<Record<string, number>> {
  const m = await metrics.originHealthy.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.rule), v.value]));
}

function monitor(timers: ManualClock) {
  const { logger, lines } = capture();
  const metrics = new ConnectorMetrics();
  const m = new HealthMonitor({ logger, metrics, timers });
  const changes: boolean[] = [];
  m.onChange = (healthy) => changes.push(healthy);
  return { m, lines, metrics, changes };
}

test('health-monitor-turns-unhealthy-after-threshold-failures-and-healthy-after-one-success', async () => {
  const timers = new ManualClock(0);
  const { m, lines, metrics, changes } = monitor(timers);
  const probe = scripted(200, 503, new Error('boom'), 503, 302);
  m.setTargets([target(1, probe)]);
  assert.equal(probe.calls, 0, 'nothing runs before start()');
  m.start();
  await timers.advance(0);
  assert.equal(probe.calls, 1, 'the first check runs at once');
  assert.equal(m.healthy, true);
  await timers.advance(1_000); // 503: one failure
  assert.deepEqual(m.targets, [{ rule: 1, originService: 'http://127.0.0.1:1', healthy: true, failures: 1 }]);
  assert.deepEqual(changes, []);
  await timers.advance(1_000); // error: threshold reached
  assert.equal(m.healthy, false);
  assert.deepEqual(changes, [false]);
  assert.deepEqual(await gauge(metrics), { '1': 0 });
  await timers.advance(1_000); // 503 again: still unhealthy, no second change
  assert.deepEqual(changes, [false]);
  assert.equal(m.targets[0]?.failures, 3);
  await timers.advance(1_000); // 302: a redirect is an answer, healthy again
  assert.equal(m.healthy, true);
  assert.deepEqual(changes, [false, true]);
  assert.deepEqual(await gauge(metrics), { '1': 1 });
  assert.equal(probe.calls, 5);
  const warn = lines.find((l) => l.msg?.toString().startsWith('origin unhealthy'));
  assert.ok(warn !== undefined, 'the transition to unhealthy is logged');
  assert.equal(warn.rule, 1);
  assert.equal(warn.originService, 'http://127.0.0.1:1');
  assert.equal(warn.code, 'WARREN_ORIGIN_ERROR');
  assert.ok(lines.some((l) => l.msg?.toString().startsWith('origin health check passes again')));
  m.stop();
});

test('health-monitor-a-success-resets-the-failure-count', async () => {
  const timers = new ManualClock(0);
  const { m, changes } = monitor(timers);
  const probe = scripted(500, 200, 500, 200, 500);
  m.setTargets([target(1, probe)]);
  m.start();
  await timers.advance(4_000);
  assert.equal(probe.calls, 5);
  assert.deepEqual(changes, [], 'failures never came two in a row');
  m.stop();
});

test('health-monitor-a-check-without-answer-fails-at-the-timeout-and-is-aborted', async () => {
  const timers = new ManualClock(0);
  const { m, lines, changes } = monitor(timers);
  const probe = scripted('hang');
  m.setTargets([target(1, probe, { timeoutMs: 300, unhealthyThreshold: 1 })]);
  m.start();
  await timers.advance(299);
  assert.equal(m.healthy, true);
  assert.equal(probe.signals[0]?.aborted, false);
  await timers.advance(1);
  assert.equal(probe.signals[0]?.aborted, true, 'the check is told to stop');
  assert.deepEqual(changes, [false]);
  const warn = lines.find((l) => l.msg?.toString().startsWith('origin unhealthy'));
  assert.equal(warn?.code, 'WARREN_ORIGIN_TIMEOUT');
  assert.match(String(warn?.reason), /no answer within 300 ms \(originRequest\.healthCheck\.timeout\)/);
  // The next check is an interval after the failed one ended, never overlapping it.
  assert.deepEqual(timers.pending, [1_000]);
  m.stop();
  assert.deepEqual(timers.pending, [], 'stop cancels the schedule');
});

test('health-monitor-is-unhealthy-while-any-origin-is', async () => {
  const timers = new ManualClock(0);
  const { m, changes, metrics } = monitor(timers);
  const a = scripted(503);
  const b = scripted(200, 200, 503, 503, 200);
  m.setTargets([target(1, a, { unhealthyThreshold: 1 }), target(2, b, { unhealthyThreshold: 1 })]);
  m.start();
  await timers.advance(0);
  assert.deepEqual(changes, [false], 'rule 1 fails');
  await timers.advance(3_000);
  assert.deepEqual(await gauge(metrics), { '1': 0, '2': 0 });
  assert.deepEqual(changes, [false], 'a second unhealthy origin changes nothing');
  m.stop();
});

test('health-monitor-follows-reloads', async () => {
  const timers = new ManualClock(0);
  const { m, changes, metrics } = monitor(timers);
  const failing = scripted(503);
  const kept = scripted(200);
  m.setTargets([target(1, kept), target(2, failing, { unhealthyThreshold: 1 })]);
  m.start();
  await timers.advance(500);
  assert.deepEqual(changes, [false]);
  // The reload drops the failing rule and adds a new one: the connector is healthy again.
  const added = scripted(200);
  m.setTargets([target(1, kept), target(3, added)]);
  assert.deepEqual(changes, [false, true]);
  assert.deepEqual(await gauge(metrics), { '1': 1, '3': 1 }, 'the dropped rule leaves the metric');
  await timers.advance(0);
  assert.equal(added.calls, 1, 'a new target is checked at once');
  assert.equal(kept.calls, 1, 'a kept target keeps its schedule');
  await timers.advance(500);
  assert.equal(kept.calls, 2);
  assert.equal(failing.calls, 1, 'a dropped target is not checked again');
  m.stop();
});

test('health-monitor-with-no-targets-stays-healthy-and-idle', async () => {
  const timers = new ManualClock(0);
  const { m, changes } = monitor(timers);
  m.setTargets([]);
  m.start();
  await timers.advance(10_000);
  assert.equal(m.healthy, true);
  assert.deepEqual(changes, []);
  assert.deepEqual(timers.pending, []);
});

/** An origin answering /healthz with `status.value`, recording what checks sent. */
async function healthOrigin(
  listen: (s: Server) => void,
): Promise<{ server: Server; seen: IncomingMessage[]; status: { value: number } }> {
  const seen: IncomingMessage[] = [];
  const status = { value: 200 };
  const server = createServer((req, res) => {
    seen.push(req);
    res.writeHead(req.url?.startsWith('/healthz') ? status.value : 404);
    res.end('ok');
  });
  listen(server);
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, seen, status };
}

test('health-check-requests-go-through-the-rule-pool-with-its-host', async () => {
  const tcp = await healthOrigin((s) => s.listen(0, '127.0.0.1'));
  const sock = join(dir, 'origin.sock');
  const unix = await healthOrigin((s) => s.listen(sock));
  const ingress = Ingress.validate([
    {
      hostname: 'app.example.com',
      service: `http://127.0.0.1:${(tcp.server.address() as AddressInfo).port}`,
      originRequest: { healthCheck: { path: '/healthz?probe=1', intervalMs: 200 } },
    },
    {
      hostname: '*.example.com',
      service: `unix:${sock}`,
      originRequest: { healthCheck: { path: '/healthz', intervalMs: 200 }, httpHostHeader: 'internal.app' },
    },
    { hostname: 'plain.example.com', service: 'http://127.0.0.1:1' },
    { service: 'http_status:404' },
  ]);
  const proxy = new OriginProxy({ ingress });
  cleanups.push(() => proxy.close());
  const targets = healthTargetsOf(ingress, (r) => proxy.poolFor(r));
  assert.deepEqual(
    targets.map((t) => t.rule),
    [1, 2],
    'only rules with a health check are checked',
  );
  const signal = new AbortController().signal;
  assert.equal(await targets[0]?.probe(signal), 200);
  assert.equal(await targets[1]?.probe(signal), 200);
  unix.status.value = 503;
  assert.equal(await targets[1]?.probe(signal), 503);
  const t = tcp.seen.at(-1);
  assert.equal(t?.url, '/healthz?probe=1');
  assert.equal(t?.method, 'GET');
  assert.equal(t?.headers.host, 'app.example.com', "the rule's hostname, as visitors send it");
  assert.equal(unix.seen.at(-1)?.headers.host, 'internal.app', 'httpHostHeader wins, as for requests');
  const catchAll = Ingress.validate([{ service: 'http://127.0.0.1:8080' }]).rules[0];
  assert.equal(catchAll && healthRequestOf(catchAll).host, '127.0.0.1:8080', "a catch-all sends the origin's host");
});

test('health-check-a-refused-connection-and-an-abort-reject', async () => {
  const ingress = Ingress.validate([
    { service: 'http://127.0.0.1:1', originRequest: { healthCheck: { path: '/healthz', intervalMs: 200 } } },
  ]);
  const proxy = new OriginProxy({ ingress });
  cleanups.push(() => proxy.close());
  const [t] = healthTargetsOf(ingress, (r) => proxy.poolFor(r));
  await assert.rejects(t?.probe(new AbortController().signal) ?? Promise.resolve(), { code: 'ECONNREFUSED' });
  const hold = createServer(() => {});
  hold.listen(0, '127.0.0.1');
  await once(hold, 'listening');
  cleanups.push(() => {
    hold.closeAllConnections();
    hold.close();
  });
  const held = Ingress.validate([
    {
      service: `http://127.0.0.1:${(hold.address() as AddressInfo).port}`,
      originRequest: { healthCheck: { path: '/healthz', intervalMs: 200 } },
    },
  ]);
  const p2 = new OriginProxy({ ingress: held });
  cleanups.push(() => p2.close());
  const [h] = healthTargetsOf(held, (r) => p2.poolFor(r));
  const ac = new AbortController();
  const pending = h?.probe(ac.signal) ?? Promise.resolve();
  ac.abort(new Error('timed out'));
  await assert.rejects(pending);
});

test('health-monitor-a-probe-that-throws-is-a-failed-check', async () => {
  const timers = new ManualClock(0);
  const { m, changes } = monitor(timers);
  const throwing: HealthProbe = () => {
    throw new TypeError('bad probe');
  };
  m.setTargets([target(1, throwing, { unhealthyThreshold: 1 })]);
  m.start();
  await timers.advance(0);
  assert.deepEqual(changes, [false]);
  assert.deepEqual(timers.pending, [1_000], 'and the schedule goes on');
  m.stop();
});
