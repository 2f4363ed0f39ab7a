import type { Cancel, Timers } from './clock.js';

interface Pending {
  at: number;
  fn: () => void;
  /** every(): the period; after(): 0 */
  period: number;
}

/**
 * Time that moves only when a test says so: `advance(ms)` fires the timers that fall due, in
 * order of their time (then of their creation), each at its own time, and lets the promises they
 * start settle before the next one.
 */
export class ManualClock implements Timers {
  #ms: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  /** `start`: epoch milliseconds (default: the real time now). */
  constructor(start: number = Date.now()) {
    this.#ms = start;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Epoch milliseconds. */
  get ms(): number {
    return this.#ms;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.#add(ms, fn, 0);
  }

  every(ms: number, fn: () => void): Cancel {
    if (!(ms > 0)) throw new TypeError(`every() needs a period above 0 ms (got ${ms})`);
    return this.#add(ms, fn, ms);
  }

  /** Delays of the timers now pending, from now, shortest first. */
  get pending(): number[] {
    return [...this.#pending.values()].map((p) => p.at - this.#ms).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`. Without a timer due, time moves at once (callers that need not
   * wait for timers may ignore the promise); else the promise resolves once every due timer has
   * fired and what it started has settled.
   */
  advance(ms: number): Promise<void> {
    const end = this.#ms + ms;
    if (this.#next(end) === undefined) {
      this.#ms = end;
      return settle();
    }
    return this.#run(end);
  }

  async #run(end: number): Promise<void> {
    await settle();
    // Bounded: each turn fires one timer at or before `end`, and an every() timer moves on by its period.
    for (;;) {
      const next = this.#next(end);
      if (next === undefined) break;
      const [id, p] = next;
      this.#ms = p.at;
      if (p.period > 0) p.at += p.period;
      else this.#pending.delete(id);
      p.fn();
      await settle();
    }
    this.#ms = end;
  }

  #add(ms: number, fn: () => void, period: number): Cancel {
    const id = ++this.#seq;
    this.#pending.set(id, { at: this.#ms + Math.max(0, ms), fn, period });
    return () => {
      this.#pending.delete(id);
    };
  }

  #next(end: number): [number, Pending] | undefined {
    let next: [number, Pending] | undefined;
    for (const e of this.#pending) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
    return next;
  }
}

/** One turn of the event loop: promise chains started by a timer run to their next real wait. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
