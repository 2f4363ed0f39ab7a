import type { MuxStream } from '../../protocol/index.js';
import type { ConnectorMetrics } from '../connector-metrics.js';
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
