import { Counter, Gauge, type Registry } from 'prom-client';
import type { DatabaseHealth } from './database-health.js';

/**
 * The database's Prometheus metrics, read from `DatabaseHealth` when scraped:
 * `warren_database_writes_failing` (1 while writes fail: full disk, PostgreSQL unreachable) and
 * `warren_database_faults_total{reason}` (statements that failed with a transient fault).
 */
export class DatabaseMetrics {
  constructor(registry: Registry, health: DatabaseHealth) {
    new Gauge({
      name: 'warren_database_writes_failing',
      help: 'Whether writes to the database are failing now (1) or not (0); /readyz gives the reason',
      registers: [registry],
      collect(): void {
        this.set(health.status().writesFailing ? 1 : 0);
      },
    });
    const faults: Counter = new Counter({
      name: 'warren_database_faults_total',
      help: 'Database statements that failed with a transient fault, by reason (disk_full, unavailable, conflict)',
      labelNames: ['reason'],
      registers: [registry],
      collect: (): void => {
        faults.reset();
        for (const [reason, n] of health.faults()) faults.inc({ reason }, n);
      },
    });
  }
}
