import type { IncomingMessage } from 'node:http';

/** What the watch needs of a request: its body (node's message), and two fields it keeps on the caller's object. */
export interface WatchedBody {
  readonly body: IncomingMessage | undefined;
  /** The visitor socket's bytesRead at the last sweep. */
  bodyBytes: number;
  /** performance.now() since which bytesRead stood still. */
  bodyIdleSince: number;
}

/** Stalled request bodies expired per event-loop turn. */
const EXPIRE_SLICE = 64;

/** How often a sweep looks for requests past a timeout: a tenth of it, within [10 ms, 1 s]. */
export function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10)));
}

/**
 * Finds request bodies that sent nothing for `idleMs`, without a timer or a listener per request:
 * a coarse sweep compares each visitor socket's bytesRead with the last sweep's. A body the edge
 * paused itself (the tunnel's flow-control window is full) is not idle: that wait is ours.
 */
export class BodyIdleWatch<T extends WatchedBody> {
  readonly #idleMs: number;
  readonly #expire: (body: T) => void;
  readonly #bodies = new Set<T>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(idleMs: number, expire: (body: T) => void) {
    this.#idleMs = idleMs;
    this.#expire = expire;
  }

  add(w: T): void {
    w.bodyBytes = w.body?.socket.bytesRead ?? 0;
    w.bodyIdleSince = performance.now();
    this.#bodies.add(w);
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => this.#sweep(), sweepIntervalMs(this.#idleMs));
    this.#sweeper.unref();
  }

  delete(body: T): void {
    this.#bodies.delete(body);
  }

  #sweep(): void {
    const now = performance.now();
    let expired = 0;
    for (const v of this.#bodies) {
      const req = v.body;
      if (req === undefined || req.complete || req.destroyed) {
        this.#bodies.delete(v);
        continue;
      }
      const read = req.socket?.bytesRead ?? v.bodyBytes;
      if (read !== v.bodyBytes || req.isPaused()) {
        v.bodyBytes = read;
        v.bodyIdleSince = now;
      } else if (now - v.bodyIdleSince >= this.#idleMs) {
        this.#bodies.delete(v);
        this.#expire(v);
        // Bodies that stalled together (one attacker's thousand sockets) expire in slices, so
        // other visitors' requests get event-loop turns in between.
        if (++expired === EXPIRE_SLICE) {
          setImmediate(() => this.#sweep());
          return;
        }
      }
    }
    if (this.#bodies.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
