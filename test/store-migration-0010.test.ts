import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { BuiltInMigrations } from '../src/store/schema/migrations.js';

test('migration 0010 moves a revocation out of the app settings into its own column, and dates pending zones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-migrate-'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'w.db')) }) });
  try {
    const migrator = new Migrator({ db, provider: new BuiltInMigrations() });
    assert.equal((await migrator.migrateTo('0009_connection_tags')).error, undefined);
    const t = '2026-01-02T03:04:05.000Z';
    await sql`insert into accounts (id, name, created_on) values ('a1', 'a', ${t})`.execute(db);
    await sql`insert into access_apps (id, account_id, domain, aud, data, created_at, updated_at)
      values ('app1', 'a1', 'app.example.com', ${'a'.repeat(64)}, ${JSON.stringify({ name: 'App', tokens_revoked_at: t })}, ${t}, ${t}),
             ('app2', 'a1', 'b.example.com', ${'b'.repeat(64)}, ${JSON.stringify({ name: 'B' })}, ${t}, ${t})`.execute(
      db,
    );
    await sql`insert into zones (id, account_id, name, type, status, created_on, modified_on)
      values ('z1', 'a1', 'p.test', 'full', 'pending', '2026-01-01T00:00:00.000Z', ${t}),
             ('z2', 'a1', 'q.test', 'full', 'active', ${t}, ${t})`.execute(db);
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const apps = await sql<{ id: string; data: string; tokens_revoked_at: string | null }>`
      select id, data, tokens_revoked_at from access_apps order by id`.execute(db);
    assert.deepEqual(
      apps.rows.map((r) => [r.id, JSON.parse(r.data), r.tokens_revoked_at]),
      [
        ['app1', { name: 'App' }, t],
        ['app2', { name: 'B' }, null],
      ],
    );
    const zones = await sql<{ id: string; pending_since: string | null }>`
      select id, pending_since from zones order by id`.execute(db);
    assert.deepEqual(
      zones.rows.map((r) => [r.id, r.pending_since]),
      [
        ['z1', t],
        ['z2', null],
      ],
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
