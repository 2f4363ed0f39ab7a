import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNamedTunnelFixture, untilConnectors } from './support/named-tunnel-fixture.js';
import { startTestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';

/** Runs `total` requests, `concurrency` at a time; `onProgress(done)` after each. Bounded by count. */
async function load(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<number>,
  onProgress: (done: number) => void = () => {},
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        let status: number;
        try {
          status = await one(i);
        } catch {
          status = 0;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        onProgress(++done);
      }
    }),
  );
  return statuses;
}

test('two-replicas-of-one-tunnel-share-the-load-fairly', async () => {
  const a = await startTestOrigin();
  const b = await startTestOrigin();
  const f = await startNamedTunnelFixture();
  const ra = f.run(['--token', f.token, '--url', a.url]);
  const rb = f.run(['--token', f.token, '--url', b.url]);
  try {
    await untilConnectors(f, 2);
    const statuses = await load(1000, 20, async () => (await visit(f.serve.httpPort, f.hostname, '/')).status);
    assert.deepEqual([...statuses], [[200, 1000]]);
    const share = a.seen.length / (a.seen.length + b.seen.length);
    assert.ok(share > 0.4 && share < 0.6, `replica A got ${(share * 100).toFixed(1)}% of 1000 requests`);
  } finally {
    await ra.stop('SIGKILL');
    await rb.stop('SIGKILL');
    await f.serve.stop();
    await a.close();
    await b.close();
  }
});

test('sigterm-to-one-replica-under-load-fails-no-request', async () => {
  const a = await startTestOrigin();
  const b = await startTestOrigin();
  const f = await startNamedTunnelFixture();
  const ra = f.run(['--token', f.token, '--url', a.url, '--grace-period', '10s']);
  const rb = f.run(['--token', f.token, '--url', b.url]);
  try {
    await untilConnectors(f, 2);
    let signalled = false;
    const statuses = await load(
      1000,
      20,
      async (i) => {
        // Every third request carries a body: those cannot be retried, so they must never hit a closing link.
        const r =
          i % 3 === 0
            ? await visit(f.serve.httpPort, f.hostname, '/echo', { method: 'POST', body: `request ${i}` })
            : await visit(f.serve.httpPort, f.hostname, '/');
        return r.status;
      },
      (done) => {
        if (done === 300 && !signalled) {
          signalled = true;
          ra.child.kill('SIGTERM');
        }
      },
    );
    assert.deepEqual([...statuses], [[200, 1000]]);
    assert.equal(await ra.exited, 0, 'the drained replica exits cleanly');
    assert.ok(b.seen.length > 700 - a.seen.length / 2, 'the other replica took over');
  } finally {
    await ra.stop('SIGKILL');
    await rb.stop('SIGKILL');
    await f.serve.stop();
    await a.close();
    await b.close();
  }
});
