import type { ChangeFeed, ChangeTopic } from './change-feed.js';

export interface FeedReloadOptions {
  feed: ChangeFeed;
  /** Changes on these topics schedule a reload. */
  topics: readonly ChangeTopic[];
  /** Reads the store and swaps the cache in. */
  load: () => Promise<void>;
  /** A burst of changes within this many milliseconds causes one reload. */
  debounceMs: number;
  /** A reload this often regardless (milliseconds), in case a notification was lost. */
  safetyMs: number;
  /** A scheduled reload failed: the cache keeps what it had. */
  onError: (err: unknown) => void;
}

/**
 * Keeps an in-memory cache in step with the store: reloads on the change feed's topics (debounced),
 * on a safety interval, and on demand, one reload at a time; a change during a reload triggers one
 * more after it, so the last change is never missed.
 */
export class FeedReload {
  readonly #o: FeedReloadOptions;
  #timer: NodeJS.Timeout | undefined;
  #safety: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(options: FeedReloadOptions) {
    this.#o = options;
  }

  /** Subscribes, starts the safety interval, and resolves after the first load. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#o.feed.subscribe((topic) => {
      if (this.#o.topics.includes(topic)) this.#schedule();
    });
    this.#safety = setInterval(() => this.#schedule(), this.#o.safetyMs);
    this.#safety.unref();
    await this.run();
  }

  /** Reloads now (one at a time; a change during a reload triggers one more). */
  run(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#o.load();
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  close(): void {
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#safety !== undefined) clearInterval(this.#safety);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.run().catch(this.#o.onError);
    }, this.#o.debounceMs);
  }
}
