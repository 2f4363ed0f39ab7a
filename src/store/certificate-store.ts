import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, OriginCaRow, OriginCertificateRow } from './schema/schema.js';
import { isUniqueViolation } from './unique-violation.js';
import type { Page, Paged } from './zone-store.js';

const ROOT_ID = 'root';

export interface CertificateFilter {
  accountIds: readonly string[];
  zoneId?: string | undefined;
}

/** The origin CA's root (one row) and the origin certificates it issued. Nothing here is ever deleted. */
export class CertificateStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  originCa(): Promise<OriginCaRow | undefined> {
    return this.#db.selectFrom('origin_ca').selectAll().where('id', '=', ROOT_ID).executeTakeFirst();
  }

  /** Stores a new root unless another process stored one first; returns the root in force. */
  async saveOriginCa(input: { certificate: string; keySealed: string }): Promise<OriginCaRow> {
    const row: OriginCaRow = {
      id: ROOT_ID,
      certificate: input.certificate,
      key_sealed: input.keySealed,
      created_on: this.#clock.now().toISOString(),
    };
    try {
      await this.#db.insertInto('origin_ca').values(row).execute();
      return row;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return (await this.originCa()) as OriginCaRow;
    }
  }

  async create(row: Omit<OriginCertificateRow, 'created_on' | 'revoked_at'>): Promise<OriginCertificateRow> {
    const full: OriginCertificateRow = { ...row, created_on: this.#clock.now().toISOString(), revoked_at: null };
    await this.#db.insertInto('origin_certificates').values(full).execute();
    return full;
  }

  get(id: string): Promise<OriginCertificateRow | undefined> {
    return this.#db.selectFrom('origin_certificates').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: CertificateFilter, page: Page): Promise<Paged<OriginCertificateRow>> {
    if (filter.accountIds.length === 0) return { rows: [], total: 0 };
    let q = this.#db.selectFrom('origin_certificates').where('account_id', 'in', filter.accountIds);
    if (filter.zoneId !== undefined) q = q.where('zone_id', '=', filter.zoneId);
    const total = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('created_on')
      .orderBy('id')
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute();
    return { rows, total: Number(total.n) };
  }

  async revoke(id: string): Promise<string> {
    const at = this.#clock.now().toISOString();
    await this.#db
      .updateTable('origin_certificates')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return at;
  }

  /** The certificate a `warren login` token was bundled with, if any. */
  byLoginToken(tokenId: string): Promise<OriginCertificateRow | undefined> {
    return this.#db
      .selectFrom('origin_certificates')
      .selectAll()
      .where('login_token_id', '=', tokenId)
      .executeTakeFirst();
  }
}
