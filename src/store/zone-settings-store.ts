import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { ZoneSettingRow } from './schema/edge-certificate-rows.js';
import type { Database } from './schema/schema.js';

/**
 * Zone settings the edge enforces (Cloudflare's `/zones/{z}/settings/{name}`). A zone without a
 * row for a setting has Cloudflare's default. Writers publish `zone_settings` after they commit.
 */
export class ZoneSettingsStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  forZone(zoneId: string): Promise<ZoneSettingRow[]> {
    return this.#db.selectFrom('zone_settings').selectAll().where('zone_id', '=', zoneId).orderBy('name').execute();
  }

  /** Every setting of every active, unpaused zone, with the zone's name (the edge's table). */
  served(): Promise<(ZoneSettingRow & { zone_name: string })[]> {
    return this.#db
      .selectFrom('zone_settings')
      .innerJoin('zones', 'zones.id', 'zone_settings.zone_id')
      .selectAll('zone_settings')
      .select('zones.name as zone_name')
      .where('zones.status', '=', 'active')
      .where('zones.paused', '=', 0)
      .execute();
  }

  /** Sets one setting (insert or replace); returns the row written. */
  async put(zoneId: string, name: string, value: unknown): Promise<ZoneSettingRow> {
    const row: ZoneSettingRow = {
      zone_id: zoneId,
      name,
      value: JSON.stringify(value),
      modified_on: this.#clock.now().toISOString(),
    };
    await this.#db.deleteFrom('zone_settings').where('zone_id', '=', zoneId).where('name', '=', name).execute();
    await this.#db.insertInto('zone_settings').values(row).execute();
    return row;
  }
}
