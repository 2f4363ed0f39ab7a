export { buildAnswer, RCODE, type Rcode, TYPE_NAMES } from './answer-builder.js';
export { DnsMetrics } from './dns-metrics.js';
export { type DnsQuery, parseQuery } from './dns-query.js';
export {
  DNS_TCP_IDLE_TIMEOUT_MS,
  DNS_TCP_MAX_CONNECTIONS,
  DNS_TCP_MAX_PER_SOURCE,
  DnsServer,
  type DnsServerOptions,
} from './dns-server.js';
export { type DnsService, type DnsServiceOptions, startDnsService } from './dns-service.js';
export { DNS_EDNS_UDP_SIZE } from './response-encoder.js';
export {
  DNS_RRL_RESPONSES_PER_SECOND,
  DNS_RRL_SLIP,
  ResponseRateLimiter,
  sourcePrefix,
} from './response-rate-limiter.js';
export { DnsZoneCache } from './zone-cache.js';
export { type DnsAddresses, txtStrings, type ZoneIndex } from './zone-index.js';
