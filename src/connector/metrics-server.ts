import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorMetrics } from './connector-metrics.js';
import { type DiagSource, handleDiag } from './diag-endpoints.js';
import type { ConfigurationState } from './orchestrator.js';

export interface MetricsServerOptions {
  metrics: ConnectorMetrics;
  readyConnections: () => number;
  connectorId: string;
  /** True while the connector is paused (an origin failed its health check): /ready then answers 503. */
  paused?: () => boolean;
  /**
   * The configuration in use, shown in /ready: its source, the remote version served, and the
   * newest remote version refused since with the reason (the connector keeps serving the last good one).
   */
  configuration?: () => ConfigurationState;
  /** `--tag KEY=VAL` and `--label`, shown in /ready so an operator can tell replicas apart. */
  tags?: Readonly<Record<string, string>> | undefined;
  label?: string | undefined;
  /** Local-only /diag/configuration, /diag/logs, /diag/system for `warren tunnel diag`. */
  diag?: DiagSource | undefined;
}

/**
 * `--metrics ADDR`: /metrics (Prometheus), /ready (200 once a link is registered and the
 * connector is not paused by a failing origin health check), /healthcheck.
 */
export async function startMetricsServer(
  addr: string,
  o: MetricsServerOptions,
): Promise<{ server: Server; url: string }> {
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new TypeError(`--metrics ${addr}: expected HOST:PORT, e.g. 127.0.0.1:2000`);
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`--metrics ${addr}: port must be 0-65535`);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      o.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': o.metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (path === '/ready') {
      // Paused links are registered but take no traffic: not ready, and none counted as ready.
      const n = o.paused?.() === true ? 0 : o.readyConnections();
      res.writeHead(n > 0 ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: n > 0 ? 200 : 503,
          readyConnections: n,
          connectorId: o.connectorId,
          ...(o.configuration !== undefined ? { configuration: o.configuration() } : {}),
          ...(o.tags !== undefined ? { tags: o.tags } : {}),
          ...(o.label !== undefined ? { label: o.label } : {}),
        }),
      );
      return;
    }
    if (o.diag !== undefined && path !== undefined && handleDiag(req, res, path, o.diag)) return;
    if (path === '/healthcheck') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /ready or /healthcheck\n');
  });
  server.listen(port, host);
  await once(server, 'listening');
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` };
}
