import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { bootstrapAdmin, ControlPlane, createApiServer, ZONE_VERIFY_RECHECK_MS } from '../src/control/index.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { apiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_TOKEN, DIALECTS, type Envelope, quietLogger } from './support/control-harness.js';
import { TxtServer } from './support/txt-server.js';
import { startServe } from './support/warren-processes.js';

interface ZoneResult {
  id: string;
  name: string;
  status: string;
  type: string;
  paused: boolean;
  activated_on: string | null;
  verification_key?: string;
  verification_record?: { type: string; name: string; content: string };
}

for (const dialect of DIALECTS) {
  describe(`partial zones are verified by their TXT record (${dialect.name})`, { skip: dialect.skip }, () => {
    const clock = new ManualClock();
    const dns = new TxtServer();
    let store: Store;
    let control: ControlPlane;
    let app: FastifyInstance;
    let accountId: string;
    let drop: () => Promise<void>;
    const call = async <R>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await app.inject({
        method: method as 'GET',
        url: `/client/v4${url}`,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, json: res.json() as Envelope<R> };
    };

    before(async () => {
      const resolver = await dns.listen();
      const db = await dialect.fresh();
      drop = db.drop;
      store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
      accountId = (await bootstrapAdmin(store, { email: ADMIN_EMAIL, token: ADMIN_TOKEN })).accountId;
      control = await ControlPlane.start({
        store,
        domain: 'warren.localhost',
        edgeName: 'test-edge',
        logger: quietLogger,
        verifyResolver: resolver,
        // As `warren serve` on loopback (its default): full zones are active at once.
        zoneAutoActivate: true,
        zoneVerificationTimer: false,
        classicCleanupTimer: false,
      });
      app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await control?.close();
      await store?.close();
      await drop?.();
      dns.close();
    });

    test('pending until warren-verify.<zone> holds the key; looked up again only after the recheck interval; then active and audited', async () => {
      const made = await call<ZoneResult>('POST', '/zones', {
        account: { id: accountId },
        name: 'partial.test',
        type: 'partial',
      });
      assert.equal(made.status, 200, JSON.stringify(made.json.errors));
      const zone = made.json.result;
      assert.equal(zone.status, 'pending');
      assert.match(zone.verification_key ?? '', /^warren-verify=[0-9a-f]{32}$/);
      assert.deepEqual(zone.verification_record, {
        type: 'TXT',
        name: 'warren-verify.partial.test',
        content: zone.verification_key,
      });

      // A route in the pending zone does not serve: the zone has not proven it is the account's.
      const tunnel = await call<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, {
        name: 'pending-zone',
        tunnel_secret: Buffer.alloc(32, 9).toString('base64'),
      });
      assert.equal(tunnel.status, 200, JSON.stringify(tunnel.json.errors));
      const route = await call('PUT', `/zones/${zone.id}/tunnels/${tunnel.json.result.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.partial.test',
      });
      assert.equal(route.status, 200, JSON.stringify(route.json.errors));
      await control.router.refresh();
      assert.equal(control.router.resolve('app.partial.test'), undefined, 'a pending zone must not route');

      // No record yet: still pending; both names were asked.
      assert.equal(await control.zoneVerifier.runOnce(), 0);
      assert.deepEqual(dns.queries.sort(), ['partial.test TXT', 'warren-verify.partial.test TXT']);
      // A wrong value does not verify.
      dns.records.set('warren-verify.partial.test', [['warren-verify=not-the-key']]);
      clock.advance(ZONE_VERIFY_RECHECK_MS);
      assert.equal(await control.zoneVerifier.runOnce(), 0);
      assert.equal((await call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result.status, 'pending');

      // The right value, split into two character strings as long TXT records are.
      const key = zone.verification_key as string;
      dns.records.set('warren-verify.partial.test', [['v=spf1 -all'], [key.slice(0, 10), key.slice(10)]]);
      const asked = dns.queries.length;
      assert.equal(await control.zoneVerifier.runOnce(), 0, 'checked less than the recheck interval ago');
      assert.equal(dns.queries.length, asked, 'no lookup before the interval passed');
      clock.advance(ZONE_VERIFY_RECHECK_MS);
      assert.equal(await control.zoneVerifier.runOnce(), 1);
      const active = (await call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result;
      assert.equal(active.status, 'active');
      assert.equal(active.activated_on, clock.now().toISOString());
      await control.router.refresh();
      assert.equal(control.router.resolve('app.partial.test'), tunnel.json.result.id, 'active now: the route serves');
      // Active zones are not looked up again.
      clock.advance(ZONE_VERIFY_RECHECK_MS);
      const before = dns.queries.length;
      assert.equal(await control.zoneVerifier.runOnce(), 0);
      assert.equal(dns.queries.length, before);

      const audit = await call<{ action: { type: string }; actor: { type: string }; resource: { id: string } }[]>(
        'GET',
        `/accounts/${accountId}/audit_logs?action.type=zone_activate`,
      );
      assert.equal(audit.json.result.length, 1);
      assert.equal(audit.json.result[0]?.resource.id, zone.id);
      assert.equal(audit.json.result[0]?.actor.type, 'Cloudflare');
    });

    test('PUT activation_check looks up at once (an apex TXT record works too); full and active zones are refused', async () => {
      const zone = (
        await call<ZoneResult>('POST', '/zones', { account: { id: accountId }, name: 'apex.test', type: 'partial' })
      ).json.result;
      const early = await call<{ id: string }>('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal(early.status, 200);
      assert.equal((await call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result.status, 'pending');
      dns.records.set('apex.test', [[zone.verification_key as string]]);
      // Checked a moment ago, but an explicit check does not wait for the interval.
      assert.equal((await call('PUT', `/zones/${zone.id}/activation_check`)).status, 200);
      assert.equal((await call<ZoneResult>('GET', `/zones/${zone.id}`)).json.result.status, 'active');
      const again = await call('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal(again.status, 400);
      assert.match(again.json.errors[0]?.message ?? '', /active already/);
      const full = (await call<ZoneResult>('POST', '/zones', { account: { id: accountId }, name: 'full.test' })).json
        .result;
      assert.equal((await call('PUT', `/zones/${full.id}/activation_check`)).status, 400);
    });

    test('PATCH /zones: paused stops routing its hostnames, type switches (partial gets a new key), plan only "free"', async () => {
      const zone = (await call<ZoneResult>('POST', '/zones', { account: { id: accountId }, name: 'patch.test' })).json
        .result;
      const tunnel = await call<{ id: string }>('POST', `/accounts/${accountId}/cfd_tunnel`, {
        name: 'patched',
        tunnel_secret: Buffer.alloc(32, 7).toString('base64'),
      });
      assert.equal(tunnel.status, 200, JSON.stringify(tunnel.json.errors));
      const route = await call('PUT', `/zones/${zone.id}/tunnels/${tunnel.json.result.id}/routes`, {
        type: 'dns',
        user_hostname: 'app.patch.test',
      });
      assert.equal(route.status, 200, JSON.stringify(route.json.errors));
      await control.router.refresh();
      assert.equal(control.router.resolve('app.patch.test'), tunnel.json.result.id);

      const paused = await call<ZoneResult>('PATCH', `/zones/${zone.id}`, { paused: true });
      assert.equal(paused.status, 200, JSON.stringify(paused.json.errors));
      assert.equal(paused.json.result.paused, true);
      await control.router.refresh();
      assert.equal(control.router.resolve('app.patch.test'), undefined);
      await call('PATCH', `/zones/${zone.id}`, { paused: false });
      await control.router.refresh();
      assert.equal(control.router.resolve('app.patch.test'), tunnel.json.result.id);

      const partial = await call<ZoneResult>('PATCH', `/zones/${zone.id}`, { type: 'partial', plan: { id: 'free' } });
      assert.equal(partial.json.result.type, 'partial');
      assert.equal(partial.json.result.status, 'pending');
      assert.match(partial.json.result.verification_key ?? '', /^warren-verify=/);
      await control.router.refresh();
      assert.equal(control.router.resolve('app.patch.test'), undefined, 'pending again: no routing');
      const full = await call<ZoneResult>('PATCH', `/zones/${zone.id}`, { type: 'full' });
      assert.equal(full.json.result.status, 'active');
      assert.equal(full.json.result.verification_key, undefined);
      await control.router.refresh();
      assert.equal(control.router.resolve('app.patch.test'), tunnel.json.result.id);

      const plan = await call('PATCH', `/zones/${zone.id}`, { plan: { id: 'enterprise' } });
      assert.equal(plan.status, 400);
      assert.match(plan.json.errors[0]?.message ?? '', /"free"/);
      const unknown = await call('PATCH', `/zones/${zone.id}`, { name: 'other.test' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.json.errors[0]?.message ?? '', /unknown field "name"/);

      const audit = await call<{ newValue: unknown }[]>(
        'GET',
        `/accounts/${accountId}/audit_logs?action.type=zone_update`,
      );
      assert.equal(audit.json.result.length, 4);
    });
  });
}

describe('warren serve --verify-resolver', () => {
  test('a partial zone goes active through the real command once the resolver answers its TXT record', async () => {
    const dns = new TxtServer();
    const resolver = await dns.listen();
    const serve = await startServe({
      args: ['--verify-resolver', resolver],
      env: { WARREN_ADMIN_EMAIL: ADMIN_EMAIL, WARREN_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    try {
      const api = apiClient(() => serve.apiBase);
      const account = (await api<{ id: string }[]>('GET', '/accounts')).result[0]?.id as string;
      const zone = (
        await api<ZoneResult>('POST', '/zones', { account: { id: account }, name: 'cname.test', type: 'partial' })
      ).result;
      dns.records.set('warren-verify.cname.test', [[zone.verification_key as string]]);
      await api('PUT', `/zones/${zone.id}/activation_check`);
      assert.equal((await api<ZoneResult>('GET', `/zones/${zone.id}`)).result.status, 'active');
      assert.ok(dns.queries.includes('warren-verify.cname.test TXT'));
    } finally {
      await serve.stop();
      dns.close();
    }
  });

  test('a malformed --verify-resolver is refused with one line that says how to write it', async () => {
    const { startCli, tempDir } = await import('./support/warren-processes.js');
    const p = startCli(['serve', '--data-dir', tempDir(), '--verify-resolver', 'dns.example:53']);
    assert.notEqual(await p.exited, 0);
    assert.match(p.stderr(), /--verify-resolver must be IP\[:PORT\]/);
  });
});
