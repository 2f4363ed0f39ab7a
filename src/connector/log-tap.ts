import {
  EVENT_FIELD_LIMITS,
  encodeManagement,
  FrameType,
  type LogEvent,
  levelAtLeast,
  type ManagementMessage,
  MessageError,
  type MuxConnection,
  type MuxStream,
  parseManagement,
  type RequestHead,
  type ResponseHead,
  type TailEventKind,
  type TailFilters,
  type TailLevel,
} from '../protocol/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { headerValue } from './ingress/index.js';

/** Sessions one connector streams to at once (an edge allows 4 per tunnel; replicas' links may reach several edges). */
export const MAX_TAP_SESSIONS = 16;
/** Events per second sent for one session; more are counted and reported as dropped. */
export const TAP_EVENTS_PER_SECOND = 200;
/** A link with more than this queued is busy with visitors' bytes: log events are dropped, never queued behind them. */
export const TAP_LINK_BACKLOG = 256 * 1024; // 256 KiB

interface TapSession {
  readonly id: string;
  readonly filters: TailFilters;
  /** The link the edge asked on; events go back on it. */
  readonly conn: MuxConnection;
  windowStart: number;
  windowCount: number;
  dropped: number;
}

export interface LogTapOptions {
  metrics?: ConnectorMetrics | undefined;
  /** Milliseconds clock for the rate windows (default performance.now). */
  now?: () => number;
  /** [0, 1) for sampling (default Math.random). */
  random?: () => number;
}

/**
 * The connector's end of `warren tail` (cloudflared's `management/` logger): request logs for
 * the sessions the edge asked for. While no one tails, `active` is false and the request path
 * checks only that (OriginProxy.handle): no event is built, nothing is sent. Events are never
 * queued: one over the session's rate, or while the link is backed up, is dropped and counted.
 */
export class LogTap {
  /** The one check on the request path: true while at least one session is open. */
  active = false;
  readonly #sessions = new Map<string, TapSession>();
  readonly #metrics: ConnectorMetrics | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Events sent to any edge since start (also warren_tunnel_tail_events_sent). */
  eventsSent = 0;

  constructor(options: LogTapOptions = {}) {
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => performance.now());
    this.#random = options.random ?? Math.random;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** A Management frame from the edge on `conn`. A malformed one breaks the protocol: the link drops. */
  onFrame(conn: MuxConnection, payload: Buffer): void {
    let msg: ManagementMessage;
    try {
      msg = parseManagement(payload);
    } catch (err) {
      if (err instanceof MessageError) conn.violation(err.message);
      return;
    }
    if (msg.type === 'start') {
      const existing = this.#sessions.get(msg.session);
      // The edge moves a session to another link of ours when its link closes; any more are refused silently.
      if (existing === undefined && this.#sessions.size >= MAX_TAP_SESSIONS) return;
      this.#sessions.set(msg.session, {
        id: msg.session,
        filters: msg.filters,
        conn,
        windowStart: this.#now(),
        windowCount: 0,
        dropped: existing?.dropped ?? 0,
      });
      this.#changed();
      this.#send(conn, { type: 'started', session: msg.session });
    } else if (msg.type === 'stop') {
      if (this.#sessions.delete(msg.session)) this.#changed();
    } else {
      conn.violation(`management: the edge sent ${msg.type}`);
    }
  }

  /** A link closed: its sessions end (the edge re-asks on another link if it still has the session). */
  linkClosed(conn: MuxConnection): void {
    let changed = false;
    for (const [id, s] of this.#sessions) {
      if (s.conn === conn) {
        this.#sessions.delete(id);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  /**
   * Called only while `active`: logs the stream when its response head goes out (or it fails
   * before one). Wraps the stream's own `respond` and `reset`, so no handler needs to know.
   */
  observe(stream: MuxStream, head: RequestHead, kind: TailEventKind): void {
    const started = this.#now();
    const respond = stream.respond;
    const reset = stream.reset;
    let logged = false;
    stream.respond = (h: ResponseHead): void => {
      if (!logged) {
        logged = true;
        this.#log(head, kind, h.status, started, undefined);
      }
      respond.call(stream, h);
    };
    stream.reset = (code, message): void => {
      if (!logged) {
        logged = true;
        this.#log(head, kind, 0, started, `${code}: ${message}`);
      }
      reset.call(stream, code, message);
    };
  }

  /**
   * A raw TCP session or UDP flow ended (called only while `active`): one more event after the
   * 101 one, with `message` saying what it carried and why it ended.
   */
  session(head: RequestHead, failed: boolean, durationMs: number, message: string): void {
    this.#log(head, 'tcp', failed ? 0 : 101, this.#now() - durationMs, failed ? message : undefined, message);
  }

  #log(
    head: RequestHead,
    kind: TailEventKind,
    status: number,
    started: number,
    error: string | undefined,
    message?: string,
  ): void {
    if (this.#sessions.size === 0) return;
    const level: TailLevel = status === 0 || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    // Which sessions want it, grouped by the link each listens on.
    const byConn = new Map<MuxConnection, TapSession[]>();
    const now = this.#now();
    for (const s of this.#sessions.values()) {
      const f = s.filters;
      if (f.events.length > 0 && !f.events.includes(kind)) continue;
      if (!levelAtLeast(level, f.level)) continue;
      if (f.sample < 1 && this.#random() >= f.sample) continue;
      if (now - s.windowStart >= 1000) {
        s.windowStart = now;
        s.windowCount = 0;
      }
      if (s.windowCount >= TAP_EVENTS_PER_SECOND || s.conn.closed || s.conn.writableLength > TAP_LINK_BACKLOG) {
        s.dropped++;
        this.#metrics?.tailEventsDropped.inc();
        continue;
      }
      s.windowCount++;
      const list = byConn.get(s.conn);
      if (list === undefined) byConn.set(s.conn, [s]);
      else list.push(s);
    }
    if (byConn.size === 0) return;
    const event = eventOf(head, kind, level, status, now - started, error, message);
    for (const [conn, sessions] of byConn) {
      for (const s of sessions) {
        if (s.dropped === 0) continue;
        this.#send(conn, { type: 'dropped', session: s.id, count: s.dropped });
        s.dropped = 0;
      }
      this.#send(conn, { type: 'event', sessions: sessions.map((s) => s.id), event });
      this.eventsSent++;
      this.#metrics?.tailEventsSent.inc();
    }
  }

  #send(conn: MuxConnection, msg: ManagementMessage): void {
    conn.sendFrame(FrameType.Management, 0, encodeManagement(msg));
  }

  #changed(): void {
    this.active = this.#sessions.size > 0;
    this.#metrics?.tailSessions.set(this.#sessions.size);
  }
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

function eventOf(
  head: RequestHead,
  kind: TailEventKind,
  level: TailLevel,
  status: number,
  durationMs: number,
  error: string | undefined,
  message?: string,
): LogEvent {
  const L = EVENT_FIELD_LIMITS;
  const q = head.path.indexOf('?');
  // The query string may carry tokens or personal data: logs show the path only.
  const path = clip(q < 0 ? head.path : head.path.slice(0, q), L.path);
  const host = clip(headerValue(head.headers, 'host') ?? '', L.host);
  const method = clip(head.method, L.method);
  const duration = Math.round(durationMs * 10) / 10;
  const event: LogEvent = {
    time: new Date().toISOString(),
    level,
    event: kind,
    // The edge fills in the connector it got the event from; a connector cannot speak for another.
    connector_id: '',
    message: clip(message ?? `${method} ${host}${path} ${status === 0 ? 'failed' : status} ${duration}ms`, L.message),
    method,
    host,
    path,
    status,
    duration_ms: duration,
    ray_id: clip(headerValue(head.headers, 'cf-ray') ?? '', L.ray_id),
  };
  if (error !== undefined) event.error = clip(error, L.error);
  return event;
}
