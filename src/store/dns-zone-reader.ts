import type { Kysely } from 'kysely';
import { owningZone } from './owning-zone.js';
import type { Database, DnsRecordRow, ZoneRow } from './schema/schema.js';

export type ServedZone = Pick<ZoneRow, 'id' | 'account_id' | 'name' | 'paused' | 'modified_on'>;
export type ServedRecord = Pick<
  DnsRecordRow,
  'zone_id' | 'name' | 'type' | 'content' | 'proxied' | 'ttl' | 'priority' | 'data' | 'modified_on'
>;

/**
 * What the authoritative DNS server answers from: zones on full setup and the records of the
 * active ones, in two queries. A pending full zone is served bare (its SOA and NS, no records):
 * a recursive resolver that the activation check asks follows the parent's delegation to us,
 * and must get an answer for the NS query rather than a refusal. Partial zones are not ours.
 */
export class DnsZoneReader {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async snapshot(): Promise<{ zones: ServedZone[]; records: ServedRecord[] }> {
    const rows = await this.#db
      .selectFrom('zones')
      .select(['id', 'account_id', 'name', 'paused', 'modified_on', 'status'])
      .where('type', '=', 'full')
      .where('status', 'in', ['active', 'pending'])
      .execute();
    // A pending zone never takes names over from an active zone around it (the longest *active* zone rule).
    // A pending zone at or below an active one is not served: the active zone owns its names.
    const zones: ServedZone[] = rows
      .filter((z) => z.status === 'active' || owningZone(z.name, rows) === undefined)
      .map(({ status: _status, ...z }) => z);
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
