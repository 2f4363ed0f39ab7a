import { Counter, Gauge, type Registry } from 'prom-client';

/** ACME's counters on /metrics: orders, issuances by kind, failures, and names waiting on a limit. */
export class AcmeMetrics {
  readonly orders: Counter;
  readonly issued: Counter<'kind'>;
  readonly failures: Counter;
  readonly deferred: Counter<'limit'>;
  readonly failing: Gauge;

  constructor(registry: Registry) {
    this.orders = new Counter({ name: 'warren_acme_orders_total', help: 'ACME orders placed', registers: [registry] });
    this.issued = new Counter({
      name: 'warren_acme_certificates_issued_total',
      help: 'Certificates issued by ACME, by kind (new or renewal)',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'warren_acme_failures_total',
      help: 'ACME orders that failed (the name is retried with backoff)',
      registers: [registry],
    });
    this.deferred = new Counter({
      name: 'warren_acme_deferred_total',
      help: 'Orders put off by the per-account or per-zone limit',
      labelNames: ['limit'],
      registers: [registry],
    });
    this.failing = new Gauge({
      name: 'warren_acme_names_failing',
      help: 'Names whose last ACME attempt failed',
      registers: [registry],
    });
  }
}
