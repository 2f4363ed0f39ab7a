import type { Kysely, Migration } from 'kysely';

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

/** Migration 0016 (issue 21): zone settings the edge enforces; a missing row is Cloudflare's default. */
export async function zoneSettings(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('zone_settings')
    .addColumn('zone_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('modified_on', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('zone_settings_pk', ['zone_id', 'name'])
    .execute();
}

/** Issue 21's migrations (certificates and ACME; zone settings), spread into the list in migrations.ts. */
export const HTTPS_MIGRATIONS: Record<string, Migration> = {
  '0012_edge_certificates': { up: edgeCertificates },
  '0016_zone_settings': { up: zoneSettings },
};
