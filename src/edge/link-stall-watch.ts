import type { Logger } from 'pino';
import { type Cancel, SYSTEM_TIMERS, type Timers } from '../time/index.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { EdgeLink } from './registration/edge-link.js';
import type { TunnelRegistry } from './routing/tunnel-registry.js';

/** Silence on a link with open streams (it owes bytes) after which the edge pings it. */
export const LINK_STALL_PROBE_AFTER_MS = 1_000; // 1 second
/** After that ping, silence for this long more makes the link stalled: no new requests, safe ones move. */
export const LINK_STALL_PONG_TIMEOUT_MS = 1_000; // 1 second
/** How often every link is looked at: the granularity of the two times above. */
export const LINK_STALL_TICK_MS = 250; // 250 milliseconds

export interface LinkStallTimes {
  /** Silence on a link with open streams before it is probed (default LINK_STALL_PROBE_AFTER_MS). */
  probeAfterMs: number;
  /** Silence after the probe before the link is stalled (default LINK_STALL_PONG_TIMEOUT_MS). */
  pongTimeoutMs: number;
}

export interface LinkStallWatchOptions {
  registry: TunnelRegistry;
  times?: Partial<LinkStallTimes> | undefined;
  metrics?: EdgeMetrics | undefined;
  logger: Logger;
  /** Default SYSTEM_TIMERS; tests pass a ManualClock. */
  timers?: Timers | undefined;
}

interface LinkState {
  /** `conn.reads` at the last tick. */
  reads: number;
  /** When the last tick saw something arrive (or saw the link owe nothing). */
  quietSince: number;
  /** When the probe went out; undefined: none outstanding. */
  probedAt: number | undefined;
  /**
   * Ticks since the probe. A decision needs two: a tick that fires late (the event loop was
   * blocked) runs before the poll phase that would read the answer, so it cannot decide alone.
   */
  ticks: number;
  /** The probe went unanswered and the link's replayable requests were moved. */
  failed: boolean;
  /** When the link was marked stalled. */
  stalledAt: number;
}

/**
 * Finds links that owe bytes and send none long before the heartbeat gives up on them (3 × 5 s).
 * A link with open streams that stays silent for `probeAfterMs` is pinged; if nothing at all
 * arrives for `pongTimeoutMs` more, it is stalled: the registry picks it no more while another
 * link of the tunnel is usable, its requests that may be sent again (idempotent, no body, no
 * response byte yet) are reset with WARREN_LINK_STALLED so the visitor proxy sends them on
 * another link, and the other links of the same connector (one process, one host) are stalled
 * too until they answer a probe of their own. With no usable link, requests wait on the stalled
 * one and move at the first tick that finds a usable link. Anything arriving on a stalled link
 * makes it pickable again. A healthy but quiet link (a long poll, an idle WebSocket) answers the probe and
 * is left alone; the probe is one 17-byte frame per link and second of such silence.
 */
export class LinkStallWatch {
  readonly #o: LinkStallWatchOptions;
  readonly #timers: Timers;
  readonly #probeAfterMs: number;
  readonly #pongTimeoutMs: number;
  readonly #state = new WeakMap<EdgeLink, LinkState>();
  #stop: Cancel | undefined;

  constructor(options: LinkStallWatchOptions) {
    this.#o = options;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#probeAfterMs = options.times?.probeAfterMs ?? LINK_STALL_PROBE_AFTER_MS;
    this.#pongTimeoutMs = options.times?.pongTimeoutMs ?? LINK_STALL_PONG_TIMEOUT_MS;
    for (const [name, ms] of [
      ['probeAfterMs', this.#probeAfterMs],
      ['pongTimeoutMs', this.#pongTimeoutMs],
    ] as const) {
      if (!(ms > 0)) throw new TypeError(`link stall ${name} must be above 0 ms (got ${ms})`);
    }
  }

  /** Starts the ticks (once); SYSTEM_TIMERS' every() is unref'd, so it keeps no process alive. */
  start(): void {
    if (this.#stop !== undefined) return;
    const tickMs = Math.max(10, Math.min(LINK_STALL_TICK_MS, this.#probeAfterMs / 4, this.#pongTimeoutMs / 4));
    this.#stop = this.#timers.every(tickMs, () => this.tick());
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** One look at every link (the timer calls it; exposed for tests). */
  tick(): void {
    const now = this.#timers.now().getTime();
    for (const link of this.#o.registry.allLinks()) {
      const conn = link.conn;
      if (conn.closed) continue;
      const s = this.#stateOf(link, now);
      if (conn.reads !== s.reads) {
        s.reads = conn.reads;
        s.quietSince = now;
        s.probedAt = undefined;
        s.failed = false;
        if (link.stalled === true) this.#recovered(link, s, now);
        continue;
      }
      if (s.probedAt !== undefined) {
        s.ticks++;
        if (!s.failed && s.ticks >= 2 && now - s.probedAt >= this.#pongTimeoutMs) this.#stall(link, s, now);
        // Requests that waited on it for want of a usable link move as soon as there is one.
        else if (s.failed) this.#moveReplayable(link, s, now);
        continue;
      }
      if (conn.streams.size === 0) {
        // It owes nothing: its silence is the heartbeat's business.
        s.quietSince = now;
        continue;
      }
      if (now - s.quietSince >= this.#probeAfterMs) this.#probe(link, s, now);
    }
  }

  #stateOf(link: EdgeLink, now: number): LinkState {
    let s = this.#state.get(link);
    if (s === undefined) {
      s = { reads: link.conn.reads, quietSince: now, probedAt: undefined, ticks: 0, failed: false, stalledAt: 0 };
      this.#state.set(link, s);
    }
    return s;
  }

  #probe(link: EdgeLink, s: LinkState, now: number): void {
    s.probedAt = now;
    s.ticks = 0;
    link.conn.ping();
  }

  #stall(link: EdgeLink, s: LinkState, now: number): void {
    s.failed = true;
    const { registry, logger, metrics } = this.#o;
    if (link.stalled !== true) {
      link.stalled = true;
      s.stalledAt = now;
    }
    // Its siblings share the connector's process and host: mark them before any request moves,
    // so none moves onto them. A healthy sibling answers its probe within a tick and comes back.
    let siblings = 0;
    for (const other of registry.links(link.tunnelId)) {
      if (other === link || other.stalled === true || other.conn.closed) continue;
      if (other.connector.connectorId !== link.connector.connectorId) continue;
      other.stalled = true;
      siblings++;
      const os = this.#stateOf(other, now);
      os.stalledAt = now;
      if (os.probedAt === undefined) this.#probe(other, os, now);
    }
    const retried = this.#moveReplayable(link, s, now);
    if (metrics !== undefined) metrics.linkStalls++;
    logger.warn(
      {
        tunnelId: link.tunnelId,
        connIndex: link.connector.connIndex,
        connectorId: link.connector.connectorId,
        silentMs: now - s.quietSince,
        retried,
        siblings,
      },
      'tunnel link stalled: it owes bytes and answered no probe; new requests go to other links',
    );
  }

  /**
   * Resets the stalled link's requests that may be sent again, so that the visitor proxy sends
   * them on another link; none while the tunnel has no usable link (they would only fail).
   */
  #moveReplayable(link: EdgeLink, s: LinkState, now: number): number {
    const streams = link.conn.streams;
    if (streams.size === 0 || !this.#o.registry.hasResponsiveLink(link.tunnelId)) return 0;
    let moved = 0;
    for (const stream of [...streams.values()]) {
      if (!stream.replayable) continue;
      moved++;
      stream.fail(
        'WARREN_LINK_STALLED',
        `the connection answered no probe for ${now - (s.probedAt ?? now)} ms; the request went to another connection`,
      );
    }
    if (this.#o.metrics !== undefined) this.#o.metrics.stalledRequestsRetried += moved;
    return moved;
  }

  #recovered(link: EdgeLink, s: LinkState, now: number): void {
    link.stalled = false;
    if (this.#o.metrics !== undefined) this.#o.metrics.linkRecoveries++;
    this.#o.logger.info(
      {
        tunnelId: link.tunnelId,
        connIndex: link.connector.connIndex,
        connectorId: link.connector.connectorId,
        stalledMs: now - s.stalledAt,
      },
      'tunnel link answers again',
    );
  }
}
