import { isIPv4, isIPv6 } from 'node:net';

export const DNS_RRL_RESPONSES_PER_SECOND = 200; // per /24 (IPv4) or /56 (IPv6) source prefix
export const DNS_RRL_SLIP = 2; // every 2nd withheld response goes out as a tiny TC=1 (a real client retries over TCP)
const MAX_TRACKED_PREFIXES = 65_536; // bounded memory under spoofed sources

/** The /24 of an IPv4 address or the /56 of an IPv6 one (v4-mapped IPv6 counts as IPv4). */
export function sourcePrefix(address: string): string {
  const a = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(a)) return a.slice(0, a.lastIndexOf('.'));
  if (!isIPv6(a)) return a;
  const [head = '', tail = ''] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  // 56 bits: three groups and the high byte of the fourth.
  const fourth = Number.parseInt(groups[3] ?? '0', 16) >> 8;
  return `${groups
    .slice(0, 3)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}:${fourth.toString(16)}/56`;
}

/**
 * Response-rate limiting for UDP (the transport whose source can be spoofed): a token bucket per
 * source prefix, so warren cannot be used to flood a victim with answers. Over the limit a
 * response is dropped, except every `slip`-th which goes out truncated (no records, smaller
 * than the query's own answer) so a real client behind the prefix can still get through on TCP.
 */
export class ResponseRateLimiter {
  readonly #rate: number;
  readonly #slip: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number; withheld: number }>();

  constructor(options: { responsesPerSecond?: number; slip?: number; now?: () => number } = {}) {
    this.#rate = options.responsesPerSecond ?? DNS_RRL_RESPONSES_PER_SECOND;
    this.#slip = options.slip ?? DNS_RRL_SLIP;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a response to `address` may go out now: send it, drop it, or send it truncated. */
  check(address: string): 'send' | 'drop' | 'slip' {
    if (this.#rate <= 0) return 'send';
    const key = sourcePrefix(address);
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= MAX_TRACKED_PREFIXES) this.#prune(now);
      b = { tokens: this.#rate, at: now, withheld: 0 };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#rate, b.tokens + ((now - b.at) / 1000) * this.#rate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'send';
    }
    b.withheld++;
    return this.#slip > 0 && b.withheld % this.#slip === 0 ? 'slip' : 'drop';
  }

  #prune(now: number): void {
    // Buckets refilled to the brim carry no state worth keeping.
    for (const [k, b] of this.#buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.#rate >= this.#rate) this.#buckets.delete(k);
    if (this.#buckets.size >= MAX_TRACKED_PREFIXES) this.#buckets.clear();
  }
}
