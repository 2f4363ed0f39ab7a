import type { Kysely } from 'kysely';
import type { AccessCertificateRow, Database } from './schema/schema.js';

/**
 * Access mutual TLS: the certificate authorities each account uploaded. Every query but `all`
 * (the edge's cache, which keeps each row with its account) is scoped by account id.
 */
export class AccessCertificateStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(row: AccessCertificateRow): Promise<void> {
    await this.#db.insertInto('access_certificates').values(row).execute();
  }

  get(accountId: string, id: string): Promise<AccessCertificateRow | undefined> {
    return this.#db
      .selectFrom('access_certificates')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  list(accountId: string): Promise<AccessCertificateRow[]> {
    return this.#db
      .selectFrom('access_certificates')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Every account's CAs, for the edge (which verifies a client certificate against its app's account only). */
  all(): Promise<AccessCertificateRow[]> {
    return this.#db.selectFrom('access_certificates').selectAll().orderBy('created_at').execute();
  }

  async update(
    accountId: string,
    id: string,
    set: Partial<Pick<AccessCertificateRow, 'name' | 'associated_hostnames' | 'updated_at'>>,
  ): Promise<void> {
    await this.#db
      .updateTable('access_certificates')
      .set(set)
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.#db.deleteFrom('access_certificates').where('account_id', '=', accountId).where('id', '=', id).execute();
  }
}
