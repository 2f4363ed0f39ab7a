import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The connector's Prometheus metrics (cloudflared's set, plus a latency histogram). */
export class ConnectorMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'warren_tunnel_total_requests',
    help: 'Requests proxied to origins',
    registers: [this.registry],
  });
  readonly concurrent = new Gauge({
    name: 'warren_tunnel_concurrent_requests',
    help: 'Requests in flight',
    registers: [this.registry],
  });
  readonly responses = new Counter({
    name: 'warren_tunnel_response_by_code',
    help: 'Responses by HTTP status code',
    labelNames: ['status_code'],
    registers: [this.registry],
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
  readonly latency = new Histogram({
    name: 'warren_tunnel_origin_response_seconds',
    help: 'Time from request arrival to the origin response head',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
}
