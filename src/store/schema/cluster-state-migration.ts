import type { Kysely } from 'kysely';

/** Migration 0014 (issue 23): the state every process shares (see cluster-state-rows.ts). */
export async function clusterState(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backoff_ledgers')
    .addColumn('book', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_ms', 'double precision', (c) => c.notNull())
    .addColumn('locked_until_ms', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('backoff_ledgers_pk', ['book', 'key'])
    .execute();
  await db.schema.createIndex('backoff_ledgers_last').on('backoff_ledgers').column('last_failure_ms').execute();
  await db.schema
    .createTable('access_pending')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'double precision', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_pending_pk', ['kind', 'id'])
    .execute();
  await db.schema.createIndex('access_pending_expires').on('access_pending').column('expires_ms').execute();
  await db.schema
    .createTable('tunnel_slots')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('tunnel_id', 'text', (c) => c.notNull())
    .addColumn('until_ms', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('tunnel_slots_pk', ['account_id', 'tunnel_id'])
    .execute();
}
