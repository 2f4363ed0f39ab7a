import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { type AuditEntry, Store } from '../../src/store/index.js';

/** An audit entry padded to about `bytes`, to fill a database with. */
export const paddedEntry = (accountId: string, bytes: number): AuditEntry => ({
  accountId,
  action: 'account_update',
  actor: { id: 'test', email: '', ip: '127.0.0.1', type: 'user' as const },
  interface: 'test',
  resource: { id: 'fill', type: 'test' },
  metadata: { pad: 'x'.repeat(bytes) },
});

/**
 * Fills a SQLite store up to a page limit (PRAGMA max_page_count on the store's own connection):
 * SQLite then fails writes with a real SQLITE_FULL, as on a full disk, and rolls the transaction
 * back by itself. Rows of falling sizes fill the last pages' free space too. `freeSqlite` lifts it.
 */
export async function fillSqlite(store: Store, accountId: string): Promise<void> {
  const db = Store.databaseForTests(store);
  const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
  await sql`PRAGMA max_page_count = ${sql.raw(String(Number(rows[0]?.page_count) + 4))}`.execute(db);
  for (const bytes of [8000, 2000, 400, 60]) {
    // Bounded: a few pages of room hold at most a few hundred rows of 60 bytes.
    for (let i = 0; i < 2000; i++) {
      try {
        await store.audit.append(paddedEntry(accountId, bytes));
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'SQLITE_FULL');
        break;
      }
    }
  }
}

/** Space is back: no page limit. */
export async function freeSqlite(store: Store): Promise<void> {
  await sql`PRAGMA max_page_count = 1000000000`.execute(Store.databaseForTests(store));
}
