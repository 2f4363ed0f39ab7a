// The OpenAPI document exactly as a running control plane serves it at /client/v4/openapi.json:
// the API server is built in-process over a throwaway SQLite store and asked through inject().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { API_PREFIX, ControlPlane, createApiServer } from '../src/control/index.js';
import { Store } from '../src/store/index.js';

/** GET /client/v4/openapi.json of a control plane with no background jobs, no dashboard and an empty database. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warren-openapi-'));
  const logger = pino({ level: 'silent' });
  try {
    const store = await Store.open({ dataDir, logger });
    try {
      const control = await ControlPlane.start({
        store,
        domain: 'warren.localhost',
        edgeName: 'openapi',
        logger,
        dashboardDir: false,
        classicCleanupTimer: false,
        zoneVerificationTimer: false,
        accessKeyRotationTimer: false,
      });
      const app = createApiServer({ logger, ready: () => true, control: control.api() });
      try {
        const res = await app.inject({ method: 'GET', url: `${API_PREFIX}/openapi.json` });
        if (res.statusCode !== 200) throw new Error(`${API_PREFIX}/openapi.json answered ${res.statusCode}`);
        return res.json() as Record<string, unknown>;
      } finally {
        await app.close();
        await control.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
