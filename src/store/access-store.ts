import type { Kysely } from 'kysely';
import type { Clock } from './clock.js';
import type {
  AccessAppPolicyRow,
  AccessAppRow,
  AccessGroupRow,
  AccessIdentityProviderRow,
  AccessKeyRow,
  AccessKeySettingsRow,
  AccessOrganizationRow,
  AccessPolicyRow,
  AccessServiceTokenRow,
  Database,
} from './schema.js';

/**
 * Access: signing keys and their rotation settings, applications, policies and service tokens.
 * Every query is scoped by account id: another account's rows are invisible here.
 */
export class AccessStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  // ---- signing keys ----

  async insertKey(row: AccessKeyRow): Promise<void> {
    await this.#db.insertInto('access_keys').values(row).execute();
  }

  /** Keys that verify at `at`: the current one first, then the next one, then retired ones inside their overlap. */
  async liveKeys(accountId: string, at: Date): Promise<AccessKeyRow[]> {
    const iso = at.toISOString();
    const rows = await this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', iso)]))
      .orderBy('created_at', 'desc')
      .execute();
    const rank = (k: AccessKeyRow): number => (k.retired_at !== null ? 2 : k.activated_at === null ? 1 : 0);
    return rows.sort((a, b) => rank(a) - rank(b));
  }

  /** The key that signs now (activated, not retired). */
  currentKey(accountId: string): Promise<AccessKeyRow | undefined> {
    return this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('retired_at', 'is', null)
      .where('activated_at', 'is not', null)
      .orderBy('activated_at', 'desc')
      .executeTakeFirst();
  }

  /** The published key the next rotation promotes. */
  nextKey(accountId: string): Promise<AccessKeyRow | undefined> {
    return this.#db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('activated_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
  }

  async activateKey(kid: string, at: Date): Promise<void> {
    await this.#db.updateTable('access_keys').set({ activated_at: at.toISOString() }).where('kid', '=', kid).execute();
  }

  /** Retires the current key(s): they verify until `until`. */
  async retireCurrentKeys(accountId: string, until: Date): Promise<void> {
    await this.#db
      .updateTable('access_keys')
      .set({ retired_at: this.#clock.now().toISOString(), expires_at: until.toISOString() })
      .where('account_id', '=', accountId)
      .where('retired_at', 'is', null)
      .where('activated_at', 'is not', null)
      .execute();
  }

  async deleteExpiredKeys(at: Date): Promise<number> {
    const r = await this.#db
      .deleteFrom('access_keys')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', at.toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  keySettings(accountId: string): Promise<AccessKeySettingsRow | undefined> {
    return this.#db
      .selectFrom('access_key_settings')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
  }

  async putKeySettings(row: AccessKeySettingsRow): Promise<void> {
    await this.#db
      .insertInto('access_key_settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({
          key_rotation_interval_days: row.key_rotation_interval_days,
          last_key_rotation_at: row.last_key_rotation_at,
        }),
      )
      .execute();
  }

  /** Accounts that have a current key: the rotation job's candidates. */
  async accountsWithKeys(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('access_keys')
      .select('account_id')
      .where('retired_at', 'is', null)
      .groupBy('account_id')
      .execute();
    return rows.map((r) => r.account_id);
  }

  // ---- applications ----

  async insertApp(row: AccessAppRow): Promise<void> {
    await this.#db.insertInto('access_apps').values(row).execute();
  }

  app(accountId: string, id: string): Promise<AccessAppRow | undefined> {
    return this.#db
      .selectFrom('access_apps')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  apps(accountId: string): Promise<AccessAppRow[]> {
    return this.#db
      .selectFrom('access_apps')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  }

  /** Every account's apps: the gate's cache loads them all at once. */
  allApps(): Promise<AccessAppRow[]> {
    return this.#db.selectFrom('access_apps').selectAll().orderBy('created_at').execute();
  }

  async updateApp(accountId: string, id: string, domain: string, data: string): Promise<void> {
    await this.#db
      .updateTable('access_apps')
      .set({ domain, data, updated_at: this.#clock.now().toISOString() })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async deleteApp(accountId: string, id: string): Promise<boolean> {
    await this.#db.deleteFrom('access_app_policies').where('app_id', '=', id).execute();
    await this.#db.deleteFrom('access_policies').where('account_id', '=', accountId).where('app_id', '=', id).execute();
    const r = await this.#db
      .deleteFrom('access_apps')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- policies (app-scoped: app_id set; reusable: app_id null) ----

  async insertPolicy(row: AccessPolicyRow): Promise<void> {
    await this.#db.insertInto('access_policies').values(row).execute();
  }

  policy(accountId: string, appId: string | null, id: string): Promise<AccessPolicyRow | undefined> {
    let q = this.#db.selectFrom('access_policies').selectAll().where('account_id', '=', accountId).where('id', '=', id);
    q = appId === null ? q.where('app_id', 'is', null) : q.where('app_id', '=', appId);
    return q.executeTakeFirst();
  }

  policies(accountId: string, appId: string | null): Promise<AccessPolicyRow[]> {
    let q = this.#db.selectFrom('access_policies').selectAll().where('account_id', '=', accountId);
    q = appId === null ? q.where('app_id', 'is', null) : q.where('app_id', '=', appId);
    return q.orderBy('precedence').orderBy('created_at').execute();
  }

  allPolicies(): Promise<AccessPolicyRow[]> {
    return this.#db.selectFrom('access_policies').selectAll().orderBy('precedence').execute();
  }

  async updatePolicy(accountId: string, id: string, precedence: number, data: string): Promise<void> {
    await this.#db
      .updateTable('access_policies')
      .set({ precedence, data, updated_at: this.#clock.now().toISOString() })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async deletePolicy(accountId: string, id: string): Promise<boolean> {
    await this.#db.deleteFrom('access_app_policies').where('policy_id', '=', id).execute();
    const r = await this.#db
      .deleteFrom('access_policies')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- service tokens ----

  async insertServiceToken(row: AccessServiceTokenRow): Promise<void> {
    await this.#db.insertInto('access_service_tokens').values(row).execute();
  }

  serviceToken(accountId: string, id: string): Promise<AccessServiceTokenRow | undefined> {
    return this.#db
      .selectFrom('access_service_tokens')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  serviceTokenByClientId(clientId: string): Promise<AccessServiceTokenRow | undefined> {
    return this.#db
      .selectFrom('access_service_tokens')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  }

  serviceTokens(accountId: string): Promise<AccessServiceTokenRow[]> {
    return this.#db
      .selectFrom('access_service_tokens')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  }

  async updateServiceToken(
    accountId: string,
    id: string,
    set: Partial<Omit<AccessServiceTokenRow, 'id' | 'account_id' | 'client_id' | 'created_at'>>,
  ): Promise<void> {
    await this.#db
      .updateTable('access_service_tokens')
      .set({ ...set, updated_at: this.#clock.now().toISOString() })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async deleteServiceToken(accountId: string, id: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('access_service_tokens')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- reusable policies attached to apps ----

  async setAppPolicies(appId: string, links: readonly { id: string; precedence: number }[]): Promise<void> {
    await this.#db.deleteFrom('access_app_policies').where('app_id', '=', appId).execute();
    if (links.length === 0) return;
    await this.#db
      .insertInto('access_app_policies')
      .values(links.map((l) => ({ app_id: appId, policy_id: l.id, precedence: l.precedence })))
      .execute();
  }

  appPolicyLinks(appId: string): Promise<AccessAppPolicyRow[]> {
    return this.#db
      .selectFrom('access_app_policies')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('precedence')
      .execute();
  }

  allAppPolicyLinks(): Promise<AccessAppPolicyRow[]> {
    return this.#db.selectFrom('access_app_policies').selectAll().execute();
  }

  // ---- groups, identity providers: Cloudflare-shaped documents ----

  async insertGroup(row: AccessGroupRow): Promise<void> {
    await this.#db.insertInto('access_groups').values(row).execute();
  }

  group(accountId: string, id: string): Promise<AccessGroupRow | undefined> {
    return this.#db
      .selectFrom('access_groups')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  groups(accountId: string): Promise<AccessGroupRow[]> {
    return this.#db
      .selectFrom('access_groups')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  }

  allGroups(): Promise<AccessGroupRow[]> {
    return this.#db.selectFrom('access_groups').selectAll().execute();
  }

  async updateGroup(accountId: string, id: string, data: string): Promise<void> {
    await this.#db
      .updateTable('access_groups')
      .set({ data, updated_at: this.#clock.now().toISOString() })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async deleteGroup(accountId: string, id: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('access_groups')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertIdentityProvider(row: AccessIdentityProviderRow): Promise<void> {
    await this.#db.insertInto('access_identity_providers').values(row).execute();
  }

  identityProvider(accountId: string, id: string): Promise<AccessIdentityProviderRow | undefined> {
    return this.#db
      .selectFrom('access_identity_providers')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  identityProviders(accountId: string): Promise<AccessIdentityProviderRow[]> {
    return this.#db
      .selectFrom('access_identity_providers')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
  }

  async updateIdentityProvider(
    accountId: string,
    id: string,
    set: { type: string; data: string; secrets_sealed: string | null },
  ): Promise<void> {
    await this.#db
      .updateTable('access_identity_providers')
      .set({ ...set, updated_at: this.#clock.now().toISOString() })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
  }

  async deleteIdentityProvider(accountId: string, id: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('access_identity_providers')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- organization (one per account: the team domain) ----

  organization(accountId: string): Promise<AccessOrganizationRow | undefined> {
    return this.#db
      .selectFrom('access_organizations')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
  }

  organizationByAuthDomain(authDomain: string): Promise<AccessOrganizationRow | undefined> {
    return this.#db
      .selectFrom('access_organizations')
      .selectAll()
      .where('auth_domain', '=', authDomain)
      .executeTakeFirst();
  }

  async putOrganization(row: AccessOrganizationRow): Promise<void> {
    await this.#db
      .insertInto('access_organizations')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('account_id')
          .doUpdateSet({ auth_domain: row.auth_domain, data: row.data, updated_at: row.updated_at }),
      )
      .execute();
  }

  allOrganizations(): Promise<AccessOrganizationRow[]> {
    return this.#db.selectFrom('access_organizations').selectAll().execute();
  }
}
