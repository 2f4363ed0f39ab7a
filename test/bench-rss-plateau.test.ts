import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processRss, RssSampler, rssPlateau } from '../bench/lib/proc.js';

test('the RSS plateau is the largest sample of the last half, not of the warm-up half', () => {
  const MiB = 1024 * 1024;
  const p = rssPlateau([200 * MiB, 50 * MiB, 60 * MiB, 70 * MiB, 65 * MiB, 68 * MiB], 250);
  assert.equal(p.plateau, 70 * MiB);
  assert.equal(p.medianLastHalf, 68 * MiB);
  assert.equal(p.samples.length, 6);
  assert.equal(rssPlateau([], 250).plateau, 0);
});

test('the sampler reads VmRSS of a live process every interval while resumed, and not while paused', async () => {
  assert.ok(processRss(process.pid) > 1024 * 1024);
  const s = new RssSampler({ self: process.pid }, 10);
  s.resume();
  // Polls with a deadline: the interval adds samples beyond the one taken at resume.
  const deadline = Date.now() + 5_000;
  while (s.count() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  s.pause();
  const paused = s.count();
  assert.ok(paused >= 5, `samples while resumed: ${paused}`);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.count(), paused, 'nothing sampled while paused');
  const self = s.stop().self;
  assert.ok(self !== undefined, 'samples of the role');
  assert.ok(self.samples.every((x) => x > 0));
  assert.equal(self.intervalMs, 10);
});
