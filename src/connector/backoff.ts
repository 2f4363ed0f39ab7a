export interface BackoffOptions {
  /** First delay. */
  baseMs: number;
  /** Longest delay. */
  maxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 250, // 0.25 seconds: an edge restart is back within a couple of seconds
  maxMs: 8_000, // 8 seconds: keeps "back within 10 s" true even after a long outage
};

/** Exponential backoff with "equal jitter": half the step fixed, half random, so replicas spread out. */
export class Backoff {
  readonly #o: Required<BackoffOptions>;
  #attempt = 0;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.#o = { random: Math.random, ...options };
  }

  next(): number {
    const step = Math.min(this.#o.maxMs, this.#o.baseMs * 2 ** this.#attempt);
    if (step < this.#o.maxMs) this.#attempt++;
    return Math.round(step / 2 + this.#o.random() * (step / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
