import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { ClassicRecordRow, Database } from './schema/schema.js';

/** DNS records created for classic (`--hostname`) tunnels, remembered so the cleanup job deletes only those. */
export class ClassicRecordStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async add(row: Omit<ClassicRecordRow, 'created_on'>): Promise<void> {
    await this.#db
      .insertInto('classic_records')
      .values({ ...row, created_on: this.#clock.now().toISOString() })
      .execute();
  }

  ofTunnel(tunnelId: string): Promise<ClassicRecordRow[]> {
    return this.#db.selectFrom('classic_records').selectAll().where('tunnel_id', '=', tunnelId).execute();
  }

  /**
   * Records whose tunnel has no live connection, with the moment the tunnel went quiet
   * (its last unregistration, or its creation when it never connected).
   */
  async idle(): Promise<(ClassicRecordRow & { quiet_since: string })[]> {
    const rows = await this.#db
      .selectFrom('classic_records')
      .innerJoin('tunnels', 'tunnels.id', 'classic_records.tunnel_id')
      .selectAll('classic_records')
      .select(['tunnels.conns_inactive_at', 'tunnels.conns_active_at', 'tunnels.created_at'])
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('tunnel_connections')
              .select('tunnel_connections.id')
              .whereRef('tunnel_connections.tunnel_id', '=', 'classic_records.tunnel_id'),
          ),
        ),
      )
      .execute();
    return rows.map(({ conns_inactive_at, conns_active_at, created_at, ...r }) => ({
      ...r,
      quiet_since: conns_inactive_at ?? (conns_active_at === null ? created_at : conns_active_at),
    }));
  }

  async remove(recordId: string): Promise<void> {
    await this.#db.deleteFrom('classic_records').where('record_id', '=', recordId).execute();
  }
}
