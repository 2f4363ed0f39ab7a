import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { EdgeCertificateRow } from './schema/edge-certificate-rows.js';
import type { Database } from './schema/schema.js';

/**
 * The certificates the visitor HTTPS listener serves (uploaded and ACME), shared by every edge
 * process through the database; keys arrive already sealed (`Store.secrets`). Writers publish
 * the `certificates` topic after they commit, and every edge reloads its SNI table.
 */
export class EdgeCertificateStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>, _clock: Clock) {
    this.#db = db;
  }

  async insert(row: EdgeCertificateRow): Promise<void> {
    await this.#db.insertInto('edge_certificates').values(row).execute();
  }

  get(id: string): Promise<EdgeCertificateRow | undefined> {
    return this.#db.selectFrom('edge_certificates').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every certificate, for the SNI table (a few thousand rows at most: one per name served). */
  all(): Promise<EdgeCertificateRow[]> {
    return this.#db.selectFrom('edge_certificates').selectAll().orderBy('uploaded_on').orderBy('id').execute();
  }

  byZone(zoneId: string, source: EdgeCertificateRow['source']): Promise<EdgeCertificateRow[]> {
    return this.#db
      .selectFrom('edge_certificates')
      .selectAll()
      .where('zone_id', '=', zoneId)
      .where('source', '=', source)
      .orderBy('uploaded_on')
      .orderBy('id')
      .execute();
  }

  /** ACME certificates whose hosts list is exactly `[name]`, newest first. */
  acmeFor(name: string): Promise<EdgeCertificateRow[]> {
    return this.#db
      .selectFrom('edge_certificates')
      .selectAll()
      .where('source', '=', 'acme')
      .where('hosts', '=', JSON.stringify([name]))
      .orderBy('expires_on', 'desc')
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('edge_certificates').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
