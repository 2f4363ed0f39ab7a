import { RerunAfter } from '../time/index.js';
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
  readonly #reload: RerunAfter;

  constructor(options: FeedReloadOptions) {
    this.#o = options;
    this.#reload = new RerunAfter(() => options.load());
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
    return this.#reload.run();
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

/**
 * A cache kept in step by a FeedReload: a subclass writes `load()` (read the store, swap the cache
 * in); starting, reloading on demand and stopping are the same for every such cache.
 */
export abstract class FeedCache {
  readonly #feedReload: FeedReload;

  protected constructor(options: Omit<FeedReloadOptions, 'load'>) {
    this.#feedReload = new FeedReload({ ...options, load: () => this.load() });
  }

  /** Subscribes and resolves after the first load. */
  start(): Promise<void> {
    return this.#feedReload.start();
  }

  /** Reloads now (tests, and writers in the same process, call this after a write). */
  reload(): Promise<void> {
    return this.#feedReload.run();
  }

  stop(): void {
    this.#feedReload.close();
  }

  protected abstract load(): Promise<void>;
}
