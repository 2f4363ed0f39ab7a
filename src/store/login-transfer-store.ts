import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, LoginTransferRow } from './schema/schema.js';

/**
 * `warren login` hand-overs, keyed by the hash of the CLI's key: the browser signs in and
 * authorizes, the server seals the cert.pem bundle here, and the CLI takes it exactly once.
 */
export class LoginTransferStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  get(keyHash: string): Promise<LoginTransferRow | undefined> {
    return this.#db.selectFrom('login_transfers').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  }

  /**
   * Deletes transfers that expired more than `retainMs` ago (kept that long only so a late poll
   * hears "expired" or "used" rather than starting over).
   */
  async sweep(retainMs: number): Promise<void> {
    const before = new Date(this.#clock.now().getTime() - retainMs).toISOString();
    await this.#db.deleteFrom('login_transfers').where('expires_on', '<', before).execute();
  }

  /** How many transfers are kept (in total and from `sourceIp`), and the oldest expiry of each set. */
  async load(
    sourceIp: string,
  ): Promise<{ total: number; fromSource: number; oldest?: string; oldestFromSource?: string }> {
    const all = await this.#db
      .selectFrom('login_transfers')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min('expires_on').as('oldest')])
      .executeTakeFirstOrThrow();
    const mine = await this.#db
      .selectFrom('login_transfers')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.min('expires_on').as('oldest')])
      .where('source_ip', '=', sourceIp)
      .executeTakeFirstOrThrow();
    return {
      total: Number(all.n),
      fromSource: Number(mine.n),
      ...(all.oldest === null ? {} : { oldest: all.oldest }),
      ...(mine.oldest === null ? {} : { oldestFromSource: mine.oldest }),
    };
  }

  /** The transfer for a key, created on first sight (by the CLI's poll or the browser's visit). */
  async open(keyHash: string, ttlMs: number, sourceIp: string | null = null): Promise<LoginTransferRow> {
    const have = await this.get(keyHash);
    if (have !== undefined) return have;
    const now = this.#clock.now();
    const row: LoginTransferRow = {
      key_hash: keyHash,
      created_on: now.toISOString(),
      expires_on: new Date(now.getTime() + ttlMs).toISOString(),
      user_id: null,
      grant_hash: null,
      bundle_sealed: null,
      ready_on: null,
      fetched_on: null,
      source_ip: sourceIp,
    };
    // Both the CLI and the browser may race to create it: the first insert wins.
    await this.#db
      .insertInto('login_transfers')
      .values(row)
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .execute();
    return (await this.get(keyHash)) as LoginTransferRow;
  }

  async signIn(keyHash: string, userId: string, grantHash: string): Promise<void> {
    await this.#db
      .updateTable('login_transfers')
      .set({ user_id: userId, grant_hash: grantHash })
      .where('key_hash', '=', keyHash)
      .where('ready_on', 'is', null)
      .execute();
  }

  /** Stores the sealed bundle; false when the transfer already had one. */
  async complete(keyHash: string, bundleSealed: string, expiresOn: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('login_transfers')
      .set({ bundle_sealed: bundleSealed, ready_on: this.#clock.now().toISOString(), expires_on: expiresOn })
      .where('key_hash', '=', keyHash)
      .where('ready_on', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Takes the bundle out (once): returns it and forgets it, or undefined when someone else took it. */
  async take(keyHash: string): Promise<string | undefined> {
    const row = await this.get(keyHash);
    if (row === undefined || row.bundle_sealed === null || row.fetched_on !== null) return undefined;
    const r = await this.#db
      .updateTable('login_transfers')
      .set({ bundle_sealed: null, fetched_on: this.#clock.now().toISOString() })
      .where('key_hash', '=', keyHash)
      .where('fetched_on', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? row.bundle_sealed : undefined;
  }

  /** Forgets expired bundles (their key material must not linger). */
  async dropExpiredBundles(): Promise<void> {
    await this.#db
      .updateTable('login_transfers')
      .set({ bundle_sealed: null })
      .where('expires_on', '<', this.#clock.now().toISOString())
      .where('bundle_sealed', 'is not', null)
      .execute();
  }
}
