import { Counter, Registry } from 'prom-client';

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function tallyCounter(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  tally: Map<string, number>,
): Counter {
  const c: Counter = new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect: (): void => {
      c.reset();
      for (const [k, n] of tally) c.inc({ [label]: k }, n);
    },
  });
  return c;
}

/**
 * The DNS server's Prometheus metrics. Tallies are plain numbers on the hot path, copied into
 * prom-client only when scraped (a label lookup per query costs more than the counting).
 * Queries/s is `rate(warren_dns_queries_total[1m])`.
 */
export class DnsMetrics {
  readonly registry: Registry;
  readonly #queries = new Map<string, number>();
  readonly #responses = new Map<string, number>();
  readonly #malformed = new Map<string, number>();
  readonly #limited = new Map<string, number>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    tallyCounter(registry, 'warren_dns_queries_total', 'DNS queries by query type', 'type', this.#queries);
    tallyCounter(registry, 'warren_dns_responses_total', 'DNS responses by rcode', 'rcode', this.#responses);
    tallyCounter(
      registry,
      'warren_dns_malformed_total',
      'DNS packets dropped as malformed, by transport',
      'transport',
      this.#malformed,
    );
    tallyCounter(
      registry,
      'warren_dns_rate_limited_total',
      'UDP responses withheld by response-rate limiting (dropped, or slipped as truncated)',
      'action',
      this.#limited,
    );
  }

  static #bump(m: Map<string, number>, k: string): void {
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  query(type: string): void {
    DnsMetrics.#bump(this.#queries, type);
  }

  response(rcode: number): void {
    DnsMetrics.#bump(this.#responses, RCODE_NAMES[rcode] ?? (rcode === 16 ? 'BADVERS' : String(rcode)));
  }

  malformed(transport: 'udp' | 'tcp'): void {
    DnsMetrics.#bump(this.#malformed, transport);
  }

  rateLimited(action: 'drop' | 'slip'): void {
    DnsMetrics.#bump(this.#limited, action);
  }

  /** Counts so far (tests, logs). */
  counts(): { malformed: number; limited: number; queries: number } {
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    return { malformed: sum(this.#malformed), limited: sum(this.#limited), queries: sum(this.#queries) };
  }
}
