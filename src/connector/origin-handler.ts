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
}
