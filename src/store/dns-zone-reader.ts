import type { Kysely } from 'kysely';
import type { Database, DnsRecordRow, ZoneRow } from './schema.js';

export type ServedZone = Pick<ZoneRow, 'id' | 'account_id' | 'name' | 'paused' | 'modified_on'>;
export type ServedRecord = Pick<
  DnsRecordRow,
  'zone_id' | 'name' | 'type' | 'content' | 'proxied' | 'ttl' | 'priority' | 'data' | 'modified_on'
>;

/**
 * What the authoritative DNS server answers from: zones on full setup that are active, and
 * their records, in two queries. Pending and partial zones are not ours to answer for.
 */
export class DnsZoneReader {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async snapshot(): Promise<{ zones: ServedZone[]; records: ServedRecord[] }> {
    const zones = await this.#db
      .selectFrom('zones')
      .select(['id', 'account_id', 'name', 'paused', 'modified_on'])
      .where('type', '=', 'full')
      .where('status', '=', 'active')
      .execute();
    if (zones.length === 0) return { zones, records: [] };
    const records = await this.#db
      .selectFrom('dns_records')
      .innerJoin('zones', 'zones.id', 'dns_records.zone_id')
      .select([
        'dns_records.zone_id',
        'dns_records.name',
        'dns_records.type',
        'dns_records.content',
        'dns_records.proxied',
        'dns_records.ttl',
        'dns_records.priority',
        'dns_records.data',
        'dns_records.modified_on',
      ])
      .where('zones.type', '=', 'full')
      .where('zones.status', '=', 'active')
      .execute();
    return { zones, records };
  }
}
