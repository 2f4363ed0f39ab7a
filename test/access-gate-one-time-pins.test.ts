import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OneTimePins, OTP_MAX_ATTEMPTS, OTP_TTL_MS } from '../src/access/index.js';
import { sameHostPath } from '../src/edge/access/access-http.js';
import { gatePath } from '../src/edge/access/gate-path.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { DIALECTS, quietLogger } from './support/control-harness.js';

for (const dialect of DIALECTS) {
  describe(`one-time PINs on ${dialect.name}`, { skip: dialect.skip, timeout: 30_000 }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let store: Store;
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

    before(async () => {
      db = await dialect.fresh();
      store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    test('a code is six digits, works once, and only for the app it was sent for', async () => {
      const pins = new OneTimePins(store);
      const { id, code } = await pins.issue('a@x.test', 'aud-1');
      assert.match(code, /^\d{6}$/);
      assert.deepEqual(await pins.check(id, 'aud-2', code), { ok: false, why: 'void', email: undefined });
      assert.deepEqual(await pins.check(id, 'aud-1', code), { ok: true, email: 'a@x.test' });
      assert.equal((await pins.check(id, 'aud-1', code)).ok, false, 'single use');
    });

    test(`${OTP_MAX_ATTEMPTS} wrong codes void the code, and the right one then fails`, async () => {
      const pins = new OneTimePins(store);
      const { id, code } = await pins.issue('a@x.test', 'aud');
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 1; i < OTP_MAX_ATTEMPTS; i++) assert.equal((await pins.check(id, 'aud', wrong)).ok, false);
      assert.deepEqual(await pins.check(id, 'aud', wrong), { ok: false, why: 'void', email: 'a@x.test' });
      assert.equal((await pins.check(id, 'aud', code)).ok, false);
    });

    test('a code expires after 10 minutes', async () => {
      const pins = new OneTimePins(store);
      const { id, code } = await pins.issue('a@x.test', 'aud');
      await clock.advance(OTP_TTL_MS);
      assert.deepEqual(await pins.check(id, 'aud', code), { ok: false, why: 'void', email: 'a@x.test' });
    });

    test('the right code submitted twice at once signs in once (single use across processes)', async () => {
      const pins = new OneTimePins(store);
      const other = new OneTimePins(store);
      const { id, code } = await pins.issue('a@x.test', 'aud');
      const both = await Promise.all([pins.check(id, 'aud', code), other.check(id, 'aud', code)]);
      assert.equal(both.filter((r) => r.ok).length, 1, JSON.stringify(both));
    });
  });
}

describe('gate paths and redirect targets', { timeout: 10_000 }, () => {
  test('lookup paths resolve dot segments, escapes, repeated slashes and case', () => {
    const canonical = (t: string) => {
      const p = gatePath(t);
      return 'error' in p ? p.error : p.canonical;
    };
    assert.equal(canonical('/x/../Admin?q=1'), '/admin');
    assert.equal(canonical('/%61dmin/%2e%2e/admin'), '/admin');
    assert.equal(canonical('//admin//users'), '/admin/users');
    assert.equal(canonical('/a\\..\\admin'), '/admin');
  });

  test('redirect_url is only a path on the same host', () => {
    assert.equal(sameHostPath('/echo?x=1'), '/echo?x=1');
    for (const bad of ['https://evil.test/', '//evil.test', '/\\evil.test', 'evil.test', '/a\r\nx', '']) {
      assert.equal(sameHostPath(bad), undefined, JSON.stringify(bad));
    }
  });
});
