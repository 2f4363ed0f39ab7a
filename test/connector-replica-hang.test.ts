import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { eventually } from './support/eventually.js';
import { startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';

/**
 * Issue 28 item 1: one of two replicas of a named tunnel is frozen (SIGSTOP) under a closed-loop
 * load of 20 visitors, against the real `warren serve` and two real `warren tunnel run`
 * processes, each with an origin of its own (so the origins tell which replica served what).
 * Every fourth request is a POST with a body: never sent twice, so it also shows, at origin B,
 * whether the edge still sent new requests to the frozen replica.
 */

const CONCURRENCY = 20;
/** Bound on the whole load; the phases below end it much sooner. */
const MAX_REQUESTS = 200_000;
/** No request that starts this long after the stop may be sent to the frozen replica. */
const CUTOFF_MS = 5_000;
/** GETs that must have started past the cutoff (and been answered) before the replica is woken. */
const GETS_PAST_CUTOFF = 200;
/** A visitor request that hangs longer than this counts as failed (the edge drops a dead link after 15 s). */
const REQUEST_TIMEOUT_MS = 60_000;

interface Sent {
  id: number;
  method: 'GET' | 'POST';
  /** performance.now() */
  start: number;
  /** When the response head arrived (0: none yet). */
  head: number;
  end: number;
  status: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(port: number, host: string, s: Sent): Promise<void> {
  const body = s.method === 'POST' ? `request ${s.id}` : undefined;
  const headers: Record<string, string> = { host, 'x-load-id': String(s.id) };
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve) => {
    const done = (status: number): void => {
      if (s.end > 0) return;
      s.end = performance.now();
      s.status = status;
      resolve();
    };
    const req = request(
      { host: '127.0.0.1', port, method: s.method, path: s.method === 'POST' ? '/echo' : '/', headers, agent },
      (res) => {
        s.head = performance.now();
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done(0));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy());
    req.on('error', () => done(0));
    req.end(body);
  });
}

function idsSeen(origin: TestOrigin): number[] {
  return origin.seen.map((r) => Number(r.headers['x-load-id'] ?? -1)).filter((id) => id >= 0);
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? -1);
}

test('a-sigstopped-replica-gets-no-new-requests-after-5s-its-safe-requests-move-and-it-serves-again-after-sigcont', async (t) => {
  const a = await startTestOrigin();
  const b = await startTestOrigin();
  const f = await startNamedTunnelFixture();
  const ra = f.run(['--token', f.token, '--url', a.url]);
  const rb = f.run(['--token', f.token, '--url', b.url]);
  const sent: Sent[] = [];
  let stopLoad = false;
  let loadDone: Promise<void> = Promise.resolve();
  try {
    await untilConnectors(f, 2);
    const port = f.serve.httpPort;
    loadDone = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (!stopLoad && sent.length < MAX_REQUESTS) {
          const id = sent.length;
          const s: Sent = {
            id,
            method: id % 4 === 3 ? 'POST' : 'GET',
            start: performance.now(),
            head: 0,
            end: 0,
            status: 0,
          };
          sent.push(s);
          await send(port, f.hostname, s);
        }
      }),
    ).then(() => {});

    await eventually(() => a.seen.length >= 100 && b.seen.length >= 100, 30_000, 'both replicas serving');
    // serve logs each stall (warn): the first such line after the stop times the detection.
    const logFrom = f.serve.stderr().length;
    let detectedAt = 0;
    f.serve.child.stderr?.on('data', () => {
      if (detectedAt === 0 && f.serve.stderr().slice(logFrom).includes('tunnel link stalled')) {
        detectedAt = performance.now();
      }
    });
    const stoppedAt = performance.now();
    rb.child.kill('SIGSTOP');

    // Until enough GETs that started past the cutoff have been answered (by A, if any).
    await eventually(
      () =>
        sent.filter((s) => s.method === 'GET' && s.start - stoppedAt > CUTOFF_MS && s.end > 0).length >=
        GETS_PAST_CUTOFF,
      60_000,
      `${GETS_PAST_CUTOFF} GETs started more than ${CUTOFF_MS} ms after the stop answered`,
    );
    const stallsWhileStopped = await metric(f.serve.apiBase, 'warren_edge_link_stalls_total');
    const contAt = performance.now();
    const detectedMs = (detectedAt === 0 ? contAt : detectedAt) - stoppedAt;
    rb.child.kill('SIGCONT');
    await eventually(
      () => idsSeen(b).some((id) => (sent[id]?.start ?? 0) > contAt),
      30_000,
      'the woken replica serves a request started after SIGCONT',
    );
    const servedAgainMs =
      Math.min(
        ...idsSeen(b)
          .map((id) => sent[id]?.start ?? Number.POSITIVE_INFINITY)
          .filter((s) => s > contAt),
      ) - contAt;
    stopLoad = true;
    await loadDone;

    const atB = new Set(idsSeen(b));
    const seenCount = new Map<number, number>();
    for (const id of [...idsSeen(a), ...idsSeen(b)]) seenCount.set(id, (seenCount.get(id) ?? 0) + 1);
    const window = sent.filter((s) => s.start - stoppedAt > CUTOFF_MS && s.start < contAt);
    const sentToFrozenPastCutoff = window.filter((s) => atB.has(s.id));
    const failed = sent.filter((s) => s.status !== 200);
    // GETs that may have been sent to the frozen replica (started before the edge found it) and
    // whose response head came only after SIGCONT: they waited for it instead of moving. (One whose
    // head had arrived before the stop may end after SIGCONT: a response under way is never resent.)
    const getsHeld = sent.filter((s) => s.method === 'GET' && s.start < stoppedAt + detectedMs && s.head > contAt);
    const postsHeld = sent.filter((s) => s.method === 'POST' && s.start < stoppedAt + detectedMs && s.end > contAt);
    const postsTwice = sent.filter((s) => s.method === 'POST' && (seenCount.get(s.id) ?? 0) > 1);
    const duringStop = sent.filter((s) => s.start >= stoppedAt && s.start < contAt);
    const retried = await metric(f.serve.apiBase, 'warren_edge_stalled_link_retries_total');
    const latencies = window.filter((s) => s.method === 'GET').map((s) => s.end - s.start);
    latencies.sort((x, y) => x - y);
    const figures = {
      requests: sent.length,
      detectedMs: Math.round(detectedMs),
      stoppedForMs: Math.round(contAt - stoppedAt),
      startedWhileStopped: duringStop.length,
      failed: failed.length,
      failedStatuses: [...new Set(failed.map((s) => s.status))],
      failedPostsHeldByTheFrozenReplica: failed.filter((s) => s.method === 'POST' && postsHeld.includes(s)).length,
      safeRequestsMovedOffTheFrozenReplica: retried,
      linkStallsWhileStopped: stallsWhileStopped,
      sentToFrozenReplicaPastCutoff: sentToFrozenPastCutoff.length,
      getsHeldUntilSigcont: getsHeld.length,
      postsHeldUntilSigcont: postsHeld.length,
      postsSeenTwice: postsTwice.length,
      getLatencyPastCutoffMs: {
        p50: Math.round(latencies[Math.floor(latencies.length / 2)] ?? -1),
        max: Math.round(latencies[latencies.length - 1] ?? -1),
      },
      servedAgainAfterSigcontMs: Math.round(servedAgainMs),
    };
    t.diagnostic(`figures ${JSON.stringify(figures)}`);
    assert.ok(detectedMs < CUTOFF_MS, `the edge found the frozen replica after ${Math.round(detectedMs)} ms`);
    assert.deepEqual(
      sentToFrozenPastCutoff.map((s) => s.id),
      [],
      'requests started more than 5 s after the stop reached the frozen replica',
    );
    // A request with a body is never sent twice, so one held by the frozen replica waits for it; the
    // only requests that may fail are those (the replica answers them when it wakes, or the
    // heartbeat drops its links after 15 s). Every other request must succeed.
    const heldIds = new Set(postsHeld.map((s) => s.id));
    const warnings = `${rb.stderr()}\n${f.serve.stderr()}`
      .split('\n')
      .filter((l) => / (WRN|ERR) /.test(l) && !l.includes('tunnel link stalled'))
      .slice(0, 10)
      .join('\n');
    if (failed.length > 0) t.diagnostic(`warnings of the frozen connector and serve:\n${warnings}`);
    assert.deepEqual(
      failed.filter((s) => !heldIds.has(s.id)).map((s) => [s.id, s.method, s.status]),
      [],
      `requests failed that were not held by the frozen replica; warnings:\n${warnings}`,
    );
    assert.ok(retried >= 1, 'safe requests on the frozen replica were sent to the other one');
    assert.deepEqual(
      getsHeld.map((s) => s.id),
      [],
      'GETs waited for the frozen replica to wake',
    );
    assert.deepEqual(
      postsTwice.map((s) => s.id),
      [],
      'a POST reached an origin twice',
    );
  } finally {
    stopLoad = true;
    rb.child.kill('SIGCONT');
    await loadDone;
    await ra.stop('SIGKILL');
    await rb.stop('SIGKILL');
    await f.serve.stop();
    await a.close();
    await b.close();
    agent.destroy();
  }
});
