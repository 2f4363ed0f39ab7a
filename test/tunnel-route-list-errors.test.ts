import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ControlPlane, createApiServer, SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import type { IdentityStore, Store } from '../src/store/index.js';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';
import type { TunnelResult, ZoneResult } from './support/control-types.js';

/**
 * The real store, with one fault: once `armed`, reading a membership fails after `okReads` more
 * reads, as a dropped database connection does. Everything else is the store itself.
 */
function storeWithMembershipFault(store: Store): { store: Store; arm(okReads: number): void } {
  let left = Number.POSITIVE_INFINITY;
  const identity = new Proxy(store.identity, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      if (key !== 'membership') return v.bind(target);
      return async (...args: Parameters<IdentityStore['membership']>) => {
        if (left-- <= 0) throw new Error('Connection terminated unexpectedly');
        return target.membership(...args);
      };
    },
  });
  const faulty = new Proxy(store, {
    get(target, key) {
      if (key === 'identity') return identity;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    store: faulty,
    arm(okReads) {
      left = okReads;
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`GET /accounts/{a}/cfd_tunnel/{t}/routes (${dialect.name})`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let faulty: ReturnType<typeof storeWithMembershipFault>;
    let control: ControlPlane;
    let app: FastifyInstance;
    let tunnel: TunnelResult;
    let dnsOnlyToken: string;

    before(async () => {
      h = await startControl(dialect);
      for (const name of ['one.test', 'two.test']) {
        const z = (await h.call<ZoneResult>('POST', '/zones', { account: { id: h.accountId }, name })).json.result;
        tunnel ??= (await h.call<TunnelResult>('POST', `/accounts/${h.accountId}/cfd_tunnel`, { name: 't' })).json
          .result;
        await h.call('PUT', `/zones/${z.id}/tunnels/${tunnel.id}/routes`, {
          type: 'dns',
          user_hostname: `app.${name}`,
        });
      }
      // A member whose token reads tunnels and only one.test's DNS.
      const user = await h.store.identity.createUser({ email: 'narrow@example.test', kind: 'person' });
      await h.store.identity.addMember(h.accountId, user.id, [SUPER_ADMIN_ROLE_ID]);
      const one = (await h.call<ZoneResult[]>('GET', '/zones?name=one.test')).json.result[0];
      const made = await h.call<{ value: string }>(
        'POST',
        '/user/tokens',
        {
          name: 'narrow',
          policies: [
            {
              effect: 'allow',
              resources: { [`com.cloudflare.api.account.${h.accountId}`]: '*' },
              permission_groups: [{ id: 'efea2ab8357b47888938f101ae5e053f' }],
            },
            {
              effect: 'allow',
              resources: { [`com.cloudflare.api.account.zone.${one?.id}`]: '*' },
              permission_groups: [{ id: '82e64a83756745bbbb1c9c2701bf816b' }],
            },
          ],
        },
        (await h.store.identity.createToken({ userId: user.id, name: 'own', policies: [] })).value,
      );
      dnsOnlyToken = made.json.result.value;
      faulty = storeWithMembershipFault(h.store);
      control = await ControlPlane.start({
        store: faulty.store,
        domain: 'warren.localhost',
        edgeName: 'faulty',
        logger: quietLogger,
        zoneAutoActivate: true,
        classicCleanupTimer: false,
        zoneVerificationTimer: false,
        accessKeyRotationTimer: false,
        pendingZoneExpiryTimer: false,
      });
      app = createApiServer({ logger: quietLogger, ready: () => true, control: control.api() });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await control?.close();
      await h?.close();
    });

    const list = async (token: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/client/v4/accounts/${h.accountId}/cfd_tunnel/${tunnel.id}/routes`,
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.statusCode, json: res.json() as { success: boolean; result: { hostname: string }[] } };
    };

    test('zones the caller may not read are left out; a database error fails the request instead of hiding zones', async () => {
      const all = await list(ADMIN_TOKEN);
      assert.deepEqual(
        all.json.result.map((r) => r.hostname),
        ['app.one.test', 'app.two.test'],
      );
      const narrow = await list(dnsOnlyToken);
      assert.equal(narrow.status, 200, JSON.stringify(narrow.json));
      assert.deepEqual(
        narrow.json.result.map((r) => r.hostname),
        ['app.one.test'],
        'not allowed: skipped',
      );
      // The tunnel's own check passes; the database then fails on the zones' checks.
      faulty.arm(1);
      const failed = await list(ADMIN_TOKEN);
      faulty.arm(Number.POSITIVE_INFINITY);
      assert.ok(failed.status >= 500, `status ${failed.status}: ${JSON.stringify(failed.json)}`);
      assert.equal(failed.json.success, false);
    });
  });
}
