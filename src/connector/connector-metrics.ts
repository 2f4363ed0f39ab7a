import {
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricType,
  type MetricValueWithName,
  Registry,
} from 'prom-client';

/**
 * A label-less histogram whose observations are plain numbers (a bucket index found by a short
 * loop, a sum and a count), turned into prom-client's values only when scraped: prom-client's own
 * `observe` validates labels, hashes them and indexes its buckets by the bound's string on every
 * call, a microsecond per request on the connector's hot path. The exposition is the same as a
 * prom-client Histogram's with the same observations (test/connector-metrics-histogram.test.ts).
 */
function noop(): void {}

/** What prom-client's metrics carry in `type` at run time (its typings declare a numeric enum instead). */
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;

export class TalliedHistogram extends Histogram<string> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(config: { name: string; help: string; buckets: number[]; registers: Registry[] }) {
    super({ ...config, labelNames: [] });
    this.#name = config.name;
    this.#help = config.help;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    this.#counts = new Array<number>(this.#bounds.length + 1).fill(0);
  }

  /** Records one observation (label-less); non-finite values are ignored, as prom-client refuses them. */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += value;
    this.#count++;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    const name = this.#name;
    const bucket = `${name}_bucket`;
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i] as number;
      values.push({ labels: { le: this.#bounds[i] as number }, value: cumulative, metricName: bucket });
    }
    values.push(
      { labels: { le: '+Inf' }, value: this.#count, metricName: bucket },
      { labels: {}, value: this.#sum, metricName: `${name}_sum` },
      { labels: {}, value: this.#count, metricName: `${name}_count` },
    );
    return { name, help: this.#help, type: HISTOGRAM_TYPE, aggregator: 'sum', collect: noop, values };
  }

  /** The registry prefers this to `get` for the text exposition (prom-client's Histogram has both). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    if (!(#counts in this)) return;
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}

/**
 * The connector's Prometheus metrics (cloudflared's set, plus a latency histogram).
 *
 * The per-request tallies are plain numbers bumped by `requestStarted`, `requestFinished` and
 * `responded` on the hot path, and copied into their prom-client metrics only when `/metrics`
 * is scraped: a label lookup per request costs more than the counting itself.
 */
export class ConnectorMetrics {
  readonly registry = new Registry();
  #requests = 0;
  #concurrent = 0;
  readonly #byStatus = new Map<number, number>();
  readonly requests: Counter = new Counter({
    name: 'warren_tunnel_total_requests',
    help: 'Requests proxied to origins',
    registers: [this.registry],
    collect: (): void => {
      this.requests.reset();
      this.requests.inc(this.#requests);
    },
  });
  readonly concurrent: Gauge = new Gauge({
    name: 'warren_tunnel_concurrent_requests',
    help: 'Requests in flight',
    registers: [this.registry],
    collect: (): void => {
      this.concurrent.set(this.#concurrent);
    },
  });
  readonly responses: Counter = new Counter({
    name: 'warren_tunnel_response_by_code',
    help: 'Responses by HTTP status code',
    labelNames: ['status_code'],
    registers: [this.registry],
    collect: (): void => {
      this.responses.reset();
      for (const [status, n] of this.#byStatus) this.responses.inc({ status_code: status }, n);
    },
  });
  readonly requestErrors = new Counter({
    name: 'warren_tunnel_request_errors',
    help: 'Requests that failed before the origin answered',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly haConnections = new Gauge({
    name: 'warren_tunnel_ha_connections',
    help: 'Registered edge connections',
    registers: [this.registry],
  });
  readonly registerSuccess = new Counter({
    name: 'warren_tunnel_tunnel_register_success',
    help: 'Successful registrations',
    registers: [this.registry],
  });
  readonly registerFail = new Counter({
    name: 'warren_tunnel_tunnel_register_fail',
    help: 'Failed registrations by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly originHealthy = new Gauge({
    name: 'warren_tunnel_origin_healthy',
    help: 'Origin health check state per ingress rule (1 healthy, 0 unhealthy); rule is the rule number',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly latency = new TalliedHistogram({
    name: 'warren_tunnel_origin_response_seconds',
    help: 'Time from request arrival to the origin response head',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  /** `warren tail`: events sent to the edge, events dropped (rate, busy link), sessions open. */
  readonly tailEventsSent = new Counter({
    name: 'warren_tunnel_tail_events_sent',
    help: 'Log events sent to the edge for warren tail sessions (0 while no one tails)',
    registers: [this.registry],
  });
  readonly tailEventsDropped = new Counter({
    name: 'warren_tunnel_tail_events_dropped',
    help: 'Log events dropped for warren tail sessions (over the rate, or the link was backed up)',
    registers: [this.registry],
  });
  readonly tailSessions = new Gauge({
    name: 'warren_tunnel_tail_sessions',
    help: 'warren tail sessions this connector streams to',
    registers: [this.registry],
  });

  /** Raw TCP sessions (tcp://, ssh://, rdp://, smb:// rules): plain numbers, copied when scraped. */
  readonly tcp = { active: 0, total: 0, toOrigin: 0, fromOrigin: 0 };
  readonly tcpSessionsActive = new Gauge({
    name: 'warren_tunnel_tcp_sessions_active',
    help: 'Raw TCP sessions open to origins (warren access tcp|ssh|rdp|smb)',
    registers: [this.registry],
    collect: (): void => {
      this.tcpSessionsActive.set(this.tcp.active);
    },
  });
  readonly tcpSessionsTotal: Counter = new Counter({
    name: 'warren_tunnel_tcp_sessions_total',
    help: 'Raw TCP sessions opened to origins',
    registers: [this.registry],
    collect: (): void => {
      this.tcpSessionsTotal.reset();
      this.tcpSessionsTotal.inc(this.tcp.total);
    },
  });
  readonly tcpBytes: Counter = new Counter({
    name: 'warren_tunnel_tcp_bytes_total',
    help: 'Bytes carried by raw TCP sessions, by direction (to_origin, from_origin)',
    labelNames: ['direction'],
    registers: [this.registry],
    collect: (): void => {
      this.tcpBytes.reset();
      this.tcpBytes.inc({ direction: 'to_origin' }, this.tcp.toOrigin);
      this.tcpBytes.inc({ direction: 'from_origin' }, this.tcp.fromOrigin);
    },
  });

  /** UDP flows (udp:// rules): plain numbers, copied when scraped. */
  readonly udp = { active: 0, total: 0, toOrigin: 0, fromOrigin: 0, dropped: 0 };
  readonly udpFlowsActive = new Gauge({
    name: 'warren_tunnel_udp_flows_active',
    help: 'UDP flows open to origins (warren access udp)',
    registers: [this.registry],
    collect: (): void => {
      this.udpFlowsActive.set(this.udp.active);
    },
  });
  readonly udpFlowsTotal: Counter = new Counter({
    name: 'warren_tunnel_udp_flows_total',
    help: 'UDP flows opened to origins',
    registers: [this.registry],
    collect: (): void => {
      this.udpFlowsTotal.reset();
      this.udpFlowsTotal.inc(this.udp.total);
    },
  });
  readonly udpDatagrams: Counter = new Counter({
    name: 'warren_tunnel_udp_datagrams_total',
    help: 'Datagrams carried by UDP flows, by direction (to_origin, from_origin), and dropped on a full queue',
    labelNames: ['direction'],
    registers: [this.registry],
    collect: (): void => {
      this.udpDatagrams.reset();
      this.udpDatagrams.inc({ direction: 'to_origin' }, this.udp.toOrigin);
      this.udpDatagrams.inc({ direction: 'from_origin' }, this.udp.fromOrigin);
      this.udpDatagrams.inc({ direction: 'dropped' }, this.udp.dropped);
    },
  });

  /** A request arrived; with `inFlight` it counts as concurrent until `requestFinished`. */
  requestStarted(inFlight: boolean): void {
    this.#requests++;
    if (inFlight) this.#concurrent++;
  }

  requestFinished(): void {
    this.#concurrent--;
  }

  /** A response head went back; `startedMs` (performance.now() at arrival) feeds the latency histogram. */
  responded(status: number, startedMs?: number): void {
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
    if (startedMs !== undefined) this.latency.add((performance.now() - startedMs) / 1000);
  }
}
