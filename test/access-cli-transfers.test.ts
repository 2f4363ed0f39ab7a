import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessCliCode } from '../src/edge/access/access-cli-code.js';
import {
  ACCESS_CLI_TRANSFER_TTL_MS,
  ACCESS_CLI_TRANSFERS_PER_USER,
  ACCESS_CLI_TRANSFERS_TOTAL,
  AccessCliTransfers,
} from '../src/edge/access/access-cli-transfers.js';
import { Store } from '../src/store/index.js';
import { ManualClock } from '../src/time/index.js';
import { DIALECTS, quietLogger } from './support/control-harness.js';

const AUD = 'a'.repeat(64);
const id = (n: number) => `transfer-${String(n).padStart(40, '0')}`;

for (const dialect of DIALECTS) {
  describe(`confirmed \`warren access login\` transfers are kept briefly, once, and bounded (${dialect.name})`, {
    skip: dialect.skip,
    timeout: 120_000,
  }, () => {
    let db: Awaited<ReturnType<typeof dialect.fresh>>;
    let store: Store;
    let other: Store;
    const clock = new ManualClock(1_000_000);
    before(async () => {
      db = await dialect.fresh();
      store = await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
      // Another process on the same database (SQLite: the same one).
      other =
        db.databaseUrl === undefined
          ? store
          : await Store.open({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logger: quietLogger, clock });
    });
    after(async () => {
      if (other !== store) await other?.close();
      await store?.close();
      await db?.drop();
    });

    test('a confirmed token is taken once (by any process), only for its app, and not after 5 minutes', async () => {
      const t = new AccessCliTransfers(store);
      const elsewhere = new AccessCliTransfers(other);
      assert.equal(await t.take(id(1), AUD), undefined, 'nothing before a confirmation');
      assert.equal(await t.put(id(1), { token: 'jwt-1', aud: AUD, user: 'u' }), 'stored');
      assert.equal(await elsewhere.take(id(1), 'b'.repeat(64)), undefined, 'not through another app');
      assert.equal(await elsewhere.take(id(1), AUD), 'jwt-1');
      assert.equal(await t.take(id(1), AUD), undefined, 'single use');
      assert.equal(await t.put(id(2), { token: 'jwt-2', aud: AUD, user: 'u' }), 'stored');
      await clock.advance(ACCESS_CLI_TRANSFER_TTL_MS);
      assert.equal(await t.take(id(2), AUD), undefined, 'expired after 5 minutes');
    });

    test('a second confirmation of the same id never replaces the first', async () => {
      const t = new AccessCliTransfers(store);
      assert.equal(await t.put(id(3), { token: 'victim', aud: AUD, user: 'v' }), 'stored');
      assert.equal(await new AccessCliTransfers(other).put(id(3), { token: 'other', aud: AUD, user: 'w' }), 'exists');
      assert.equal(await t.take(id(3), AUD), 'victim');
    });

    test('one identity holds a few at once, everyone together a bounded number; expired ones free room', {
      skip: dialect.name === 'postgres' ? 'the same code path as SQLite; 1000 writes are slow here' : false,
    }, async () => {
      await clock.advance(ACCESS_CLI_TRANSFER_TTL_MS);
      const t = new AccessCliTransfers(store);
      for (let i = 0; i < ACCESS_CLI_TRANSFERS_PER_USER; i++) {
        assert.equal(await t.put(id(1000 + i), { token: 't', aud: AUD, user: 'same' }), 'stored');
      }
      assert.equal(await t.put(id(1099), { token: 't', aud: AUD, user: 'same' }), 'full');
      for (let i = 2000; (await t.size()) < ACCESS_CLI_TRANSFERS_TOTAL; i++) {
        assert.equal(await t.put(id(i), { token: 't', aud: AUD, user: `u${i}` }), 'stored');
      }
      assert.equal(await t.put(id(5000), { token: 't', aud: AUD, user: 'new' }), 'full');
      await clock.advance(ACCESS_CLI_TRANSFER_TTL_MS);
      assert.equal(await t.put(id(5000), { token: 't', aud: AUD, user: 'new' }), 'stored');
      assert.equal(await t.size(), 1);
    });
  });
}

describe('access login codes', () => {
  test('the short code is derived from the transfer id: the same for the CLI and the page, different per id', () => {
    assert.match(accessCliCode(id(1)), /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    assert.equal(accessCliCode(id(1)), accessCliCode(id(1)));
    assert.notEqual(accessCliCode(id(1)), accessCliCode(id(2)));
  });
});
