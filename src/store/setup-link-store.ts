import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, SetupLinkRow } from './schema/schema.js';

/**
 * First-run setup links, keyed by the hash of their token. A new link replaces every unused
 * earlier one (each `warren serve` start on an empty database prints a fresh link).
 */
export class SetupLinkStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async issue(tokenHash: string, ttlMs: number): Promise<SetupLinkRow> {
    const now = this.#clock.now();
    const row: SetupLinkRow = {
      token_hash: tokenHash,
      created_on: now.toISOString(),
      expires_on: new Date(now.getTime() + ttlMs).toISOString(),
      used_on: null,
    };
    await this.#db.deleteFrom('setup_links').where('used_on', 'is', null).execute();
    await this.#db.insertInto('setup_links').values(row).execute();
    return row;
  }

  get(tokenHash: string): Promise<SetupLinkRow | undefined> {
    return this.#db.selectFrom('setup_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** Marks the link used; false when it was used (or replaced) already or has expired. */
  async use(tokenHash: string): Promise<boolean> {
    const now = this.#clock.now().toISOString();
    const r = await this.#db
      .updateTable('setup_links')
      .set({ used_on: now })
      .where('token_hash', '=', tokenHash)
      .where('used_on', 'is', null)
      .where('expires_on', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
