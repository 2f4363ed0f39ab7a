import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { bootstrapAdmin, ControlPlane, createApiServer } from '../../src/control/index.js';
import { DatabaseMetrics, Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/index.js';
import { ADMIN_EMAIL, ADMIN_TOKEN } from './control-harness.js';

/** Every log line a process wrote, parsed (pino's JSON). */
export interface LogCapture {
  logger: Logger;
  lines: { level: number; msg: string; [k: string]: unknown }[];
}

export function captureLogs(): LogCapture {
  const lines: LogCapture['lines'] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as LogCapture['lines'][number]);
      },
    },
  );
  return { logger, lines };
}

export interface FaultControl {
  store: Store;
  control: ControlPlane;
  app: FastifyInstance;
  accountId: string;
  /** The store's and the control plane's time and timers (write probe, retries). */
  clock: ManualClock;
  logs: LogCapture;
  call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{
    status: number;
    headers: Record<string, unknown>;
    json: { success: boolean; errors: { warren_code: string; message: string }[]; result: unknown };
  }>;
  get(path: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * The control plane and API in-process as `warren serve` wires them for faults: /readyz from the
 * store's health, /metrics with the database metrics, all timers on a ManualClock.
 */
export async function startFaultControl(db: {
  dataDir: string;
  databaseUrl: string | undefined;
}): Promise<FaultControl> {
  const clock = new ManualClock();
  const logs = captureLogs();
  const store = await Store.open({ ...db, logger: logs.logger, clock, timers: clock });
  const { accountId } = await bootstrapAdmin(store, { email: ADMIN_EMAIL, token: ADMIN_TOKEN });
  const control = await ControlPlane.start({
    store,
    domain: 'warren.localhost',
    edgeName: 'fault-edge',
    logger: logs.logger,
    timers: clock,
    zoneAutoActivate: true,
    classicCleanupTimer: false,
    zoneVerificationTimer: false,
    accessKeyRotationTimer: false,
    dashboardDir: false,
  });
  const registry = new Registry();
  new DatabaseMetrics(registry, store.health);
  const app = createApiServer({
    logger: logs.logger,
    ready: () => true,
    database: store.health,
    metrics: registry,
    control: control.api(),
  });
  await app.ready();
  return {
    store,
    control,
    app,
    accountId,
    clock,
    logs,
    async call(method, url, body) {
      const res = await app.inject({
        method: method as 'GET',
        url: `/client/v4${url}`,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, headers: res.headers, json: res.json() };
    },
    async get(path) {
      const res = await app.inject({ method: 'GET', url: path });
      return { status: res.statusCode, body: res.body };
    },
    async close() {
      await app.close();
      await control.close();
      await store.close();
    },
  };
}
