import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RerunAfter } from '../src/time/index.js';

/** A job whose runs the test releases one by one. */
function gatedJob(): { job: () => Promise<void>; runs: () => number; release: () => void } {
  let runs = 0;
  const gates: (() => void)[] = [];
  return {
    job: () => {
      runs++;
      return new Promise<void>((resolve) => gates.push(resolve));
    },
    runs: () => runs,
    release: () => gates.shift()?.(),
  };
}

test('RerunAfter: calls during a run fold into exactly one more run after it', async () => {
  const rows: { calls: number; runs: number }[] = [
    { calls: 1, runs: 1 }, // alone: one run
    { calls: 2, runs: 2 }, // one call during the run: one more
    { calls: 5, runs: 2 }, // four calls during the run: still one more
  ];
  for (const row of rows) {
    const g = gatedJob();
    const r = new RerunAfter(g.job);
    const promises = Array.from({ length: row.calls }, () => r.run());
    assert.equal(new Set(promises).size, 1, 'every caller gets the run in flight');
    for (let i = 0; i < row.runs; i++) {
      // Let the loop reach the job, then release it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      g.release();
    }
    await promises[0];
    assert.equal(g.runs(), row.runs, `${row.calls} calls`);
  }
});

test('RerunAfter: `more` false stops the repeat; a failed run rejects its callers and the next call runs again', async () => {
  let closed = false;
  const g = gatedJob();
  const r = new RerunAfter(g.job, () => !closed);
  const p = r.run();
  r.run();
  closed = true;
  await new Promise<void>((resolve) => setImmediate(resolve));
  g.release();
  await p;
  assert.equal(g.runs(), 1, 'no rerun once closed');

  let fail = true;
  const f = new RerunAfter(async () => {
    if (fail) throw new Error('boom');
  });
  await assert.rejects(f.run(), /boom/);
  await f.settled();
  fail = false;
  await f.run();
});
