import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WarrenError } from '../errors/index.js';
import {
  encodeManagement,
  FEATURE_MANAGEMENT_LOGS,
  FrameType,
  type LogEvent,
  MAX_MANAGEMENT_MESSAGE,
  type ManagementMessage,
  parseManagement,
  type TailFilters,
} from '../protocol/index.js';
import type { EdgeLink } from './registration/edge-link.js';
import type { TunnelRegistry } from './routing/tunnel-registry.js';

/** `warren tail` sessions one tunnel may have open on one edge. */
export const MAX_TAIL_SESSIONS_PER_TUNNEL = 4;
/** Events per second relayed to one session, all its connectors together; more are dropped and counted. */
export const TAIL_RELAY_EVENTS_PER_SECOND = 200;
/** A tail client with more than this unsent is slow: events for it are dropped, never queued. */
export const TAIL_CLIENT_BACKLOG = 512 * 1024; // 512 KiB
/** How often pending "N events dropped" notices go out when no event carries them. */
const DROP_NOTICE_INTERVAL_MS = 1_000; // 1 second

/** The CLI's end of a session (a WebSocket): what the hub writes to, and how much is still unsent. */
export interface TailClient {
  readonly backlog: number;
  send(text: string): void;
}

/** What the edge sends a tail client, one JSON text message each. */
export type TailClientMessage =
  | { type: 'ready'; tunnel_id: string; connectors: number }
  | { type: 'connector'; connector_id: string; state: 'streaming' | 'gone' }
  | { type: 'event'; event: LogEvent }
  | { type: 'dropped'; count: number };

export interface TailSession {
  readonly id: string;
  readonly tunnelId: string;
  readonly filters: TailFilters;
  readonly connectorId: string | undefined;
  readonly client: TailClient;
  /** The link each connector was asked on (one per connector: its other links carry requests only). */
  readonly bound: Map<string, EdgeLink>;
  windowStart: number;
  windowCount: number;
  dropped: number;
}

/**
 * The edge's side of `warren tail`: sessions per tunnel, the Start/Stop messages to the
 * tunnel's connectors, and the relay of their events. Connectors stream only while a session
 * of their tunnel is open; whatever a link sends unasked is dropped unread and counted.
 */
export class ManagementHub {
  readonly #registry: TunnelRegistry;
  readonly #logger: Logger;
  readonly #byTunnel = new Map<string, Map<string, TailSession>>();
  #noticeTimer: NodeJS.Timeout | undefined;
  /** Hears sessions open and close (the relay to other processes, `TailRelay`). */
  #observer: { opened(s: TailSession): void; closed(s: TailSession): void } | undefined;
  /** Counters, also on /metrics. */
  readonly stats = { unsolicited: 0, relayed: 0, dropped: 0 };

  constructor(registry: TunnelRegistry, logger: Logger, metrics?: Registry) {
    this.#registry = registry;
    this.#logger = logger;
    if (metrics !== undefined) this.#registerMetrics(metrics);
  }

  /** Sets who hears sessions open and close (one observer). */
  observe(observer: { opened(s: TailSession): void; closed(s: TailSession): void }): void {
    this.#observer = observer;
  }

  /** Opens a session and asks the tunnel's connectors (or the one named) to stream. */
  open(tunnelId: string, filters: TailFilters, connectorId: string | undefined, client: TailClient): TailSession {
    let sessions = this.#byTunnel.get(tunnelId);
    if (sessions !== undefined && sessions.size >= MAX_TAIL_SESSIONS_PER_TUNNEL) {
      throw new WarrenError(
        'WARREN_TAIL_SESSIONS_FULL',
        `tunnel ${tunnelId} already has ${MAX_TAIL_SESSIONS_PER_TUNNEL} tail sessions on this edge; close one and try again`,
      );
    }
    if (sessions === undefined) {
      sessions = new Map();
      this.#byTunnel.set(tunnelId, sessions);
    }
    const session: TailSession = {
      id: randomBytes(16).toString('base64url'),
      tunnelId,
      filters,
      connectorId,
      client,
      bound: new Map(),
      windowStart: performance.now(),
      windowCount: 0,
      dropped: 0,
    };
    sessions.set(session.id, session);
    for (const link of this.#registry.links(tunnelId)) this.#bind(session, link);
    this.#toClient(session, { type: 'ready', tunnel_id: tunnelId, connectors: session.bound.size });
    this.#noticeTimer ??= setInterval(() => this.#flushNotices(), DROP_NOTICE_INTERVAL_MS).unref();
    this.#observer?.opened(session);
    return session;
  }

  /** Ends a session: its connectors are told to stop (they stop streaming once none is left). */
  close(session: TailSession): void {
    const sessions = this.#byTunnel.get(session.tunnelId);
    if (sessions?.get(session.id) !== session) return;
    sessions.delete(session.id);
    if (sessions.size === 0) this.#byTunnel.delete(session.tunnelId);
    for (const link of session.bound.values()) send(link, { type: 'stop', session: session.id });
    session.bound.clear();
    this.#observer?.closed(session);
    if (this.#byTunnel.size === 0 && this.#noticeTimer !== undefined) {
      clearInterval(this.#noticeTimer);
      this.#noticeTimer = undefined;
    }
  }

  get sessionCount(): number {
    let n = 0;
    for (const s of this.#byTunnel.values()) n += s.size;
    return n;
  }

  /** A link registered: connectors that join while someone tails stream too. */
  linkRegistered(link: EdgeLink): void {
    const sessions = this.#byTunnel.get(link.tunnelId);
    if (sessions === undefined) return;
    for (const s of sessions.values()) this.#bind(s, link);
  }

  /** A link closed: its sessions move to another link of the same connector, if it has one. */
  linkUnregistered(link: EdgeLink): void {
    const sessions = this.#byTunnel.get(link.tunnelId);
    if (sessions === undefined) return;
    const connectorId = link.connector.connectorId;
    for (const s of sessions.values()) {
      if (s.bound.get(connectorId) !== link) continue;
      s.bound.delete(connectorId);
      for (const other of this.#registry.links(link.tunnelId)) {
        if (other !== link) this.#bind(s, other);
      }
      if (!s.bound.has(connectorId)) this.#toClient(s, { type: 'connector', connector_id: connectorId, state: 'gone' });
    }
  }

  /** A Management frame from a registered link. Nothing is parsed unless the link's tunnel has a session. */
  onFrame(link: EdgeLink, payload: Buffer): void {
    const sessions = this.#byTunnel.get(link.tunnelId);
    if (sessions === undefined || payload.length > MAX_MANAGEMENT_MESSAGE) {
      this.stats.unsolicited++;
      return;
    }
    let msg: ManagementMessage;
    try {
      msg = parseManagement(payload);
    } catch {
      this.stats.unsolicited++;
      return;
    }
    const connectorId = link.connector.connectorId;
    // Only sessions this connector was asked for, on this very link.
    const asked = (id: string): TailSession | undefined => {
      const s = sessions.get(id);
      return s !== undefined && s.bound.get(connectorId) === link ? s : undefined;
    };
    switch (msg.type) {
      case 'started': {
        const s = asked(msg.session);
        if (s === undefined) this.stats.unsolicited++;
        else this.#toClient(s, { type: 'connector', connector_id: connectorId, state: 'streaming' });
        return;
      }
      case 'dropped': {
        const s = asked(msg.session);
        if (s === undefined) this.stats.unsolicited++;
        else s.dropped = Math.min(s.dropped + msg.count, Number.MAX_SAFE_INTEGER);
        return;
      }
      case 'event': {
        const event: LogEvent = { ...msg.event, connector_id: connectorId };
        let delivered = false;
        for (const id of new Set(msg.sessions)) {
          const s = asked(id);
          if (s === undefined) continue;
          delivered = true;
          this.#relay(s, event);
        }
        if (!delivered) this.stats.unsolicited++;
        return;
      }
      default:
        this.stats.unsolicited++;
    }
  }

  /** Ends every session (the edge is stopping). */
  closeAll(): void {
    for (const sessions of [...this.#byTunnel.values()]) for (const s of [...sessions.values()]) this.close(s);
  }

  #bind(s: TailSession, link: EdgeLink): void {
    const connectorId = link.connector.connectorId;
    if (s.connectorId !== undefined && s.connectorId !== connectorId) return;
    // A connector that does not list the feature would drop its link over a frame it does not know.
    if (
      s.bound.has(connectorId) ||
      link.conn.closed ||
      link.connector.features?.includes(FEATURE_MANAGEMENT_LOGS) !== true
    )
      return;
    s.bound.set(connectorId, link);
    send(link, { type: 'start', session: s.id, filters: s.filters });
  }

  #relay(s: TailSession, event: LogEvent): void {
    const now = performance.now();
    if (now - s.windowStart >= 1000) {
      s.windowStart = now;
      s.windowCount = 0;
    }
    if (s.windowCount >= TAIL_RELAY_EVENTS_PER_SECOND || s.client.backlog > TAIL_CLIENT_BACKLOG) {
      s.dropped++;
      this.stats.dropped++;
      return;
    }
    s.windowCount++;
    if (s.dropped > 0) this.#notice(s);
    this.stats.relayed++;
    this.#toClient(s, { type: 'event', event });
  }

  #flushNotices(): void {
    for (const sessions of this.#byTunnel.values()) {
      for (const s of sessions.values()) if (s.dropped > 0 && s.client.backlog <= TAIL_CLIENT_BACKLOG) this.#notice(s);
    }
  }

  #notice(s: TailSession): void {
    this.#toClient(s, { type: 'dropped', count: s.dropped });
    s.dropped = 0;
  }

  #toClient(s: TailSession, msg: TailClientMessage): void {
    try {
      s.client.send(JSON.stringify(msg));
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message, tunnelId: s.tunnelId }, 'tail client write failed');
    }
  }

  #registerMetrics(registry: Registry): void {
    const stats = this.stats;
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers: [registry],
        collect(this: Counter): void {
          this.reset();
          this.inc(read());
        },
      });
    };
    counter(
      'warren_edge_tail_unsolicited_total',
      'Management frames from connectors that no tail session asked for (dropped unread)',
      () => stats.unsolicited,
    );
    counter('warren_edge_tail_events_relayed_total', 'Log events relayed to warren tail clients', () => stats.relayed);
    counter(
      'warren_edge_tail_events_dropped_total',
      'Log events dropped by the edge (over the rate, or a slow warren tail client)',
      () => stats.dropped,
    );
    const hub = this;
    new Gauge({
      name: 'warren_edge_tail_sessions',
      help: 'Open warren tail sessions on this edge',
      registers: [registry],
      collect(this: Gauge): void {
        this.set(hub.sessionCount);
      },
    });
  }
}

function send(link: EdgeLink, msg: ManagementMessage): void {
  link.conn.sendFrame(FrameType.Management, 0, encodeManagement(msg));
}
