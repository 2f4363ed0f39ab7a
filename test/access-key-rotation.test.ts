import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AccessKeyRing, KeyRotationJob, signAccessJwt } from '../src/access/index.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { ADMIN_TOKEN, type ControlHarness, DIALECTS, quietLogger, startControl } from './support/control-harness.js';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`Access signing keys on ${dialect.name}`, { skip: dialect.skip }, () => {
    let store: Store;
    let drop: () => Promise<void>;
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

    before(async () => {
      const db = await dialect.fresh();
      drop = db.drop;
      store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
    });
    after(async () => {
      await store?.close();
      await drop?.();
    });

    test('keys rotate when key_rotation_interval_days has passed, and the previous key verifies for 7 more days', async () => {
      const account = (await store.identity.createAccount('rot')).id;
      const ring = new AccessKeyRing(store);
      const job = new KeyRotationJob(ring, quietLogger);
      const first = await ring.signingKey(account);
      const sealed = (await store.accessKeys.currentKey(account))?.private_sealed ?? '';
      assert.ok(!sealed.includes('PRIVATE KEY'), 'the private key is sealed at rest');
      const token = await signAccessJwt(first, {
        teamDomain: 't.access.example.test',
        aud: 'x'.repeat(64),
        subject: { kind: 'user', email: 'a@example.test', userId: 'u' },
        issuedAt: clock.now(),
        ttlSeconds: 60 * DAY,
      });
      const verifies = async (): Promise<boolean> => {
        const keys = createLocalJWKSet(await ring.jwks(account));
        return jwtVerify(token, keys, { algorithms: ['RS256'], currentDate: clock.now() }).then(
          () => true,
          () => false,
        );
      };
      assert.equal((await ring.settings(account)).days_until_next_rotation, 42);
      await clock.advance(41 * DAY);
      assert.deepEqual(await job.runOnce(), [], 'not due after 41 of 42 days');
      assert.equal((await ring.signingKey(account)).kid, first.kid);
      await clock.advance(1 * DAY + 1);
      assert.deepEqual(await job.runOnce(), [account], 'due after 42 days');
      const second = await ring.signingKey(account);
      assert.notEqual(second.kid, first.kid);
      assert.equal(await verifies(), true, 'the previous key still verifies');
      await clock.advance(7 * DAY - 1_000);
      await job.runOnce();
      assert.equal(await verifies(), true, 'still inside the 7-day overlap');
      await clock.advance(2_000);
      await job.runOnce();
      assert.equal(await verifies(), false, 'the previous key is gone after 7 days');
      const doc = await ring.jwks(account);
      assert.equal(doc.public_cert.kid, second.kid);
      assert.equal(doc.keys.length, 2, 'the current key and the published next key');
    });

    test('a shorter interval set through the store applies to the next check', async () => {
      const account = (await store.identity.createAccount('short')).id;
      const ring = new AccessKeyRing(store);
      await ring.signingKey(account);
      await ring.setRotationInterval(account, 1);
      assert.deepEqual(await new KeyRotationJob(ring, quietLogger).runOnce(), []);
      await clock.advance(DAY);
      assert.deepEqual(await new KeyRotationJob(ring, quietLogger).runOnce(), [account]);
    });

    test('the rotation job checks on its injected timers: a key rotates once the clock passes its interval', async () => {
      const account = (await store.identity.createAccount('timed')).id;
      const ring = new AccessKeyRing(store);
      const first = await ring.signingKey(account);
      await ring.setRotationInterval(account, 2);
      const job = new KeyRotationJob(ring, quietLogger, clock);
      job.start(DAY);
      assert.deepEqual(clock.pending, [DAY], 'one check a day is scheduled, none has run');
      await clock.advance(DAY);
      await job.stop();
      assert.equal((await ring.signingKey(account)).kid, first.kid, 'not due after 1 of 2 days');
      job.start(DAY);
      await clock.advance(2 * DAY);
      await job.stop();
      assert.deepEqual(clock.pending, [], 'stop cancels the schedule');
      assert.notEqual((await ring.signingKey(account)).kid, first.kid, 'rotated by the timed check');
    });
  });
}

describe('Access key routes', () => {
  let h: ControlHarness;
  before(async () => {
    h = await startControl(DIALECTS[0] as (typeof DIALECTS)[0]);
  });
  after(async () => {
    await h?.close();
  });

  test('GET and PUT /access/keys read and set the rotation interval, audited; bad values are refused', async () => {
    const url = `/accounts/${h.accountId}/access/keys`;
    const got = await h.call<{ key_rotation_interval_days: number }>('GET', url);
    assert.equal(got.status, 200);
    assert.equal(got.json.result.key_rotation_interval_days, 42);
    const put = await h.call<{ key_rotation_interval_days: number }>('PUT', url, { key_rotation_interval_days: 30 });
    assert.equal(put.json.result.key_rotation_interval_days, 30);
    const bad = await h.call('PUT', url, { key_rotation_interval_days: 0 });
    assert.equal(bad.status, 400);
    const none = await h.call('PUT', url, { key_rotation_interval_days: 30 }, null);
    assert.equal(none.status, 401);
    const audit = await h.call<{ action: { type: string } }[]>(
      'GET',
      `/accounts/${h.accountId}/audit_logs`,
      undefined,
      ADMIN_TOKEN,
    );
    assert.ok(audit.json.result.some((e) => e.action.type === 'access_key_settings_update'));
  });
});
