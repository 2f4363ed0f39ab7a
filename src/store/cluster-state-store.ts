import { type Kysely, sql } from 'kysely';
import type { AccessPendingRow, BackoffLedgerRow, Database } from './schema/schema.js';

/** How often (in writes of one kind, per process) expired rows are swept. */
const SWEEP_EVERY = 256;

/** Whether a tunnel may start under its account's running-tunnel limit. */
export type TunnelSlot = { ok: true } | { ok: false; running: number };

/**
 * The state that any process on the database must see the same (issue 23 item 8): sign-in
 * failures, Access logins in flight, and running-tunnel slots. On SQLite (one process) it is
 * the same code path; on PostgreSQL every edge and control process shares it.
 */
export class ClusterStateStore {
  readonly #db: Kysely<Database>;
  readonly #postgres: boolean;
  #failWrites = 0;
  #pendingWrites = 0;

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.#postgres = dialect === 'postgres';
  }

  // ---- sign-in failures ----

  /** The ledger of `key` in throttle book `book`, if any. */
  failures(book: string, key: string): Promise<BackoffLedgerRow | undefined> {
    return this.#db
      .selectFrom('backoff_ledgers')
      .selectAll()
      .where('book', '=', book)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  /**
   * Counts one failure atomically (any number of processes at once) and returns the count; a
   * ledger whose last failure is older than `forgetBeforeMs` and whose lock-out is over starts again at 1.
   */
  async fail(book: string, key: string, nowMs: number, forgetBeforeMs: number): Promise<number> {
    if (++this.#failWrites % SWEEP_EVERY === 0) {
      await this.#db
        .deleteFrom('backoff_ledgers')
        .where('book', '=', book)
        .where('last_failure_ms', '<', forgetBeforeMs)
        .where('locked_until_ms', '<', nowMs)
        .execute();
    }
    const stale = sql`(backoff_ledgers.last_failure_ms <= ${forgetBeforeMs} AND backoff_ledgers.locked_until_ms <= ${nowMs})`;
    const { rows } = await sql<{ failures: number }>`
      INSERT INTO backoff_ledgers (book, key, failures, last_failure_ms, locked_until_ms)
      VALUES (${book}, ${key}, 1, ${nowMs}, 0)
      ON CONFLICT (book, key) DO UPDATE SET
        failures = CASE WHEN ${stale} THEN 1 ELSE backoff_ledgers.failures + 1 END,
        locked_until_ms = CASE WHEN ${stale} THEN 0 ELSE backoff_ledgers.locked_until_ms END,
        last_failure_ms = ${nowMs}
      RETURNING failures`.execute(this.#db);
    return Number(rows[0]?.failures ?? 1);
  }

  /** Locks `key` until `untilMs` (never shortens a longer lock-out another process set). */
  async lockUntil(book: string, key: string, untilMs: number): Promise<void> {
    await this.#db
      .updateTable('backoff_ledgers')
      .set({ locked_until_ms: untilMs })
      .where('book', '=', book)
      .where('key', '=', key)
      .where('locked_until_ms', '<', untilMs)
      .execute();
  }

  async clearFailures(book: string, key: string): Promise<void> {
    await this.#db.deleteFrom('backoff_ledgers').where('book', '=', book).where('key', '=', key).execute();
  }

  // ---- logins in flight ----

  /**
   * Stores a login in flight. Every {@link SWEEP_EVERY} writes, expired rows go, and with `max`
   * the oldest rows of the kind past `max` (so a flood of started logins stays bounded).
   */
  async putPending(row: AccessPendingRow, nowMs: number, max?: number): Promise<void> {
    if (++this.#pendingWrites % SWEEP_EVERY === 0) {
      await this.#db.deleteFrom('access_pending').where('expires_ms', '<=', nowMs).execute();
      if (max !== undefined) {
        const cut = await this.#db
          .selectFrom('access_pending')
          .select('expires_ms')
          .where('kind', '=', row.kind)
          .orderBy('expires_ms', 'desc')
          .offset(max - 1)
          .limit(1)
          .executeTakeFirst();
        if (cut !== undefined) {
          await this.#db
            .deleteFrom('access_pending')
            .where('kind', '=', row.kind)
            .where('expires_ms', '<=', cut.expires_ms)
            .execute();
        }
      }
    }
    await this.#db.insertInto('access_pending').values(row).execute();
  }

  pending(kind: string, id: string): Promise<AccessPendingRow | undefined> {
    return this.#db
      .selectFrom('access_pending')
      .selectAll()
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Rows of `kind` not expired at `nowMs` (with `secretHash`: only those). */
  async countPending(kind: string, nowMs: number, secretHash?: string): Promise<number> {
    let q = this.#db
      .selectFrom('access_pending')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('expires_ms', '>', nowMs);
    if (secretHash !== undefined) q = q.where('secret_hash', '=', secretHash);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  /** Deletes it; true only for the one caller (of any process) that did. */
  async takePending(kind: string, id: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('access_pending')
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Counts one wrong try; returns the new count (undefined when the row is gone). */
  async attemptPending(kind: string, id: string): Promise<number | undefined> {
    const r = await this.#db
      .updateTable('access_pending')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('kind', '=', kind)
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    return r === undefined ? undefined : Number(r.attempts);
  }

  // ---- running-tunnel slots ----

  /**
   * Admits `tunnelId` when its account runs fewer than `max` tunnels (recorded links, slots held
   * by other processes' fresh admissions, and `alsoRunning`), and holds its slot until `untilMs`.
   * One transaction under a per-account lock, so two processes cannot both take the last slot.
   */
  reserveTunnel(
    accountId: string,
    tunnelId: string,
    max: number,
    nowMs: number,
    untilMs: number,
    alsoRunning: Iterable<string>,
  ): Promise<TunnelSlot> {
    return this.#db.transaction().execute(async (trx) => {
      if (this.#postgres) {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`warren.tunnel-limit.${accountId}`}))`.execute(trx);
      }
      await trx.deleteFrom('tunnel_slots').where('account_id', '=', accountId).where('until_ms', '<', nowMs).execute();
      const running = new Set(alsoRunning);
      const linked = await trx
        .selectFrom('tunnel_connections')
        .select('tunnel_id')
        .distinct()
        .where('account_id', '=', accountId)
        .execute();
      for (const r of linked) running.add(r.tunnel_id);
      const held = await trx
        .selectFrom('tunnel_slots')
        .select('tunnel_id')
        .where('account_id', '=', accountId)
        .execute();
      for (const r of held) running.add(r.tunnel_id);
      if (!running.has(tunnelId) && running.size >= max) return { ok: false, running: running.size };
      await trx
        .insertInto('tunnel_slots')
        .values({ account_id: accountId, tunnel_id: tunnelId, until_ms: untilMs })
        .onConflict((oc) => oc.columns(['account_id', 'tunnel_id']).doUpdateSet({ until_ms: untilMs }))
        .execute();
      return { ok: true };
    });
  }
}
