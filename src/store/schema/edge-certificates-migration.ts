import type { Kysely } from 'kysely';

/** Migration 0012 (issue 21): the certificates the visitor HTTPS listener serves, and ACME's state. */
export async function edgeCertificates(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('edge_certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('zone_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('hosts', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('uploaded_on', 'text', (c) => c.notNull())
    .addColumn('expires_on', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('edge_certificates_zone').on('edge_certificates').column('zone_id').execute();
  await db.schema
    .createTable('acme_names')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('zone_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('acme_orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('zone_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('acme_orders_created').on('acme_orders').column('created_at').execute();
  await db.schema
    .createTable('acme_challenges')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('key_authorization', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('acme_accounts')
    .addColumn('directory', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
