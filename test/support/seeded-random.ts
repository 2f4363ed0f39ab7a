import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';

/** A reproducible source of randomness for fuzz-style tests. */
export interface SeededRandom {
  readonly seed: number;
  /** An integer in [0, n). */
  below(n: number): number;
  bytes(n: number): Buffer;
}

/**
 * mulberry32 seeded from `WARREN_TEST_SEED`, else a fresh seed. The seed is written to the
 * test's diagnostics (shown with its result), so a failing run is replayed with
 * `WARREN_TEST_SEED=<seed> node --test dist/test/<file>.test.js`.
 */
export function seededRandom(t: TestContext, fixedSeed?: number): SeededRandom {
  const fromEnv = process.env.WARREN_TEST_SEED;
  const seed =
    fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) >>> 0 : (fixedSeed ?? randomInt(2 ** 32 - 1));
  t.diagnostic(`seed ${seed} (replay: WARREN_TEST_SEED=${seed})`);
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    below: (n) => Math.floor(next() * n),
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
