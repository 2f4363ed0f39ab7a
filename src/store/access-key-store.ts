import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { AccessKeyRow, AccessKeySettingsRow, Database } from './schema/schema.js';

/** Access JWT signing keys (current, next, retired) and each account's rotation settings. */
export class AccessKeyStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async insertKey(row: AccessKeyRow): Promise<void> {
    await this.#db.insertInto('access_keys').values(row).execute();
  }

  /** Keys that verify at `at`: the current one first, then the next one, then retired ones inside their overlap. */
  async liveKeys(accountId: string, at: Date): Promise<AccessKeyRow[]> {
    const iso = at.toISOString();
    const rows = await this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', iso)]))
      .orderBy('created_at', 'desc')
      .execute();
    const rank = (k: AccessKeyRow): number => (k.retired_at !== null ? 2 : k.activated_at === null ? 1 : 0);
    return rows.sort((a, b) => rank(a) - rank(b));
  }

  /** The key that signs now (activated, not retired). */
  currentKey(accountId: string): Promise<AccessKeyRow | undefined> {
    return this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('retired_at', 'is', null)
      .where('activated_at', 'is not', null)
      .orderBy('activated_at', 'desc')
      .executeTakeFirst();
  }

  /** The published key the next rotation promotes. */
  nextKey(accountId: string): Promise<AccessKeyRow | undefined> {
    return this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('activated_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
  }

  async activateKey(kid: string, at: Date): Promise<void> {
    await this.#db.updateTable('access_keys').set({ activated_at: at.toISOString() }).where('kid', '=', kid).execute();
  }

  /** Retires the current key(s): they verify until `until`. */
  async retireCurrentKeys(accountId: string, until: Date): Promise<void> {
    await this.#db
      .updateTable('access_keys')
      .set({ retired_at: this.#clock.now().toISOString(), expires_at: until.toISOString() })
      .where('account_id', '=', accountId)
      .where('retired_at', 'is', null)
      .where('activated_at', 'is not', null)
      .execute();
  }

  async deleteExpiredKeys(at: Date): Promise<number> {
    const r = await this.#db
      .deleteFrom('access_keys')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', at.toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  keySettings(accountId: string): Promise<AccessKeySettingsRow | undefined> {
    return this.#db
      .selectFrom('access_key_settings')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
  }

  async putKeySettings(row: AccessKeySettingsRow): Promise<void> {
    await this.#db
      .insertInto('access_key_settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({
          key_rotation_interval_days: row.key_rotation_interval_days,
          last_key_rotation_at: row.last_key_rotation_at,
        }),
      )
      .execute();
  }

  /** Accounts that have a current key: the rotation job's candidates. */
  async accountsWithKeys(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('access_keys')
      .select('account_id')
      .where('retired_at', 'is', null)
      .groupBy('account_id')
      .execute();
    return rows.map((r) => r.account_id);
  }
}
