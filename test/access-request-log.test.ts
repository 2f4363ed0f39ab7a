import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseAppDomain } from '../src/access/index.js';
import { SUPER_ADMIN_ROLE_ID } from '../src/control/index.js';
import { auditLogin } from '../src/edge/access/access-login-audit.js';
import { ManualClock } from '../src/time/index.js';
import { type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';

interface AccessRequest {
  action: string;
  allowed: boolean;
  app_domain: string;
  app_uid: string;
  connection: string;
  created_at: string;
  ip_address: string;
  ray_id: string;
  user_email: string;
}

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

for (const dialect of DIALECTS) {
  describe(`Access request log on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let B: string;
    let tokenB: string;
    const clock = new ManualClock(T0);
    const log = (a: string, q = '') => `/accounts/${a}/access/logs/access_requests${q}`;

    before(async () => {
      h = await startControl(dialect, { clock });
      const userB = await h.store.identity.createUser({ email: 'b@tenant-b.test', kind: 'person' });
      B = (await h.store.identity.createAccount('tenant-b')).id;
      await h.store.identity.addMember(B, userB.id, [SUPER_ADMIN_ROLE_ID]);
      tokenB = (await h.store.identity.createToken({ userId: userB.id, name: 'b', policies: [] })).value;
      const app = {
        id: 'app-1',
        accountId: h.accountId,
        name: 'Wiki',
        aud: 'a'.repeat(64),
        domain: parseAppDomain('wiki.corp.test/docs'),
      };
      const o = { store: h.store, logger: quietLogger };
      // One minute apart: an allowed OIDC login, a denied PIN login, a service token's first use.
      await auditLogin(o, app, {
        email: 'ann@corp.test',
        actorId: 'u1',
        ip: '192.0.2.1',
        idp: { id: 'idp-1', type: 'oidc' },
        allowed: true,
      });
      await clock.advance(60_000);
      await auditLogin(o, app, {
        email: 'eve@evil.test',
        actorId: 'u2',
        ip: '198.51.100.7',
        idp: { id: 'idp-2', type: 'onetimepin' },
        allowed: false,
        reason: 'no policy allows this identity',
      });
      await clock.advance(60_000);
      await auditLogin(o, app, {
        email: undefined,
        actorId: 'ci.access',
        ip: '192.0.2.9',
        idp: { id: 'tok-1', type: 'service_token' },
        allowed: true,
      });
      // A dashboard sign-in is a `login` audit entry too, but not an Access request.
      await h.store.audit.append({
        accountId: h.accountId,
        action: 'login',
        actor: { id: 'admin', email: 'admin@example.test', ip: '127.0.0.1', type: 'user' },
        interface: 'dashboard',
        resource: { id: 'admin', type: 'user' },
      });
    });
    after(async () => {
      await h?.close();
    });

    test('lists Access logins in Cloudflare’s shape, newest first, without dashboard sign-ins', async () => {
      const r = await h.call<AccessRequest[]>('GET', log(h.accountId));
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.json.result.map((e) => [e.connection, e.allowed, e.user_email]),
        [
          ['service_token', true, ''],
          ['onetimepin', false, 'eve@evil.test'],
          ['oidc', true, 'ann@corp.test'],
        ],
      );
      const first = r.json.result[2] as AccessRequest;
      assert.equal(first.action, 'login');
      assert.equal(first.app_domain, 'wiki.corp.test/docs');
      assert.equal(first.app_uid, 'app-1');
      assert.equal(first.ip_address, '192.0.2.1');
      assert.equal(first.created_at, new Date(T0).toISOString());
      assert.match(first.ray_id, /^[0-9a-f]{16}$/);
    });

    test('since, until (inclusive), limit and direction', async () => {
      const at = (ms: number) => encodeURIComponent(new Date(T0 + ms).toISOString());
      const asc = await h.call<AccessRequest[]>('GET', log(h.accountId, '?direction=asc&limit=2'));
      assert.deepEqual(
        asc.json.result.map((e) => e.connection),
        ['oidc', 'onetimepin'],
      );
      const window = await h.call<AccessRequest[]>('GET', log(h.accountId, `?since=${at(60_000)}&until=${at(60_000)}`));
      assert.deepEqual(
        window.json.result.map((e) => e.user_email),
        ['eve@evil.test'],
      );
      assert.equal((await h.call('GET', log(h.accountId, '?limit=1001'))).status, 400, 'limit is at most 1000');
      assert.equal((await h.call('GET', log(h.accountId, '?since=yesterday'))).status, 400);
    });

    test("another account's token sees none of them, and its own log is empty", async () => {
      const other = await h.call<AccessRequest[]>('GET', log(h.accountId), undefined, tokenB);
      assert.ok(other.status === 403 || other.status === 404, String(other.status));
      assert.ok(!JSON.stringify(other.json).includes('ann@corp.test'));
      const own = await h.call<AccessRequest[]>('GET', log(B), undefined, tokenB);
      assert.equal(own.status, 200);
      assert.deepEqual(own.json.result, []);
      assert.equal((await h.call('GET', log(h.accountId), undefined, null)).status, 401);
    });
  });
}
