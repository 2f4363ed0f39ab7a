import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import type { AcmeAccountRow, AcmeNameRow, AcmeOrderRow } from './schema/edge-certificate-rows.js';
import type { Database } from './schema/schema.js';
import { isUniqueViolation } from './unique-violation.js';

const DNS_CHALLENGE_PREFIX = 'dns-01:';

/** The acme_challenges key of a DNS-01 TXT value for `record` (`_acme-challenge.example.com`). */
export function dnsChallengeKey(record: string, token: string): string {
  return `${DNS_CHALLENGE_PREFIX}${record.toLowerCase()}:${token}`;
}

/** ACME's shared state: the account key, each name's state and backoff, orders placed, HTTP-01 tokens. */
export class AcmeStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  account(directory: string): Promise<AcmeAccountRow | undefined> {
    return this.#db.selectFrom('acme_accounts').selectAll().where('directory', '=', directory).executeTakeFirst();
  }

  /** Stores the account key unless another process stored one first; returns the one in force. */
  async saveAccount(row: AcmeAccountRow): Promise<AcmeAccountRow> {
    try {
      await this.#db.insertInto('acme_accounts').values(row).execute();
      return row;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return (await this.account(row.directory)) ?? row;
    }
  }

  /**
   * Names visitors reach over the edge in active, unpaused zones: proxied records (tunnel routes
   * are proxied CNAMEs) and Access application domains (without their path). Wildcard records
   * (`*.example.com`) count in full zones only (DNS-01 through warren's DNS proves them).
   */
  async servedNames(): Promise<{ name: string; zoneId: string; accountId: string }[]> {
    const zones = await this.#db
      .selectFrom('zones')
      .select(['id', 'name', 'account_id'])
      .where('status', '=', 'active')
      .where('paused', '=', 0)
      .execute();
    const records = await this.#db
      .selectFrom('dns_records')
      .innerJoin('zones', 'zones.id', 'dns_records.zone_id')
      .select(['dns_records.name as name', 'zones.id as zoneId', 'zones.account_id as accountId', 'zones.type as type'])
      .where('zones.status', '=', 'active')
      .where('zones.paused', '=', 0)
      .where('dns_records.proxied', '=', 1)
      .execute();
    const apps = await this.#db.selectFrom('access_apps').select(['domain', 'account_id']).execute();
    const out = new Map<string, { name: string; zoneId: string; accountId: string }>();
    for (const r of records) {
      // A wildcard is proved by DNS-01, which warren answers only for the full zones it serves.
      if (r.name.startsWith('*') && (r.type !== 'full' || !r.name.startsWith('*.') || r.name.indexOf('*', 1) >= 0)) {
        continue;
      }
      out.set(r.name, { name: r.name, zoneId: r.zoneId, accountId: r.accountId });
    }
    for (const a of apps) {
      const host = a.domain.split('/')[0] ?? '';
      if (host === '' || host.includes('*') || out.has(host)) continue;
      // The longest active zone of the app's account that holds the host.
      const zone = zones
        .filter((z) => z.account_id === a.account_id && (host === z.name || host.endsWith(`.${z.name}`)))
        .sort((x, y) => y.name.length - x.name.length)[0];
      if (zone !== undefined) out.set(host, { name: host, zoneId: zone.id, accountId: zone.account_id });
    }
    return [...out.values()];
  }

  names(): Promise<AcmeNameRow[]> {
    return this.#db.selectFrom('acme_names').selectAll().orderBy('name').execute();
  }

  name(name: string): Promise<AcmeNameRow | undefined> {
    return this.#db.selectFrom('acme_names').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Wants a certificate for `name` (no-op when already known). */
  async want(name: string, zoneId: string | null, accountId: string | null): Promise<void> {
    const now = this.#clock.now().toISOString();
    try {
      await this.#db
        .insertInto('acme_names')
        .values({
          name,
          zone_id: zoneId,
          account_id: accountId,
          state: 'pending',
          failures: 0,
          next_attempt_at: now,
          last_error: null,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  async update(
    name: string,
    change: Pick<AcmeNameRow, 'state' | 'failures' | 'next_attempt_at' | 'last_error'>,
  ): Promise<void> {
    await this.#db
      .updateTable('acme_names')
      .set({ ...change, updated_at: this.#clock.now().toISOString() })
      .where('name', '=', name)
      .execute();
  }

  async forget(name: string): Promise<void> {
    await this.#db.deleteFrom('acme_names').where('name', '=', name).execute();
  }

  async recordOrder(row: AcmeOrderRow): Promise<void> {
    await this.#db.insertInto('acme_orders').values(row).execute();
  }

  /** Orders placed since `since` by one account (null: warren's own names) and by one zone. */
  async ordersSince(
    since: Date,
    accountId: string | null,
    zoneId: string | null,
  ): Promise<{ account: number; zone: number }> {
    const iso = since.toISOString();
    const count = async (col: 'account_id' | 'zone_id', v: string | null): Promise<number> => {
      let q = this.#db.selectFrom('acme_orders').where('created_at', '>=', iso);
      q = v === null ? q.where(col, 'is', null) : q.where(col, '=', v);
      const r = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    };
    return { account: await count('account_id', accountId), zone: await count('zone_id', zoneId) };
  }

  async pruneOrders(before: Date): Promise<void> {
    await this.#db.deleteFrom('acme_orders').where('created_at', '<', before.toISOString()).execute();
  }

  async putChallenge(token: string, keyAuthorization: string): Promise<void> {
    await this.#db
      .insertInto('acme_challenges')
      .values({ token, key_authorization: keyAuthorization, created_at: this.#clock.now().toISOString() })
      .execute();
  }

  async challenge(token: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('acme_challenges')
      .select('key_authorization')
      .where('token', '=', token)
      .executeTakeFirst();
    return row?.key_authorization;
  }

  /**
   * DNS-01 TXT values in flight (rows keyed `dns-01:<record name>:<token>`, which the HTTP-01
   * path never matches), for warren's DNS to serve at `_acme-challenge.<name>`.
   */
  async dnsChallenges(): Promise<{ name: string; value: string }[]> {
    const rows = await this.#db
      .selectFrom('acme_challenges')
      .select(['token', 'key_authorization'])
      .where('token', 'like', `${DNS_CHALLENGE_PREFIX}%`)
      .execute();
    return rows.map((r) => ({
      name: r.token.slice(DNS_CHALLENGE_PREFIX.length, r.token.lastIndexOf(':')),
      value: r.key_authorization,
    }));
  }

  async dropChallenge(token: string): Promise<void> {
    await this.#db.deleteFrom('acme_challenges').where('token', '=', token).execute();
  }
}
