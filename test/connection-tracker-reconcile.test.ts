import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { bootstrapAdmin, ControlPlane, createApiServer } from '../src/control/index.js';
import {
  CONNECTION_RECONCILE_INTERVAL_MS,
  CONNECTION_RETRY_MAX_MS,
  EdgeServer,
  QuickTunnelAuthority,
} from '../src/edge/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, quietLogger } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { freePort } from './support/free-port.js';
import { fillSqlite, freeSqlite } from './support/sqlite-fill.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const EDGE = 'edge-r';

/**
 * The connection tracker on an injected clock: an edge and the control plane in-process, a real
 * connector (`warren tunnel run`), SQLite made full with a page limit. Its retries and its
 * periodic reconciliation run only when the test moves the clock.
 */
describe('connection tracker: retry and reconciliation (injected clock)', () => {
  const clock = new ManualClock();
  const dataDir = tempDir('warren-tracker-');
  let store: Store;
  let control: ControlPlane;
  let edge: EdgeServer;
  let app: FastifyInstance;
  let origin: TestOrigin;
  let accountId: string;
  let tunnelId: string;
  let connector: Proc | undefined;
  /** When the tracker's reconcile schedule started: its ticks fall on multiples of the interval from here. */
  let scheduled = 0;
  const rows = async () =>
    (
      await Store.databaseForTests(store)
        .selectFrom('tunnel_connections')
        .select(['id', 'edge_name'])
        .where('tunnel_id', '=', tunnelId)
        .execute()
    ).map((r) => r.id);

  before(async () => {
    origin = await startTestOrigin();
    store = await Store.open({ dataDir, logger: quietLogger, clock, timers: clock });
    accountId = (await bootstrapAdmin(store, { email: ADMIN_EMAIL, token: ADMIN_TOKEN })).accountId;
    const tls = await loadOrCreateEdgeTls({ dataDir, hostnames: ['127.0.0.1'] });
    scheduled = clock.ms;
    control = await ControlPlane.start({
      store,
      domain: 'warren.localhost',
      edgeName: EDGE,
      logger: quietLogger,
      edgeCaPem: tls.caPem,
      timers: clock,
      classicCleanupTimer: false,
      zoneVerificationTimer: false,
      accessKeyRotationTimer: false,
      dashboardDir: false,
    });
    edge = new EdgeServer({
      ...control.edgeHooks(),
      edgeName: EDGE,
      bind: '127.0.0.1',
      httpPort: 0,
      tunnelPort: 0,
      tls: { cert: tls.certPem, key: tls.keyPem },
      quick: await QuickTunnelAuthority.open(dataDir, 'warren.localhost'),
      quickTunnelsPerMinute: 10,
      originResponseTimeoutMs: 10_000,
      logger: quietLogger,
    });
    const ports = await edge.listen();
    app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
    const call = async <R>(method: string, url: string, body?: unknown): Promise<R> => {
      const res = await app.inject({
        method: method as 'GET',
        url: `/client/v4${url}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return (res.json() as { result: R }).result;
    };
    tunnelId = (await call<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, { name: 'r' })).id;
    const token = await call<string>('GET', `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`);
    // The database is full before the connector registers: none of its links can be recorded.
    await fillSqlite(store, accountId);
    const metrics = await freePort();
    connector = startCli([
      'tunnel',
      'run',
      '--token',
      token,
      '--url',
      origin.url,
      '--edge',
      `127.0.0.1:${ports.tunnelPort}`,
      '--edge-ca',
      tls.caPath ?? '',
      '--metrics',
      `127.0.0.1:${metrics}`,
      '--loglevel',
      'info',
    ]);
    await connector.waitFor(/is connected/);
    // All four links registered at the edge (so all four were due while the disk was full).
    await eventually(
      async () => {
        const ready = (await (await fetch(`http://127.0.0.1:${metrics}/ready`)).json()) as { readyConnections: number };
        return ready.readyConnections === 4;
      },
      10_000,
      'the connector registered 4 links',
    );
  });
  after(async () => {
    await connector?.stop('SIGKILL');
    await edge?.close();
    await app?.close();
    await control?.close();
    await store?.close();
    await origin?.close();
  });

  test('links-registered-while-writes-fail-are-recorded-by-the-retry-once-space-is-back', async () => {
    await control.tracker.idle();
    assert.deepEqual(await rows(), [], 'no row while the database is full');
    await freeSqlite(store);
    // Nothing happens until the clock moves: the retry (and the store's write probe) are timers.
    assert.deepEqual(await rows(), []);
    await eventually(
      async () => {
        await clock.advance(CONNECTION_RETRY_MAX_MS);
        await control.tracker.idle();
        return (await rows()).length === 4;
      },
      10_000,
      '4 rows recorded after the retry',
    );
    const audit = await store.audit.entries(accountId, { actionType: 'Registered' }, { page: 1, perPage: 10 });
    assert.equal(audit.total, 4);
    // Written late: each carries when the link really registered.
    for (const e of audit.rows) assert.match(e.metadata, /"occurred_at":"\d{4}-/);
  });

  test('the-periodic-reconciliation-restores-a-lost-row-and-removes-a-stale-one', async () => {
    const db = Store.databaseForTests(store);
    const [lost, ...kept] = await rows();
    assert.ok(lost !== undefined && kept.length === 3);
    await db.deleteFrom('tunnel_connections').where('id', '=', lost).execute();
    await db
      .insertInto('tunnel_connections')
      .values({
        id: 'stale-connection',
        tunnel_id: tunnelId,
        account_id: accountId,
        connector_id: 'gone-connector',
        conn_index: 0,
        edge_name: EDGE,
        origin_ip: '192.0.2.1',
        client_version: 'old',
        arch: 'linux_x64',
        opened_at: clock.now().toISOString(),
        tags: null,
      })
      .execute();
    const untilTick = CONNECTION_RECONCILE_INTERVAL_MS - ((clock.ms - scheduled) % CONNECTION_RECONCILE_INTERVAL_MS);
    await clock.advance(untilTick - 1);
    await control.tracker.idle();
    assert.ok((await rows()).includes('stale-connection'), 'not before the interval');
    await clock.advance(1);
    await eventually(
      async () => {
        await control.tracker.idle();
        const now = await rows();
        return now.length === 4 && now.includes(lost) && !now.includes('stale-connection');
      },
      10_000,
      'the lost row back and the stale one gone',
    );
    const unregistered = await store.audit.entries(accountId, { actionType: 'Unregistered' }, { page: 1, perPage: 10 });
    assert.equal(unregistered.total, 1);
    assert.match(unregistered.rows[0]?.metadata ?? '', /"connector_id":"gone-connector".*"reconciled":true/);
  });
});
