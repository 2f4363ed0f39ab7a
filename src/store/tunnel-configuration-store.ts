import { type Kysely, sql } from 'kysely';
import type { Clock } from '../time/index.js';
import type { Database, TunnelConfigurationReportRow, TunnelConfigurationRow } from './schema/schema.js';

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

  /**
   * Records what a connector did with a pushed version (its newest report replaces the older),
   * and drops the reports of connectors of the tunnel that no longer have a connection.
   */
  async report(row: Omit<TunnelConfigurationReportRow, 'reported_at'>): Promise<void> {
    const reported_at = this.#clock.now().toISOString();
    await this.#db
      .insertInto('tunnel_configuration_reports')
      .values({ ...row, reported_at })
      .onConflict((oc) =>
        oc.columns(['tunnel_id', 'connector_id']).doUpdateSet({
          version: (eb) => eb.ref('excluded.version'),
          state: (eb) => eb.ref('excluded.state'),
          running_version: (eb) => eb.ref('excluded.running_version'),
          reason: (eb) => eb.ref('excluded.reason'),
          reported_at: (eb) => eb.ref('excluded.reported_at'),
        }),
      )
      .execute();
    await this.#db
      .deleteFrom('tunnel_configuration_reports')
      .where('tunnel_id', '=', row.tunnel_id)
      .where('connector_id', '!=', row.connector_id)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('tunnel_connections')
              .select('tunnel_connections.id')
              .whereRef('tunnel_connections.tunnel_id', '=', 'tunnel_configuration_reports.tunnel_id')
              .whereRef('tunnel_connections.connector_id', '=', 'tunnel_configuration_reports.connector_id'),
          ),
        ),
      )
      .execute();
  }

  /** The reports of the tunnel's connected connectors, by connector id. */
  reportsOf(tunnelId: string): Promise<TunnelConfigurationReportRow[]> {
    return this.#db
      .selectFrom('tunnel_configuration_reports')
      .selectAll()
      .where('tunnel_id', '=', tunnelId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('tunnel_connections')
            .select('tunnel_connections.id')
            .whereRef('tunnel_connections.tunnel_id', '=', 'tunnel_configuration_reports.tunnel_id')
            .whereRef('tunnel_connections.connector_id', '=', 'tunnel_configuration_reports.connector_id'),
        ),
      )
      .orderBy('connector_id')
      .execute();
  }
}
