import type { Kysely } from 'kysely';

/** Migration 0015 (issue 29): the certificate authorities an account uploads for Access mutual TLS. */
export async function accessCertificates(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('associated_hostnames', 'text', (c) => c.notNull())
    .addColumn('expires_on', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('access_certificates_account_fingerprint', ['account_id', 'fingerprint'])
    .execute();
}
