import { type Kysely, sql } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, TunnelConfigurationRow } from './schema.js';

/** How many tunnel ids one `versionsOf` query names (PostgreSQL and SQLite both take this many parameters easily). */
const IDS_PER_QUERY = 500;

/** Remotely-managed tunnel configurations: one row per tunnel, its version bumped by each write. */
export class TunnelConfigurationStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** The tunnel's current configuration, or undefined when it was never configured remotely. */
  current(tunnelId: string): Promise<TunnelConfigurationRow | undefined> {
    return this.#db
      .selectFrom('tunnel_configurations')
      .selectAll()
      .where('tunnel_id', '=', tunnelId)
      .executeTakeFirst();
  }

  /**
   * Stores a new version: 1 for the first, one more than the stored one after. One statement
   * (insert or bump), so concurrent writers on PostgreSQL each get their own number.
   */
  async put(tunnelId: string, accountId: string, config: string): Promise<TunnelConfigurationRow> {
    const now = this.#clock.now().toISOString();
    return this.#db
      .insertInto('tunnel_configurations')
      .values({ tunnel_id: tunnelId, account_id: accountId, version: 1, config, created_at: now })
      .onConflict((oc) =>
        oc.column('tunnel_id').doUpdateSet({
          version: sql<number>`tunnel_configurations.version + 1`,
          config: (eb) => eb.ref('excluded.config'),
          created_at: (eb) => eb.ref('excluded.created_at'),
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The tunnel's ingress is managed here from now on (`config_src: cloudflare`, shown as `remote_config`). */
  async markRemote(tunnelId: string): Promise<void> {
    await this.#db.updateTable('tunnels').set({ config_src: 'cloudflare' }).where('id', '=', tunnelId).execute();
  }

  /** Current versions of the tunnels that have a configuration (the others are left out). */
  async versionsOf(tunnelIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < tunnelIds.length; i += IDS_PER_QUERY) {
      const ids = tunnelIds.slice(i, i + IDS_PER_QUERY);
      const rows = await this.#db
        .selectFrom('tunnel_configurations')
        .select(['tunnel_id', 'version'])
        .where('tunnel_id', 'in', ids)
        .execute();
      for (const r of rows) out.set(r.tunnel_id, Number(r.version));
    }
    return out;
  }
}
