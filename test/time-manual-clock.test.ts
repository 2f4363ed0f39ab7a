import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, PeriodicJob } from '../src/time/index.js';

test('manual-clock-fires-due-timers-in-order-each-at-its-own-time', { timeout: 10_000 }, async () => {
  const clock = new ManualClock(1_000);
  const fired: string[] = [];
  clock.after(300, () => fired.push(`b@${clock.ms}`));
  clock.after(100, () => fired.push(`a@${clock.ms}`));
  const cancel = clock.after(200, () => fired.push('cancelled'));
  clock.after(500, () => fired.push('later'));
  cancel();
  await clock.advance(400);
  assert.deepEqual(fired, ['a@1100', 'b@1300']);
  assert.equal(clock.ms, 1_400);
  assert.deepEqual(clock.pending, [100]);
});

test('manual-clock-without-due-timers-moves-time-at-once', { timeout: 10_000 }, () => {
  const clock = new ManualClock(0);
  void clock.advance(5_000);
  assert.equal(clock.now().getTime(), 5_000);
});

test('manual-clock-every-repeats-until-cancelled', { timeout: 10_000 }, async () => {
  const clock = new ManualClock(0);
  const at: number[] = [];
  const cancel = clock.every(1_000, () => at.push(clock.ms));
  await clock.advance(3_500);
  assert.deepEqual(at, [1_000, 2_000, 3_000]);
  cancel();
  await clock.advance(5_000);
  assert.deepEqual(at, [1_000, 2_000, 3_000]);
  assert.throws(() => clock.every(0, () => {}), TypeError);
});

test('periodic-job-runs-on-its-timers-one-run-at-a-time', { timeout: 10_000 }, async () => {
  const clock = new ManualClock(0);
  let runs = 0;
  let release: (() => void) | undefined;
  const errors: unknown[] = [];
  const job = new PeriodicJob(
    clock,
    () => {
      runs++;
      return new Promise<number>((resolve) => {
        release = () => resolve(runs);
      });
    },
    (err) => errors.push(err),
  );
  job.start(1_000);
  job.start(1_000); // a second start keeps the one schedule
  assert.deepEqual(clock.pending, [1_000]);
  await clock.advance(3_000); // three ticks while the first run hangs: they join it
  assert.equal(runs, 1);
  const joined = job.runOnce();
  release?.();
  assert.equal(await joined, 1);
  const stopped = job.stop();
  await stopped;
  assert.deepEqual(clock.pending, []);
  assert.deepEqual(errors, []);
});

test('periodic-job-reports-a-failed-timed-run-and-runs-again-at-the-next-tick', { timeout: 10_000 }, async () => {
  const clock = new ManualClock(0);
  let runs = 0;
  const errors: unknown[] = [];
  const job = new PeriodicJob(
    clock,
    async () => {
      runs++;
      if (runs === 1) throw new Error('first run fails');
      return runs;
    },
    (err) => errors.push(err),
  );
  job.start(1_000);
  await clock.advance(2_000);
  assert.equal(runs, 2);
  assert.equal(errors.length, 1);
  await job.stop();
});
