import type { MuxStream, RequestHead } from '../../protocol/index.js';
import type { ConnectorMetrics } from '../connector-metrics.js';
import { headerValue } from '../ingress/index.js';
import type { OriginContext } from '../origin-handler.js';
import { websocketAccept } from './ws-frames.js';

/**
 * Opens a tcp:// or udp:// session: counts it in `counters` (one of ConnectorMetrics' `tcp`, `udp`)
 * and answers the client's WebSocket upgrade with 101. Returns the start time (ms) for its log line.
 */
export function acceptSession(
  stream: MuxStream,
  key: string,
  metrics: ConnectorMetrics | undefined,
  counters: { active: number; total: number } | undefined,
): number {
  if (counters !== undefined) {
    counters.active++;
    counters.total++;
  }
  metrics?.responded(101);
  stream.respond({
    status: 101,
    headers: ['upgrade', 'websocket', 'connection', 'Upgrade', 'sec-websocket-accept', websocketAccept(key)],
  });
  return Date.now();
}

/** What to run instead of HTTP, per kind of session. */
const CLIENT_OF: Readonly<Record<'tcp' | 'udp', string>> = {
  tcp: '`warren access tcp --hostname HOST` (or ssh, rdp, smb)',
  udp: '`warren access udp --hostname HOST --url 127.0.0.1:PORT`',
};

/**
 * The client's Sec-WebSocket-Key of a tcp:// or udp:// request, counted as started; undefined when
 * it is not a WebSocket upgrade: then it is counted as an origin error, logged, and the stream is
 * reset with a message naming the client to run instead.
 */
export function sessionKeyOf(
  stream: MuxStream,
  head: RequestHead,
  context: OriginContext,
  rule: { index: number; label: string; kind: 'tcp' | 'udp' },
): string | undefined {
  const { metrics, logger } = context;
  const key = headerValue(head.headers, 'sec-websocket-key');
  const upgrade = headerValue(head.headers, 'upgrade')?.toLowerCase();
  metrics?.requestStarted(false);
  if (head.upgrade === true && upgrade === 'websocket' && key !== undefined) return key;
  metrics?.requestErrors.inc({ code: 'WARREN_ORIGIN_ERROR' });
  const notHttp = `${rule.label} is a ${rule.kind.toUpperCase()} service: reach it with ${CLIENT_OF[rule.kind]}, not with HTTP`;
  logger?.info(
    { rayId: headerValue(head.headers, 'cf-ray'), code: 'WARREN_ORIGIN_ERROR', rule: rule.index + 1 },
    notHttp,
  );
  stream.reset('WARREN_ORIGIN_ERROR', notHttp);
  return undefined;
}
