import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { DnsMetrics } from './dns-metrics.js';
import { DnsServer, type DnsServerOptions } from './dns-server.js';
import { DnsZoneCache } from './zone-cache.js';
import type { DnsAddresses } from './zone-index.js';

export interface DnsServiceOptions {
  store: Store;
  /** The service domain D (`ns1.D`, `*.tunnel.D`, …). */
  domain: string;
  bind: string;
  port: number;
  addresses: DnsAddresses;
  logger: Logger;
  metrics?: DnsMetrics;
  rateLimit?: DnsServerOptions['rateLimit'];
  tcp?: DnsServerOptions['tcp'];
}

export interface DnsService {
  server: DnsServer;
  cache: DnsZoneCache;
  port: number;
  close(): Promise<void>;
}

/**
 * The zone cache and the server together, as `warren serve` and `warren dns` run them: the
 * zones are loaded before the port opens, so the first query is answered from the store.
 */
export async function startDnsService(o: DnsServiceOptions): Promise<DnsService> {
  const cache = new DnsZoneCache({ store: o.store, domain: o.domain, addresses: o.addresses, logger: o.logger });
  await cache.start();
  const server = new DnsServer({
    zones: () => cache.index,
    bind: o.bind,
    port: o.port,
    logger: o.logger,
    metrics: o.metrics,
    rateLimit: o.rateLimit,
    tcp: o.tcp,
  });
  let port: number;
  try {
    port = await server.listen();
  } catch (err) {
    cache.close();
    throw err;
  }
  return {
    server,
    cache,
    port,
    async close() {
      cache.close();
      await server.close();
    },
  };
}
