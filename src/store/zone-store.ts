import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../time/index.js';
import { newId } from './ids.js';
import type { Database, DnsRecordRow, ZoneRow } from './schema/schema.js';

export interface Page {
  page: number;
  perPage: number;
}

export interface Paged<T> {
  rows: T[];
  total: number;
}

export interface RecordFilter {
  name?: string | undefined;
  type?: string | undefined;
  content?: string | undefined;
  proxied?: boolean | undefined;
  comment?: string | undefined;
  /** Case-insensitive substring of the name, content or comment; always ANDed with the rest. */
  search?: string | undefined;
  /** `any`: a record passes when one of name/type/content/proxied/comment matches (Cloudflare's `match`). */
  match?: 'all' | 'any' | undefined;
  order?: RecordOrder | undefined;
  direction?: 'asc' | 'desc' | undefined;
}

export const RECORD_ORDERS = ['type', 'name', 'content', 'ttl', 'proxied'] as const;
export type RecordOrder = (typeof RECORD_ORDERS)[number];

/** `s` as a LIKE pattern that matches it literally anywhere (`%`, `_` and `\` escaped). */
function containsPattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export type NewRecord = Omit<DnsRecordRow, 'id' | 'created_on' | 'modified_on'>;
export type RecordChange = Partial<Omit<DnsRecordRow, 'id' | 'zone_id' | 'account_id' | 'created_on'>>;

/** The TXT value a partial zone proves ownership with. */
function newVerificationKey(): string {
  return `warren-verify=${randomBytes(16).toString('hex')}`;
}

/** Zones and their DNS records. */
export class ZoneStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /**
   * A new zone: partial zones wait for their TXT verification, full zones for their NS
   * delegation (`activation_check`), unless `activate` (a loopback-only deployment, where nobody
   * else can reach the edge) makes a full zone active at once.
   */
  async createZone(input: {
    accountId: string;
    name: string;
    type: ZoneRow['type'];
    activate?: boolean;
  }): Promise<ZoneRow> {
    const now = this.#clock.now().toISOString();
    const active = input.type === 'full' && input.activate === true;
    const row: ZoneRow = {
      id: newId(),
      account_id: input.accountId,
      name: input.name,
      type: input.type,
      status: active ? 'active' : 'pending',
      verification_key: input.type === 'partial' ? newVerificationKey() : null,
      created_on: now,
      modified_on: now,
      verification_checked_on: null,
      activated_on: active ? now : null,
      paused: 0,
      pending_since: active ? null : now,
    };
    await this.#db.insertInto('zones').values(row).execute();
    return row;
  }

  zoneNamed(name: string): Promise<ZoneRow | undefined> {
    return this.#db.selectFrom('zones').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Partial zones still waiting for their TXT verification, oldest first. */
  pendingPartialZones(): Promise<ZoneRow[]> {
    return this.#db
      .selectFrom('zones')
      .selectAll()
      .where('type', '=', 'partial')
      .where('status', '=', 'pending')
      .orderBy('created_on')
      .execute();
  }

  /** Full zones still waiting for their NS delegation, oldest first. */
  pendingFullZones(): Promise<ZoneRow[]> {
    return this.#db
      .selectFrom('zones')
      .selectAll()
      .where('type', '=', 'full')
      .where('status', '=', 'pending')
      .orderBy('created_on')
      .execute();
  }

  async markVerificationChecked(id: string): Promise<void> {
    await this.#db
      .updateTable('zones')
      .set({ verification_checked_on: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** pending → active; false when the zone was not pending any more (another process got there first). */
  async activateZone(id: string): Promise<boolean> {
    const now = this.#clock.now().toISOString();
    const r = await this.#db
      .updateTable('zones')
      .set({ status: 'active', activated_on: now, verification_checked_on: now, modified_on: now, pending_since: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * PATCH /zones/{z}: `paused`, and `type` (a switch to partial starts a new verification; a
   * switch to full keeps an active zone active, and leaves a pending one pending unless `activate`).
   */
  async updateZone(id: string, change: { paused?: boolean; type?: ZoneRow['type'] }, activate = false): Promise<void> {
    const now = this.#clock.now().toISOString();
    const typeChange: Partial<ZoneRow> =
      change.type === undefined
        ? {}
        : change.type === 'full'
          ? {
              type: 'full',
              verification_key: null,
              ...(activate ? { status: 'active' as const, activated_on: now, pending_since: null } : {}),
            }
          : {
              type: 'partial',
              status: 'pending',
              verification_key: newVerificationKey(),
              verification_checked_on: null,
              activated_on: null,
              pending_since: now,
            };
    await this.#db
      .updateTable('zones')
      .set({
        ...typeChange,
        ...(change.paused === undefined ? {} : { paused: change.paused ? 1 : 0 }),
        modified_on: now,
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Takes the zone-ownership lock for the rest of the transaction (see migration 0004): call it
   * first in every transaction that creates a zone or changes its account, before the overlap check.
   */
  async lockOwnership(): Promise<void> {
    await this.#db
      .updateTable('zone_ownership_lock')
      .set({ generation: sql<number>`generation + 1` })
      .where('id', '=', 1)
      .execute();
  }

  /**
   * Zones that equal `name`, contain it (its parents) or lie inside it (its children), of any
   * account: what the ownership rule compares a new zone with.
   */
  async zonesOverlapping(name: string): Promise<ZoneRow[]> {
    const labels = name.split('.');
    const parents = labels.map((_, i) => labels.slice(i).join('.'));
    // `_` is a LIKE wildcard and legal in DNS names: escape it (and `%`, `\`) for the child match.
    const escaped = name.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.#db
      .selectFrom('zones')
      .selectAll()
      .where((eb) => eb.or([eb('name', 'in', parents), sql<boolean>`name like ${`%.${escaped}`} escape '\\'`]))
      .execute();
  }

  /**
   * Pending zones whose reservation began before `before` (ISO time): expired, they no longer
   * hold their name. A row without `pending_since` counts from its creation.
   */
  expiredPendingZones(before: string): Promise<ZoneRow[]> {
    return this.#db
      .selectFrom('zones')
      .selectAll()
      .where('status', '=', 'pending')
      .where((eb) => eb(eb.fn.coalesce('pending_since', 'created_on'), '<', before))
      .orderBy('created_on')
      .execute();
  }

  /** Every zone's name, account and state: what the longest-zone ownership rule looks at. */
  allZones(): Promise<ZoneRow[]> {
    return this.#db.selectFrom('zones').selectAll().execute();
  }

  /** Hands the zone and its records to another account (`warren admin move-zone`). */
  async moveZone(id: string, accountId: string): Promise<void> {
    const now = this.#clock.now().toISOString();
    await this.#db.updateTable('zones').set({ account_id: accountId, modified_on: now }).where('id', '=', id).execute();
    await this.#db
      .updateTable('dns_records')
      .set({ account_id: accountId, modified_on: now })
      .where('zone_id', '=', id)
      .execute();
  }

  zone(id: string): Promise<ZoneRow | undefined> {
    return this.#db.selectFrom('zones').selectAll().where('id', '=', id).executeTakeFirst();
  }

  zonesOfAccount(accountId: string): Promise<ZoneRow[]> {
    return this.#db.selectFrom('zones').selectAll().where('account_id', '=', accountId).execute();
  }

  /**
   * The CNAME records of an account's zones whose content is `target` (a tunnel's DNS routes),
   * grouped by zone; zones without one are left out. At most `limit` records in all.
   */
  async cnamesTo(
    accountId: string,
    target: string,
    limit: number,
  ): Promise<{ zone: ZoneRow; records: DnsRecordRow[] }[]> {
    const [zones, records] = await Promise.all([
      this.zonesOfAccount(accountId),
      this.#db
        .selectFrom('dns_records')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('type', '=', 'CNAME')
        .where('content', '=', target)
        .orderBy('name')
        .limit(limit)
        .execute(),
    ]);
    return zones
      .map((zone) => ({ zone, records: records.filter((r) => r.zone_id === zone.id) }))
      .filter((z) => z.records.length > 0);
  }

  /** Deletes the zone and all its records. */
  async deleteZone(id: string): Promise<void> {
    await this.#db.deleteFrom('dns_records').where('zone_id', '=', id).execute();
    await this.#db.deleteFrom('zone_settings').where('zone_id', '=', id).execute();
    await this.#db.deleteFrom('zones').where('id', '=', id).execute();
  }

  async createRecord(input: NewRecord): Promise<DnsRecordRow> {
    const now = this.#clock.now().toISOString();
    const row: DnsRecordRow = { id: newId(), ...input, created_on: now, modified_on: now };
    await this.#db.insertInto('dns_records').values(row).execute();
    return row;
  }

  record(zoneId: string, id: string): Promise<DnsRecordRow | undefined> {
    return this.#db
      .selectFrom('dns_records')
      .selectAll()
      .where('zone_id', '=', zoneId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  recordsNamed(zoneId: string, name: string): Promise<DnsRecordRow[]> {
    return this.#db
      .selectFrom('dns_records')
      .selectAll()
      .where('zone_id', '=', zoneId)
      .where('name', '=', name)
      .execute();
  }

  async records(zoneId: string, filter: RecordFilter, page: Page): Promise<Paged<DnsRecordRow>> {
    let q = this.#db.selectFrom('dns_records').where('zone_id', '=', zoneId);
    q = q.where((eb) => {
      const terms = [
        filter.name === undefined ? undefined : eb('name', '=', filter.name),
        filter.type === undefined ? undefined : eb('type', '=', filter.type as DnsRecordRow['type']),
        filter.content === undefined ? undefined : eb('content', '=', filter.content),
        filter.proxied === undefined ? undefined : eb('proxied', '=', filter.proxied ? 1 : 0),
        filter.comment === undefined ? undefined : eb('comment', '=', filter.comment),
      ].filter((t) => t !== undefined);
      if (terms.length === 0) return eb.lit(true);
      return filter.match === 'any' ? eb.or(terms) : eb.and(terms);
    });
    if (filter.search !== undefined && filter.search !== '') {
      const like = containsPattern(filter.search);
      // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's only for non-ASCII.
      q = q.where((eb) =>
        eb.or(
          (['name', 'content', 'comment'] as const).map(
            (c) => sql<boolean>`lower(coalesce(${eb.ref(c)}, '')) like ${like} escape '\\'`,
          ),
        ),
      );
    }
    const total = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const dir = filter.direction ?? 'asc';
    const order = filter.order ?? 'type';
    const rows = await q
      .selectAll()
      .orderBy(order, dir)
      .orderBy('name', dir)
      .orderBy('id')
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute();
    return { rows, total: Number(total.n) };
  }

  async updateRecord(id: string, change: RecordChange): Promise<void> {
    await this.#db
      .updateTable('dns_records')
      .set({ ...change, modified_on: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async deleteRecord(id: string): Promise<void> {
    await this.#db.deleteFrom('dns_records').where('id', '=', id).execute();
  }

  /** Everything the edge's host router needs, in three queries. */
  async routingSnapshot(): Promise<{
    zones: Pick<ZoneRow, 'id' | 'account_id' | 'name' | 'paused' | 'status'>[];
    cnames: Pick<DnsRecordRow, 'zone_id' | 'account_id' | 'name' | 'content' | 'proxied'>[];
    tunnels: { id: string; account_id: string }[];
  }> {
    const [zones, cnames, tunnels] = await Promise.all([
      this.#db.selectFrom('zones').select(['id', 'account_id', 'name', 'paused', 'status']).execute(),
      this.#db
        .selectFrom('dns_records')
        .select(['zone_id', 'account_id', 'name', 'content', 'proxied'])
        .where('type', '=', 'CNAME')
        .execute(),
      this.#db.selectFrom('tunnels').select(['id', 'account_id']).where('deleted_at', 'is', null).execute(),
    ]);
    return { zones, cnames, tunnels };
  }
}
