import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { AbuseOrder, AbuseReport } from './support/abuse-worker.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type QuickTunnelHandle, type ServeHandle, startQuickTunnel, startServe } from './support/warren-processes.js';

/*
 * Fault-and-abuse suite for the visitor path (issue 10 items 2 and 9): hostile visitors must not
 * take a tunnel down, pin origin connections, or starve other visitors. Figures, not sleeps: each
 * phase ends when its condition holds or its deadline passes. Figures go to docs/reliability.md.
 */
const SLOW_BODIES = 1000;
const BIG_HEADS = 50;
const BIG_HEAD_FIELDS = 1500;
const BODY_IDLE_MS = 2_000; // the serve flag under test, short so the suite ends quickly
/** Other visitors' p95 may grow to this many times the quiet baseline's, or this floor, whichever is larger. */
const LATENCY_FACTOR = 10;
const LATENCY_FLOOR_MS = 250;
/** serve's resident memory while the attack runs (it starts near 100 MiB). */
const RSS_BOUND_MIB = 256;
const PHASE_DEADLINE_MS = 60_000;

function rssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(m?.[1] ?? 0) / 1024;
}

/** CPU time (user + system) a process used so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? -1);
}

describe('abuse: hostile visitors', () => {
  let origin: TestOrigin;
  let serve: ServeHandle;
  let tunnel: QuickTunnelHandle;
  let connectorMetrics: string;
  before(async () => {
    origin = await startTestOrigin();
    serve = await startServe({ args: ['--request-body-idle-timeout', `${BODY_IDLE_MS}ms`] });
    tunnel = await startQuickTunnel(serve, origin.url, ['--metrics', '127.0.0.1:0']);
    const [, base] = await tunnel.waitFor(/Metrics server listening on (http:\/\/\S+)\/metrics/);
    connectorMetrics = `${base}/metrics`;
  });
  after(async () => {
    await tunnel?.stop();
    await serve?.stop();
    await origin?.close();
  });

  test('1000 slow bodies and 50 heads of 1500 headers leave other visitors served and the tunnel up', async (t) => {
    const pid = serve.child.pid ?? 0;
    const timed = async (): Promise<number> => {
      const start = performance.now();
      const r = await visit(serve.httpPort, tunnel.hostname, '/status/200');
      assert.equal(r.status, 200);
      return performance.now() - start;
    };
    // Quiet baseline, after a warm-up.
    for (let i = 0; i < 20; i++) await timed();
    const quiet: number[] = [];
    for (let i = 0; i < 200; i++) quiet.push(await timed());
    const baselineP95 = p95(quiet);
    const registered = await metric(connectorMetrics, 'warren_tunnel_tunnel_register_success');
    assert.equal(registered, 4);
    const rssBefore = rssMiB(pid);

    // Attack: the slow bodies open in batches, the big heads go in parallel with them.
    let attacking = true;
    let rssPeak = rssBefore;
    const underAttack: number[] = [];
    const probe = (async () => {
      for (let i = 0; attacking && i < 100_000; i++) {
        underAttack.push(await timed());
        rssPeak = Math.max(rssPeak, rssMiB(pid));
      }
    })();
    // The attacker runs in a worker thread: its sockets must not stall this thread's timings.
    const order: AbuseOrder = {
      port: serve.httpPort,
      host: tunnel.hostname,
      slowBodies: SLOW_BODIES,
      bigHeads: BIG_HEADS,
      bigHeadFields: BIG_HEAD_FIELDS,
      deadlineMs: PHASE_DEADLINE_MS,
    };
    const connectorPid = tunnel.child.pid ?? 0;
    const cpuBefore = { serve: cpuMs(pid), connector: cpuMs(connectorPid), at: performance.now() };
    const worker = new Worker(new URL('./support/abuse-worker.js', import.meta.url), { workerData: order });
    const [report] = (await once(worker, 'message')) as [AbuseReport];
    await eventually(
      async () => (await metric(connectorMetrics, 'warren_tunnel_concurrent_requests')) === 0,
      PHASE_DEADLINE_MS,
      'the connector to release every origin request',
    );
    attacking = false;
    const cpu = {
      wallMs: Math.round(performance.now() - cpuBefore.at),
      serveCpuMs: cpuMs(pid) - cpuBefore.serve,
      connectorCpuMs: cpuMs(connectorPid) - cpuBefore.connector,
    };
    await probe;
    const { got408, got431 } = report;
    const counted = await metric(`${serve.apiBase}/metrics`, 'warren_edge_request_body_timeouts_total');
    const attackP95 = p95(underAttack);
    const bound = Math.max(LATENCY_FACTOR * baselineP95, LATENCY_FLOOR_MS);
    const figures = {
      baselineP95Ms: Number(baselineP95.toFixed(2)),
      underAttackP95Ms: Number(attackP95.toFixed(2)),
      underAttackMaxMs: Number(Math.max(...underAttack).toFixed(2)),
      underAttackRequests: underAttack.length,
      latencyBoundMs: Number(bound.toFixed(2)),
      slowBodies408: got408,
      slowBodiesCounted: counted,
      attackOpenedMs: report.openedMs,
      allAnsweredMs: report.answeredMs,
      originRequestsCancelled: origin.aborted.length,
      bigHeads431: got431,
      registrationsBefore: registered,
      registrationsAfter: await metric(connectorMetrics, 'warren_tunnel_tunnel_register_success'),
      ...cpu,
      serveRssBeforeMiB: Math.round(rssBefore),
      serveRssPeakMiB: Math.round(rssPeak),
      rssBoundMiB: RSS_BOUND_MIB,
    };
    t.diagnostic(`figures ${JSON.stringify(figures)}`);
    assert.equal(got408, SLOW_BODIES, 'every slow body got 408');
    assert.equal(counted, SLOW_BODIES, 'the edge counted every slow body');
    assert.equal(got431, BIG_HEADS, 'every big head got 431');
    assert.equal(figures.registrationsAfter, registered, 'no link dropped (no re-registration)');
    assert.ok(underAttack.length >= 10, `only ${underAttack.length} probes ran during the attack`);
    assert.ok(attackP95 <= bound, `p95 under attack ${attackP95.toFixed(1)} ms > bound ${bound.toFixed(1)} ms`);
    assert.ok(rssPeak <= RSS_BOUND_MIB, `serve RSS peaked at ${rssPeak.toFixed(0)} MiB`);
  });
});
