import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Clock, Store } from '../src/store/index.js';
import { type ControlHarness, DIALECTS, type Envelope, startControl } from './support/control-harness.js';

/** `POST /login/transfer` needs no credentials: each call must not cost a permanent row. */

const key = () => randomBytes(32).toString('base64url');

for (const dialect of DIALECTS) {
  describe(`login transfer limits on ${dialect.name}`, { skip: dialect.skip }, () => {
    let h: ControlHarness;
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(nowMs) };
    const poll = async (from: string, k = key()) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/client/v4/login/transfer',
        remoteAddress: from,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ key: k, wait_ms: 0 }),
      });
      return { status: res.statusCode, retryAfter: res.headers['retry-after'], json: res.json() as Envelope };
    };
    const rows = async () =>
      (await Store.databaseForTests(h.store).selectFrom('login_transfers').select('key_hash').execute()).length;

    before(async () => {
      h = await startControl(dialect, { clock });
    });
    after(async () => h?.close());

    test('one address holds at most 10 open transfers: the 11th gets 429 with the envelope and Retry-After; other addresses still get theirs', async () => {
      for (let i = 0; i < 10; i++) assert.equal((await poll('192.0.2.10')).status, 200);
      const refused = await poll('192.0.2.10');
      assert.equal(refused.status, 429);
      assert.equal(refused.json.success, false);
      assert.equal(refused.json.errors[0]?.warren_code, 'WARREN_LOGIN_TRANSFER_LIMITED');
      assert.ok(
        Number(refused.retryAfter) > 0 && Number(refused.retryAfter) <= 20 * 60,
        `Retry-After ${refused.retryAfter}`,
      );
      assert.equal((await poll('192.0.2.11')).status, 200);
      assert.equal(await rows(), 11);
    });

    test('expired transfers are deleted, which frees the address again', async () => {
      nowMs += 21 * 60_000; // past the 10-minute validity and the 10 minutes kept after it
      assert.equal((await poll('192.0.2.10')).status, 200);
      assert.equal(await rows(), 1);
    });

    test('a poll for a transfer that already exists is answered whatever the limit', async () => {
      const k = key();
      const first = await poll('192.0.2.20', k);
      assert.equal(first.status, 200);
      assert.equal(first.json.success, true);
      for (let i = 0; i < 9; i++) await poll('192.0.2.20');
      const full = await poll('192.0.2.20');
      assert.equal(full.status, 429);
      assert.equal(full.json.errors[0]?.warren_code, 'WARREN_LOGIN_TRANSFER_LIMITED');
      const again = await poll('192.0.2.20', k);
      assert.equal(again.status, 200);
      assert.equal(again.json.success, true, 'the existing transfer is answered, not refused');
    });

    test('all addresses together hold at most 1000 transfers', async () => {
      const at = new Date(nowMs).toISOString();
      const until = new Date(nowMs + 10 * 60_000).toISOString();
      const filler = Array.from({ length: 1000 }, (_, i) => ({
        key_hash: `filler-${i}`,
        created_on: at,
        expires_on: until,
        user_id: null,
        grant_hash: null,
        bundle_sealed: null,
        ready_on: null,
        fetched_on: null,
        source_ip: `198.51.100.${i % 250}`,
      }));
      for (let i = 0; i < filler.length; i += 250) {
        await Store.databaseForTests(h.store)
          .insertInto('login_transfers')
          .values(filler.slice(i, i + 250))
          .execute();
      }
      const refused = await poll('203.0.113.1');
      assert.equal(refused.status, 429);
      assert.match(refused.json.errors[0]?.message ?? '', /on this server/);
    });
  });
}
