/** Token bucket per key (a source address): `burst` tokens, refilled at `perMinute`. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMinute: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(perMinute: number, burst: number, now: () => number = Date.now) {
    this.#perMinute = perMinute;
    this.#burst = burst;
    this.#now = now;
  }

  take(key: string): boolean {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size > 100_000) this.#buckets.clear(); // bound memory under address floods
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) * this.#perMinute) / 60_000);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
