import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OneTimePins, OTP_MAX_ATTEMPTS, OTP_TTL_MS } from '../src/access/index.js';
import { sameHostPath } from '../src/edge/access/access-http.js';
import { gatePath } from '../src/edge/access/gate-path.js';

describe('one-time PINs', { timeout: 10_000 }, () => {
  test('a code is six digits, works once, and only for the app it was sent for', () => {
    const pins = new OneTimePins();
    const { id, code } = pins.issue('a@x.test', 'aud-1');
    assert.match(code, /^\d{6}$/);
    assert.deepEqual(pins.check(id, 'aud-2', code), { ok: false, why: 'void', email: undefined });
    assert.deepEqual(pins.check(id, 'aud-1', code), { ok: true, email: 'a@x.test' });
    assert.equal(pins.check(id, 'aud-1', code).ok, false, 'single use');
  });

  test(`${OTP_MAX_ATTEMPTS} wrong codes void the code, and the right one then fails`, () => {
    const pins = new OneTimePins();
    const { id, code } = pins.issue('a@x.test', 'aud');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < OTP_MAX_ATTEMPTS; i++) assert.equal(pins.check(id, 'aud', wrong).ok, false);
    assert.deepEqual(pins.check(id, 'aud', wrong), { ok: false, why: 'void', email: 'a@x.test' });
    assert.equal(pins.check(id, 'aud', code).ok, false);
  });

  test('a code expires after 10 minutes', () => {
    let now = 1_000_000;
    const pins = new OneTimePins(() => now);
    const { id, code } = pins.issue('a@x.test', 'aud');
    now += OTP_TTL_MS;
    assert.deepEqual(pins.check(id, 'aud', code), { ok: false, why: 'void', email: 'a@x.test' });
  });
});

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
