import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { bootstrapAdmin, ControlPlane, createApiServer } from '../src/control/index.js';
import { EdgeServer, QuickTunnelAuthority } from '../src/edge/index.js';
import { loadOrCreateEdgeTls } from '../src/pki/index.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { runCli } from './support/cli-home.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, quietLogger } from './support/control-harness.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { visit } from './support/visit.js';
import { type Proc, startCli, tempDir } from './support/warren-processes.js';

const HOUR = 3_600_000;
const WINDOW = 30 * HOUR;

describe('classic hostname tunnels and their DNS cleanup (injected clock)', () => {
  const clock = new ManualClock();
  const dataDir = tempDir('warren-classic-');
  const home = tempDir('warren-home-');
  let store: Store;
  let control: ControlPlane;
  let edge: EdgeServer;
  let app: FastifyInstance;
  let origin: TestOrigin;
  let httpPort: number;
  let accountId: string;
  let zoneId: string;
  const procs: Proc[] = [];

  const call = async <R>(method: string, url: string): Promise<R> => {
    const res = await app.inject({
      method: method as 'GET',
      url: `/client/v4${url}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return (res.json() as { result: R }).result;
  };
  const records = () =>
    call<{ id: string; name: string; content: string }[]>('GET', `/zones/${zoneId}/dns_records?name=app.example.com`);
  const audit = (type: string) =>
    call<{ resource: { id: string } }[]>('GET', `/accounts/${accountId}/audit_logs?action.type=${type}`);
  const connections = async () =>
    (await Store.databaseForTests(store).selectFrom('tunnel_connections').select('id').execute()).length;
  const runClassic = async (): Promise<Proc> => {
    const p = startCli(['tunnel', '--hostname', 'app.example.com', '--url', origin.url, '--loglevel', 'warn'], {
      env: { HOME: home },
      cwd: home,
    });
    procs.push(p);
    await p.waitFor(/is connected/);
    await eventually(async () => (await connections()) === 4, 10_000, '4 connections recorded');
    return p;
  };
  const stop = async (p: Proc): Promise<void> => {
    await p.stop('SIGTERM');
    await control.tracker.idle();
    await eventually(async () => (await connections()) === 0, 10_000, 'connections gone');
  };

  before(async () => {
    origin = await startTestOrigin();
    store = await Store.open({ dataDir, logger: quietLogger, clock });
    accountId = (await bootstrapAdmin(store, { email: ADMIN_EMAIL, token: ADMIN_TOKEN })).accountId;
    const tls = await loadOrCreateEdgeTls({ dataDir, hostnames: ['127.0.0.1'] });
    control = await ControlPlane.start({
      store,
      domain: 'warren.localhost',
      edgeName: 'edge-a',
      logger: quietLogger,
      edgeCaPem: tls.caPem,
      classicCleanupAfterMs: WINDOW,
      classicCleanupTimer: false,
      // As `warren serve` on loopback (its default): full zones are active at once.
      zoneAutoActivate: true,
    });
    edge = new EdgeServer({
      ...control.edgeHooks(),
      edgeName: 'edge-a',
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
    httpPort = ports.httpPort;
    control.setEdgeAddress(`127.0.0.1:${ports.tunnelPort}`);
    app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const apiBase = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
    zoneId = (
      (await (
        await fetch(`${apiBase}/client/v4/zones`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ account: { id: accountId }, name: 'example.com' }),
        })
      ).json()) as { result: { id: string } }
    ).result.id;
    const login = await runCli(home, ['login', '--api', apiBase, '--api-token', ADMIN_TOKEN, '--zone', 'example.com']);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    await edge?.close();
    await app?.close();
    await control?.close();
    await store?.close();
    await origin?.close();
  });

  test('the record appears on connect (audited), serves visitors, and is deleted once the tunnel stayed unregistered past the window', async () => {
    const p = await runClassic();
    const [rec] = await records();
    assert.ok(rec);
    assert.match(rec.content, /\.tunnel\.warren\.localhost$/);
    assert.ok((await audit('rec_add')).some((e) => e.resource.id === rec.id));
    await eventually(
      async () => (await visit(httpPort, 'app.example.com', '/echo')).status === 200,
      10_000,
      'visitor reaches origin',
    );
    await stop(p);
    clock.advance(WINDOW - HOUR);
    assert.equal(await control.dnsCleanup.runOnce(), 0);
    assert.equal((await records()).length, 1, 'kept inside the window');
    clock.advance(2 * HOUR);
    assert.equal(await control.dnsCleanup.runOnce(), 1);
    assert.deepEqual(await records(), []);
    assert.ok((await audit('rec_del')).some((e) => e.resource.id === rec.id));
  });

  test('a tunnel that reconnects in time keeps its record', async () => {
    const first = await runClassic();
    const [rec] = await records();
    assert.ok(rec);
    await stop(first);
    clock.advance(WINDOW - 2 * HOUR);
    const second = await runClassic();
    clock.advance(2 * WINDOW);
    assert.equal(await control.dnsCleanup.runOnce(), 0, 'connected: kept however long');
    await stop(second);
    clock.advance(WINDOW / 2);
    assert.equal(await control.dnsCleanup.runOnce(), 0, 'quiet for less than the window since the last unregistration');
    assert.deepEqual(
      (await records()).map((r) => r.id),
      [rec.id],
    );
  });
});
