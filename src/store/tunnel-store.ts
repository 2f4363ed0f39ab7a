import { type Kysely, sql } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, TunnelConnectionRow, TunnelRow } from './schema/schema.js';
import type { Page, Paged } from './zone-store.js';

export interface TunnelFilter {
  name?: string | undefined;
  /** undefined: all; false: live only; true: deleted only. */
  isDeleted?: boolean | undefined;
  uuid?: string | undefined;
  /** Names starting with this (case-sensitive, no wildcards). */
  namePrefix?: string | undefined;
  /** Names not starting with this. */
  excludePrefix?: string | undefined;
  /** Tunnels that existed at this ISO time: created by then, and not deleted by then. */
  existedAt?: string | undefined;
}

/** Named tunnels and their live connections (one row per registered edge link). */
export class TunnelStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async createTunnel(
    row: Omit<TunnelRow, 'created_at' | 'deleted_at' | 'conns_active_at' | 'conns_inactive_at'>,
  ): Promise<TunnelRow> {
    const full: TunnelRow = {
      ...row,
      created_at: this.#clock.now().toISOString(),
      deleted_at: null,
      conns_active_at: null,
      conns_inactive_at: null,
    };
    await this.#db.insertInto('tunnels').values(full).execute();
    return full;
  }

  /** Any tunnel by id, deleted or not (the edge checks the account and deletion itself). */
  tunnel(id: string): Promise<TunnelRow | undefined> {
    return this.#db.selectFrom('tunnels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  tunnelOf(accountId: string, id: string): Promise<TunnelRow | undefined> {
    return this.#db
      .selectFrom('tunnels')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async tunnels(accountId: string, filter: TunnelFilter, page: Page): Promise<Paged<TunnelRow>> {
    let q = this.#db.selectFrom('tunnels').where('account_id', '=', accountId);
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.uuid !== undefined) q = q.where('id', '=', filter.uuid);
    if (filter.isDeleted === true) q = q.where('deleted_at', 'is not', null);
    if (filter.isDeleted === false) q = q.where('deleted_at', 'is', null);
    // substr, not LIKE: a prefix with % or _ means itself, and SQLite's LIKE ignores case.
    const prefix = filter.namePrefix;
    if (prefix !== undefined) q = q.where(sql<string>`substr(name, 1, ${prefix.length})`, '=', prefix);
    const exclude = filter.excludePrefix;
    if (exclude !== undefined) q = q.where(sql<string>`substr(name, 1, ${exclude.length})`, '<>', exclude);
    const at = filter.existedAt;
    if (at !== undefined) {
      q = q
        .where('created_at', '<=', at)
        .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '>', at)]));
    }
    const total = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute();
    return { rows, total: Number(total.n) };
  }

  async rename(id: string, name: string): Promise<void> {
    await this.#db.updateTable('tunnels').set({ name }).where('id', '=', id).execute();
  }

  /** A new secret: registrations from then on must prove this one. */
  async setSecret(id: string, secretSealed: string, secretFingerprint: string): Promise<void> {
    await this.#db
      .updateTable('tunnels')
      .set({ secret_sealed: secretSealed, secret_fingerprint: secretFingerprint })
      .where('id', '=', id)
      .execute();
  }

  async softDelete(id: string): Promise<void> {
    await this.#db
      .updateTable('tunnels')
      .set({ deleted_at: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async addConnection(row: TunnelConnectionRow): Promise<void> {
    await this.#db.insertInto('tunnel_connections').values(row).execute();
    await this.#db
      .updateTable('tunnels')
      .set({ conns_active_at: row.opened_at, conns_inactive_at: null })
      .where('id', '=', row.tunnel_id)
      .execute();
  }

  async removeConnection(id: string, tunnelId: string): Promise<void> {
    await this.#db.deleteFrom('tunnel_connections').where('id', '=', id).execute();
    const left = await this.connections(tunnelId);
    if (left.length === 0) {
      await this.#db
        .updateTable('tunnels')
        .set({ conns_inactive_at: this.#clock.now().toISOString() })
        .where('id', '=', tunnelId)
        .execute();
    }
  }

  /** Forgets the connections an edge held before it restarted (it has none now). */
  async clearEdge(edgeName: string): Promise<void> {
    const rows = await this.#db
      .selectFrom('tunnel_connections')
      .select(['id', 'tunnel_id'])
      .where('edge_name', '=', edgeName)
      .execute();
    for (const r of rows) await this.removeConnection(r.id, r.tunnel_id);
  }

  connections(tunnelId: string): Promise<TunnelConnectionRow[]> {
    return this.#db
      .selectFrom('tunnel_connections')
      .selectAll()
      .where('tunnel_id', '=', tunnelId)
      .orderBy('connector_id')
      .orderBy('conn_index')
      .execute();
  }

  /** The connections one edge recorded (of one tunnel when given): what it reconciles with its live links. */
  connectionsOfEdge(edgeName: string, tunnelId?: string): Promise<TunnelConnectionRow[]> {
    let q = this.#db.selectFrom('tunnel_connections').selectAll().where('edge_name', '=', edgeName);
    if (tunnelId !== undefined) q = q.where('tunnel_id', '=', tunnelId);
    return q.execute();
  }

  connectionsOfTunnels(tunnelIds: readonly string[]): Promise<TunnelConnectionRow[]> {
    if (tunnelIds.length === 0) return Promise.resolve([]);
    return this.#db.selectFrom('tunnel_connections').selectAll().where('tunnel_id', 'in', tunnelIds).execute();
  }

  /** Ids of the account's tunnels that have at least one live connection on any edge. */
  async runningTunnels(accountId: string): Promise<Set<string>> {
    const rows = await this.#db
      .selectFrom('tunnel_connections')
      .select('tunnel_id')
      .distinct()
      .where('account_id', '=', accountId)
      .execute();
    return new Set(rows.map((r) => r.tunnel_id));
  }
}
