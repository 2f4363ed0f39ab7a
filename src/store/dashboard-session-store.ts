import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import { newId } from './ids.js';
import type { DashboardSessionRow, Database } from './schema/schema.js';

/**
 * Dashboard sessions, keyed by the hash of their cookie value. Expiry is decided by the caller
 * (idle and absolute limits live in src/control); this store only keeps and prunes the rows.
 */
export class DashboardSessionStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(input: {
    userId: string;
    tokenHash: string;
    ip: string;
    userAgent: string;
    lifetimeMs: number;
  }): Promise<DashboardSessionRow> {
    const now = this.#clock.now();
    const row: DashboardSessionRow = {
      id: newId(),
      user_id: input.userId,
      token_hash: input.tokenHash,
      created_on: now.toISOString(),
      last_seen_on: now.toISOString(),
      expires_on: new Date(now.getTime() + input.lifetimeMs).toISOString(),
      ip: input.ip,
      user_agent: input.userAgent,
    };
    await this.#db.insertInto('dashboard_sessions').values(row).execute();
    return row;
  }

  byTokenHash(tokenHash: string): Promise<DashboardSessionRow | undefined> {
    return this.#db.selectFrom('dashboard_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** The user's sessions, newest first. */
  listOf(userId: string): Promise<DashboardSessionRow[]> {
    return this.#db
      .selectFrom('dashboard_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_on', 'desc')
      .orderBy('id')
      .execute();
  }

  async touch(id: string): Promise<void> {
    await this.#db
      .updateTable('dashboard_sessions')
      .set({ last_seen_on: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes one of the user's sessions; false when it is not theirs or gone already. */
  async delete(id: string, userId: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('dashboard_sessions')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Deletes every session of the user except `keepId`; how many went. */
  async deleteOthers(userId: string, keepId: string): Promise<number> {
    const r = await this.#db
      .deleteFrom('dashboard_sessions')
      .where('user_id', '=', userId)
      .where('id', '!=', keepId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Drops sessions past their absolute expiry or idle since before `idleBefore` (ISO). */
  async prune(idleBefore: string): Promise<number> {
    const now = this.#clock.now().toISOString();
    const r = await this.#db
      .deleteFrom('dashboard_sessions')
      .where((eb) => eb.or([eb('expires_on', '<=', now), eb('last_seen_on', '<', idleBefore)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
