import type { FastifyInstance } from 'fastify';
import { DATABASE_FAULT_CODES, DATABASE_FAULT_WORDS, type DatabaseStatus } from '../../store/index.js';

export interface HealthSources {
  /** The process is up and listening (edge and API bound). */
  ready: () => boolean;
  /** Whether the database takes writes; absent in a process without one. */
  database?: { status(): DatabaseStatus } | undefined;
}

/**
 * `GET /healthz`: the process is up (200 once it listens) — a liveness check: restarting the
 * process fixes nothing it reports. `GET /readyz`: it can also do its job: 503 while the database
 * refuses writes (full disk, PostgreSQL down), with the reason, so an operator or a load balancer
 * sees it. Visitors keep being served from memory meanwhile; only changes fail.
 */
export function registerHealthRoutes(app: FastifyInstance, sources: HealthSources): void {
  app.get('/healthz', async (_req, reply) => {
    if (!sources.ready()) return reply.code(503).send({ status: 'starting' });
    return { status: 'ok' };
  });
  app.get('/readyz', async (_req, reply) => {
    if (!sources.ready()) return reply.code(503).send({ status: 'starting' });
    if (sources.database === undefined) return { status: 'ok' };
    const db = sources.database.status();
    if (!db.writesFailing || db.reason === undefined) return { status: 'ok', database: 'ok' };
    return reply.code(503).send({
      status: 'database_writes_failing',
      reason: db.reason,
      warren_code: DATABASE_FAULT_CODES[db.reason],
      driver_code: db.driverCode,
      since: db.since,
      failures: db.failures,
      message: `${DATABASE_FAULT_WORDS[db.reason]}; API changes answer 503 until a write passes (checked every few seconds)`,
    });
  });
}
