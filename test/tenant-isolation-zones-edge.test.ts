import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, DIALECTS } from './support/control-harness.js';
import type { TunnelResult, ZoneResult } from './support/control-types.js';
import { eventually } from './support/eventually.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { accountOfA, adminCli, apiOf, signUpTenantB, tenantAEnv } from './support/two-tenants.js';
import { visit } from './support/visit.js';
import { type Proc, type ServeHandle, startCli, startServe } from './support/warren-processes.js';

/** `warren tunnel run --token T --url U` against `serve`. */
function runTunnel(serve: ServeHandle, token: string, url: string): Proc {
  return startCli([
    'tunnel',
    'run',
    '--token',
    token,
    '--url',
    url,
    '--edge',
    `127.0.0.1:${serve.tunnelPort}`,
    '--edge-ca',
    serve.caPath,
    '--loglevel',
    'warn',
  ]);
}

for (const dialect of DIALECTS) {
  describe(`another account cannot take over a hostname at the edge (${dialect.name})`, { skip: dialect.skip }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let serve: ServeHandle;
    let originA: TestOrigin;
    let originB: TestOrigin;
    const procs: Proc[] = [];

    before(async () => {
      db = await dialect.fresh();
      originA = await startTestOrigin();
      originB = await startTestOrigin();
      serve = await startServe({
        dataDir: db.dataDir,
        env: tenantAEnv(db.databaseUrl),
      });
      procs.push(serve);
    });
    after(async () => {
      for (const p of procs.reverse()) await p.stop('SIGKILL');
      await originA?.close();
      await originB?.close();
      await db?.drop();
    });

    test("B's overlapping zones, routes and records are refused, and visitors of A's hostname still reach A's origin", async () => {
      // A loopback-only serve says that full zones activate at once (the README tour relies on it).
      await serve.waitFor(
        /zones\s+full zones activate on creation \(loopback-only deployment; --no-zone-auto-activate/,
      );
      const a = apiOf(serve, ADMIN_TOKEN);
      const accountA = await accountOfA(serve);
      const zoneA = (await a<ZoneResult>('POST', '/zones', { account: { id: accountA }, name: 'alice.test' })).json
        .result;
      assert.equal(zoneA.status, 'active');
      const tunnelA = (await a<TunnelResult>('POST', `/accounts/${accountA}/cfd_tunnel`, { name: 'a' })).json.result;
      await a('PUT', `/zones/${zoneA.id}/tunnels/${tunnelA.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.alice.test',
      });
      const tokenA = (await a<string>('GET', `/accounts/${accountA}/cfd_tunnel/${tunnelA.id}/token`)).json.result;
      procs.push(runTunnel(serve, tokenA, originA.url));

      // B signs up on the same warren.
      const { accountId: accountB, api: b } = await signUpTenantB(serve, db.databaseUrl);
      for (const name of ['app.alice.test', 'alice.test', 'ALICE.TEST.', 'x.app.alice.test']) {
        const r = await b('POST', '/zones', { account: { id: accountB }, name });
        assert.equal(r.json.errors[0]?.warren_code, 'WARREN_ZONE_OVERLAP', name);
      }
      const zoneB = (await b<ZoneResult>('POST', '/zones', { account: { id: accountB }, name: 'bob.test' })).json
        .result;
      const tunnelB = (await b<TunnelResult>('POST', `/accounts/${accountB}/cfd_tunnel`, { name: 'b' })).json.result;
      await b('PUT', `/zones/${zoneB.id}/tunnels/${tunnelB.id}/routes`, { type: 'dns', user_hostname: 'app.bob.test' });
      const steal = await b('PUT', `/zones/${zoneA.id}/tunnels/${tunnelB.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.alice.test',
      });
      assert.equal(steal.status, 404);
      const sideways = await b('PUT', `/zones/${zoneB.id}/tunnels/${tunnelB.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.alice.test',
      });
      assert.equal(sideways.json.errors[0]?.warren_code, 'WARREN_ROUTE_FOREIGN_ZONE');
      await b('POST', `/zones/${zoneB.id}/dns_records`, {
        type: 'CNAME',
        name: 'app.alice.test.',
        content: `${tunnelB.id}.tunnel.warren.localhost`,
        proxied: true,
      });
      const tokenB = (await b<string>('GET', `/accounts/${accountB}/cfd_tunnel/${tunnelB.id}/token`)).json.result;
      procs.push(runTunnel(serve, tokenB, originB.url));

      await eventually(
        async () => (await visit(serve.httpPort, 'app.bob.test', '/echo')).status === 200,
        15_000,
        'B up',
      );
      await eventually(
        async () => (await visit(serve.httpPort, 'app.alice.test', '/echo')).status === 200,
        15_000,
        'A up',
      );
      const seenByB = originB.seen.length;
      const seenByA = originA.seen.length;
      for (let i = 0; i < 20; i++) {
        const r = await visit(serve.httpPort, i % 2 === 0 ? 'app.alice.test' : 'APP.alice.test', `/echo?i=${i}`);
        assert.equal(r.status, 200);
      }
      assert.equal(originA.seen.length - seenByA, 20, "every visit of A's hostname reached A");
      assert.equal(originB.seen.length, seenByB, 'none reached B');
    });
  });
}

describe('warren serve --no-zone-auto-activate: a full zone routes only once activated', () => {
  let serve: ServeHandle;
  after(async () => {
    await serve?.stop('SIGKILL');
  });
  before(async () => {
    serve = await startServe({
      args: ['--no-zone-auto-activate'],
      env: tenantAEnv(undefined),
    });
  });

  test('the banner says how zones activate; the zone is pending and unrouted until warren admin activate-zone', async () => {
    await serve.waitFor(/zones\s+full zones activate when their parent delegates them to ns1\/ns2\.warren\.localhost/);
    const a = apiOf(serve, ADMIN_TOKEN);
    const account = await accountOfA(serve);
    const zone = (await a<ZoneResult>('POST', '/zones', { account: { id: account }, name: 'later.test' })).json.result;
    assert.equal(zone.status, 'pending');
    const tunnel = (await a<TunnelResult>('POST', `/accounts/${account}/cfd_tunnel`, { name: 't' })).json.result;
    const routed = await a('PUT', `/zones/${zone.id}/tunnels/${tunnel.id}/routes`, {
      type: 'dns',
      user_hostname: 'app.later.test',
    });
    assert.equal(routed.status, 200, JSON.stringify(routed.json.errors));
    const unrouted = (await visit(serve.httpPort, 'app.later.test', '/')).status;
    assert.notEqual(unrouted, 530, 'a pending zone does not route');
    await adminCli(serve, undefined, ['activate-zone', 'later.test']);
    // A serve on SQLite sees another process's write at its next reload (a restart here; at most
    // a minute otherwise). Routed now, with no connector: the edge says the tunnel is down.
    await serve.stop('SIGTERM');
    serve = await startServe({
      dataDir: serve.dataDir,
      args: ['--no-zone-auto-activate'],
      env: tenantAEnv(undefined),
    });
    await eventually(async () => (await visit(serve.httpPort, 'app.later.test', '/')).status === 530, 10_000, '530');
  });
});
