import { once } from 'node:events';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { type DnsAddresses, DnsMetrics, startDnsService } from '../../dns/index.js';
import { WarrenError } from '../../errors/index.js';
import { Store } from '../../store/index.js';
import { createLogger, type LoggerOptions } from '../logger.js';
import { onShutdownSignals } from '../shutdown-signals.js';

export interface DnsCommandOptions {
  dataDir: string;
  databaseUrl: string | undefined;
  bind: string;
  domain: string;
  dnsPort: number;
  edgeAddresses: string[] | undefined;
  nsAddresses: string[] | undefined;
  metrics: string | undefined;
  /** `--rate-limit-per-prefix`: UDP answers/s per /24 or /56; 0: off. */
  rateLimitPerPrefix: number;
  log: LoggerOptions;
}

/**
 * `--edge-address` / `--ns-address`, or the bind address. A wildcard bind (0.0.0.0, ::) is no
 * address to give the world: then loopback, with a warning that says which flag to set.
 */
export function dnsAddresses(
  bind: string,
  edge: string[] | undefined,
  ns: string[] | undefined,
  logger: Logger,
): DnsAddresses {
  const wildcard = bind === '0.0.0.0' || bind === '::';
  const fallback = wildcard ? (bind === '::' ? '::1' : '127.0.0.1') : bind;
  if (wildcard && (edge === undefined || ns === undefined)) {
    logger.warn(
      { bind, fallback },
      'dns: --bind is a wildcard address; proxied names and ns1/ns2 answer with loopback: set --edge-address and --ns-address',
    );
  }
  return { edge: edge ?? [fallback], ns: ns ?? [fallback] };
}

/** `warren dns`: the authoritative DNS server alone, on the database `warren serve`/`control` use. */
export async function runDns(o: DnsCommandOptions): Promise<void> {
  const logger = createLogger(o.log);
  const store = await Store.open({
    dataDir: resolve(o.dataDir),
    databaseUrl: o.databaseUrl,
    secretKey: process.env.WARREN_SECRET_KEY,
    logger,
  });
  const metrics = new DnsMetrics();
  let dns: Awaited<ReturnType<typeof startDnsService>>;
  try {
    dns = await startDnsService({
      store,
      domain: o.domain,
      bind: o.bind,
      port: o.dnsPort,
      addresses: dnsAddresses(o.bind, o.edgeAddresses, o.nsAddresses, logger),
      logger,
      metrics,
      rateLimit: { responsesPerSecond: o.rateLimitPerPrefix },
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  let metricsServer: ReturnType<typeof createServer> | undefined;
  let metricsUrl: string | undefined;
  if (o.metrics !== undefined) {
    const i = o.metrics.lastIndexOf(':');
    const host = o.metrics.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(o.metrics.slice(i + 1));
    if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
      await dns.close();
      await store.close();
      throw new WarrenError('WARREN_CONFIG_INVALID', `--metrics ${o.metrics}: expected HOST:PORT, e.g. 127.0.0.1:9153`);
    }
    metricsServer = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    metricsServer.listen(port, host);
    await once(metricsServer, 'listening');
    const a = metricsServer.address();
    metricsUrl = `http://${o.metrics.slice(0, i)}:${typeof a === 'object' && a !== null ? a.port : port}/metrics`;
  }
  const host = o.bind.includes(':') ? `[${o.bind}]` : o.bind;
  process.stdout.write(
    [
      'warren dns is running',
      `  dns            ${host}:${dns.port} (UDP and TCP)`,
      ...(metricsUrl === undefined ? [] : [`  metrics        ${metricsUrl}`]),
      `  data           ${store.dialect === 'postgres' ? 'PostgreSQL (--database-url)' : `${resolve(o.dataDir)}/warren.db`}`,
      '',
    ].join('\n'),
  );
  onShutdownSignals(logger, async () => {
    metricsServer?.close();
    await dns.close();
    await store.close();
  });
}
