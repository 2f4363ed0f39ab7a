import type { Duplex } from 'node:stream';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The edge's Prometheus counters of refused visitors, served by `warren serve` on the API port
 * at `/metrics`. The hot path bumps plain numbers; they are copied into prom-client only when
 * scraped, as the connector's metrics do.
 */
export class EdgeMetrics {
  readonly registry = new Registry();
  /** Visitors whose request body stalled past the body idle timeout. */
  requestBodyTimeouts = 0;
  /** Requests refused with 431 because their head breaks a tunnel limit. */
  headersTooLarge = 0;
  /** Connector responses refused (502) for ambiguous framing, or body bytes that did not match it. */
  badResponses = 0;
  /** Links found stalled: they owed bytes and answered no probe (LinkStallWatch). */
  linkStalls = 0;
  /** Stalled links that answered again. */
  linkRecoveries = 0;
  /** Requests moved off a stalled link to another one (idempotent, no body, no response byte yet). */
  stalledRequestsRetried = 0;
  /** Visitor connections switched to a byte pipe by a 101 (WebSocket, and raw TCP, which rides on one). */
  readonly upgradedSessions = { active: 0, total: 0, fromVisitor: 0, toVisitor: 0 };

  constructor() {
    const counter = (name: string, help: string, read: () => number): Counter =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect(this: Counter): void {
          this.reset();
          this.inc(read());
        },
      });
    counter(
      'warren_edge_request_body_timeouts_total',
      'Visitors whose request body sent nothing for longer than --request-body-idle-timeout (408, origin request cancelled)',
      () => this.requestBodyTimeouts,
    );
    counter(
      'warren_edge_request_headers_too_large_total',
      'Visitor requests refused with 431: more header fields or bytes than a tunnel carries',
      () => this.headersTooLarge,
    );
    counter(
      'warren_edge_bad_connector_responses_total',
      'Connector responses refused or cut off: ambiguous framing, a 1xx to a plain request, a body unlike its Content-Length',
      () => this.badResponses,
    );
    counter(
      'warren_edge_link_stalls_total',
      'Tunnel links that owed bytes and answered no probe within 1 s + 1 s: picked for no new request until they answer',
      () => this.linkStalls,
    );
    counter(
      'warren_edge_link_stall_recoveries_total',
      'Stalled tunnel links that answered again and are picked again',
      () => this.linkRecoveries,
    );
    counter(
      'warren_edge_stalled_link_retries_total',
      'Requests sent again on another link because theirs stalled before any response byte (idempotent, no body)',
      () => this.stalledRequestsRetried,
    );
    const u = this.upgradedSessions;
    new Gauge({
      name: 'warren_edge_upgraded_sessions_active',
      help: 'Visitor connections switched by a 101 and still open: WebSocket sessions and raw TCP sessions (warren access tcp|ssh)',
      registers: [this.registry],
      collect(this: Gauge): void {
        this.set(u.active);
      },
    });
    counter(
      'warren_edge_upgraded_sessions_total',
      'Visitor connections switched by a 101: WebSocket sessions and raw TCP sessions (warren access tcp|ssh)',
      () => u.total,
    );
    new Counter({
      name: 'warren_edge_upgraded_bytes_total',
      help: 'Bytes on switched visitor connections once they closed (heads included), by direction (from_visitor, to_visitor)',
      labelNames: ['direction'],
      registers: [this.registry],
      collect(this: Counter): void {
        this.reset();
        this.inc({ direction: 'from_visitor' }, u.fromVisitor);
        this.inc({ direction: 'to_visitor' }, u.toVisitor);
      },
    });
  }

  /** A visitor connection was switched by a 101: counted until it closes, with its bytes. */
  switched(socket: Duplex): void {
    const u = this.upgradedSessions;
    u.active++;
    u.total++;
    socket.once('close', () => {
      u.active--;
      const s = socket as Duplex & { bytesRead?: number; bytesWritten?: number };
      u.fromVisitor += s.bytesRead ?? 0;
      u.toVisitor += s.bytesWritten ?? 0;
    });
  }
}
