import type { Kysely } from 'kysely';

/** 0013: the running edges (membership with heartbeats) and the one edge CA, sealed. */
export async function edgeMembers(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('edge_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('peer_address', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('edge_members_name').on('edge_members').column('name').execute();
  await db.schema
    .createTable('edge_authority')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_on', 'text', (c) => c.notNull())
    .execute();
}
