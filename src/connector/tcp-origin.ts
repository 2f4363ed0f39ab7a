import type { MuxStream, RequestHead } from '../protocol/index.js';
import { headerValue, type IngressRule } from './ingress/index.js';
import type { OriginContext, OriginHandler } from './origin-handler.js';

/**
 * tcp://, ssh://, rdp://, smb:// services are for `warren access tcp` clients, which this
 * connector does not serve yet: an HTTP request to one fails its stream (502 at the edge).
 */
export class TcpOrigin implements OriginHandler {
  readonly #rule: IngressRule;
  readonly #label: string;
  readonly #context: OriginContext;

  constructor(rule: IngressRule, label: string, context: OriginContext) {
    this.#rule = rule;
    this.#label = label;
    this.#context = context;
  }

  serve(stream: MuxStream, head: RequestHead): void {
    const { metrics, logger } = this.#context;
    metrics?.requestStarted(false);
    metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
    const message = `${this.#label} is a TCP service for \`warren access tcp\` clients, which this connector does not serve yet`;
    logger?.warn(
      { rayId: headerValue(head.headers, 'cf-ray'), code: 'WARREN_ORIGIN_ERROR', rule: this.#rule.index + 1 },
      message,
    );
    stream.reset('WARREN_ORIGIN_ERROR', message);
  }
}
