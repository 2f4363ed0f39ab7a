import type { Logger } from 'pino';
import type { MuxStream, RequestHead } from '../protocol/index.js';
import type { ConnectorMetrics } from './connector-metrics.js';

/**
 * One kind of origin service (cloudflared's `OriginService`): answers a stream whose rule
 * matched. `http-origin`, `status-origin`, `hello-world-origin` and `tcp-origin` implement it.
 */
export interface OriginHandler {
  serve(stream: MuxStream, head: RequestHead): void;
}

/** What every handler reports to. */
export interface OriginContext {
  readonly metrics: ConnectorMetrics | undefined;
  readonly logger: Logger | undefined;
  /** A raw TCP session or UDP flow ended: its log line, and its `warren tail` event while someone tails. */
  sessionClosed(head: RequestHead, summary: SessionSummary): void;
}

/** How a TCP session or UDP flow went, for the log and `warren tail`. */
export interface SessionSummary {
  kind: 'tcp' | 'udp';
  rule: number;
  /** Bytes (TCP) or datagrams (UDP) each way, and datagrams dropped on a full queue (UDP). */
  toOrigin: number;
  fromOrigin: number;
  dropped?: number;
  ms: number;
  /** Why it ended: "client closed", "origin closed", "idle 60 s", "origin reset: …". */
  reason: string;
  failed: boolean;
}
