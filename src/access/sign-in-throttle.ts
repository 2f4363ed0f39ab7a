import { isIPv6 } from 'node:net';
import type { Clock, Store } from '../store/index.js';

/** How one key (an e-mail address, or a source IP) is let off and then locked out. */
export interface LockoutPolicy {
  /** Failures answered normally before the first lock-out. */
  freeFailures: number;
  /** The first lock-out; each further failure doubles it. */
  firstLockoutMs: number;
  /** The longest lock-out. */
  maxLockoutMs: number;
  /** A key's failures are forgotten this long after its last one. */
  forgetAfterMs: number;
}

/** Per submitted address: 5 failures free, then 30 s, 1, 2, 4, 8 min, then 15 min per failure. */
export const ADDRESS_LOCKOUT: LockoutPolicy = {
  freeFailures: 5,
  firstLockoutMs: 30_000, // 30 seconds
  maxLockoutMs: 15 * 60_000, // 15 minutes
  forgetAfterMs: 60 * 60_000, // 1 hour without a failure
};

/** Per source IP, across all addresses (password spraying): a larger budget, the same growth. */
export const SOURCE_LOCKOUT: LockoutPolicy = {
  freeFailures: 30,
  firstLockoutMs: 30_000, // 30 seconds
  maxLockoutMs: 15 * 60_000, // 15 minutes
  forgetAfterMs: 60 * 60_000, // 1 hour without a failure
};

/** Who is signing in: the address as typed (any case), and the source IP. */
export interface SignInAttempt {
  /** The e-mail address (or other account name) the form was sent for; omit for forms without one. */
  address?: string | undefined;
  source: string;
}

/** Why an attempt is refused before its secret is checked. */
export interface SignInRefusal {
  /** Which budget ran out (for logs; the visitor is not told, so the answer does not reveal accounts). */
  scope: 'address' | 'source';
  /** Whole seconds until a new attempt is considered (the `Retry-After` value, at least 1). */
  retryAfterSeconds: number;
}

/** One budget (addresses, or sources) of one throttle, kept in the store's backoff ledgers. */
class LockoutBook {
  readonly #store: Store;
  readonly #book: string;
  readonly #policy: LockoutPolicy;

  constructor(store: Store, book: string, policy: LockoutPolicy) {
    this.#store = store;
    this.#book = book;
    this.#policy = policy;
  }

  /** Milliseconds of lock-out left for `key` (0: not locked). */
  async lockedFor(key: string, now: number): Promise<number> {
    const l = await this.#store.cluster.failures(this.#book, key);
    return l === undefined ? 0 : Math.max(0, l.locked_until_ms - now);
  }

  /** Counts a failure; returns the lock-out it starts in ms (0: still within the free failures). */
  async fail(key: string, now: number): Promise<number> {
    const failures = await this.#store.cluster.fail(this.#book, key, now, now - this.#policy.forgetAfterMs);
    const over = failures - this.#policy.freeFailures;
    if (over <= 0) return 0;
    // 2^min(over-1, 30): the cap on the exponent keeps the number finite; maxLockoutMs cuts it anyway.
    const ms = Math.min(this.#policy.maxLockoutMs, this.#policy.firstLockoutMs * 2 ** Math.min(over - 1, 30));
    await this.#store.cluster.lockUntil(this.#book, key, now + ms);
    return ms;
  }

  clear(key: string): Promise<void> {
    return this.#store.cluster.clearFailures(this.#book, key);
  }
}

/**
 * Slows down password (and one-time code) guessing on every sign-in form: each submitted
 * address and each source IP gets a few free failures, then a lock-out that doubles with
 * every further failure up to a cap. While locked, even the right secret is refused, so a
 * guesser learns nothing; unknown addresses are counted exactly like known ones, so the
 * refusal does not reveal which addresses have an account.
 *
 * The counts live in the store (issue 23): every process on one database draws on the same
 * budgets, so spreading attempts over N edges gives no more tries than one, and a restart
 * forgets nothing. Each throttle has its own `name` (its budgets are not another form's).
 *
 * Use, in a form handler (check before the secret is verified, report the outcome after):
 * ```ts
 * const attempt = { address: email, source: req.ip };
 * const refusal = await throttle.check(attempt);
 * if (refusal !== undefined) return answer429(refusal.retryAfterSeconds);
 * if (await secretIsRight()) await throttle.succeeded(attempt);
 * else {
 *   const lockout = await throttle.failed(attempt); // a refusal when this failure started a lock-out
 *   …
 * }
 * ```
 */
export class SignInThrottle {
  readonly #clock: Clock;
  readonly #addresses: LockoutBook;
  readonly #sources: LockoutBook;

  constructor(store: Store, name: string, policy: { address?: LockoutPolicy; source?: LockoutPolicy } = {}) {
    this.#clock = store.clock;
    this.#addresses = new LockoutBook(store, `${name}:address`, policy.address ?? ADDRESS_LOCKOUT);
    this.#sources = new LockoutBook(store, `${name}:source`, policy.source ?? SOURCE_LOCKOUT);
  }

  /** A refusal when the address or the source is locked out now; undefined: go on and check the secret. */
  async check(attempt: SignInAttempt): Promise<SignInRefusal | undefined> {
    const now = this.#clock.now().getTime();
    const address = addressKey(attempt.address);
    const a = address === undefined ? 0 : await this.#addresses.lockedFor(address, now);
    const s = await this.#sources.lockedFor(sourceKey(attempt.source), now);
    if (a === 0 && s === 0) return undefined;
    return a >= s ? refusal('address', a) : refusal('source', s);
  }

  /** Counts a failed attempt; returns a refusal when this failure started a lock-out (audit it). */
  async failed(attempt: SignInAttempt): Promise<SignInRefusal | undefined> {
    const now = this.#clock.now().getTime();
    const address = addressKey(attempt.address);
    const a = address === undefined ? 0 : await this.#addresses.fail(address, now);
    const s = await this.#sources.fail(sourceKey(attempt.source), now);
    if (a === 0 && s === 0) return undefined;
    return a >= s ? refusal('address', a) : refusal('source', s);
  }

  /** A right secret: the address starts afresh (the source's count stays: it may be spraying). */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    const address = addressKey(attempt.address);
    if (address !== undefined) await this.#addresses.clear(address);
  }
}

function addressKey(address: string | undefined): string | undefined {
  const a = address?.trim().toLowerCase();
  return a === undefined || a === '' ? undefined : a;
}

/**
 * The budget a source address draws on: an IPv4 address, or an IPv6 /64 (one host usually
 * holds a whole /64, so per-/128 budgets would be endless).
 */
export function sourceKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.toLowerCase().split('%')[0]?.split('::') ?? [''];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function refusal(scope: SignInRefusal['scope'], ms: number): SignInRefusal {
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
}
