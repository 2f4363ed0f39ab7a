import type { Kysely } from 'kysely';
import type { Clock } from '../time/index.js';
import { appDomainHost, isWithin, owningZone } from './owning-zone.js';
import type {
  AccessAppPolicyRow,
  AccessAppRow,
  AccessGroupRow,
  AccessIdentityProviderRow,
  AccessOrganizationRow,
  AccessPolicyRow,
  AccessServiceTokenRow,
  Database,
} from './schema/schema.js';

/**
 * Access: applications, policies, groups, service tokens, identity providers and the organization
 * (signing keys are in AccessKeyStore).
 * Every query is scoped by account id: another account's rows are invisible here.
 */
export class AccessStore {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
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

  /**
   * Every account's apps that take effect, for the gate's cache: an app counts only while the
   * zone that owns its domain (the longest active zone containing it) is one of its own account's.
   * Enforced here, where the gate reads, so that a row left behind by a deleted or moved zone,
   * or written any other way, never gates another account's hostnames.
   */
  async effectiveApps(): Promise<AccessAppRow[]> {
    const [apps, zones] = await Promise.all([
      this.#db.selectFrom('access_apps').selectAll().orderBy('created_at').execute(),
      this.#db.selectFrom('zones').select(['id', 'account_id', 'name', 'status']).execute(),
    ]);
    return apps.filter((a) => owningZone(appDomainHost(a.domain), zones)?.account_id === a.account_id);
  }

  /**
   * The account's apps whose domain lies in none of its zones (any state): what is left behind
   * when a zone is deleted, moved away or expires. Apps under another zone of the account stay.
   */
  async appsOutsideZones(accountId: string): Promise<AccessAppRow[]> {
    const [apps, zones] = await Promise.all([
      this.apps(accountId),
      this.#db.selectFrom('zones').select('name').where('account_id', '=', accountId).execute(),
    ]);
    return apps.filter((a) => !zones.some((z) => isWithin(appDomainHost(a.domain), z.name)));
  }

  /** `revoke_tokens`: only this writes the column (an app's PUT rewrites `data`, never this). */
  async revokeAppTokens(accountId: string, id: string, at: string): Promise<void> {
    await this.#db
      .updateTable('access_apps')
      .set({ tokens_revoked_at: at })
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
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

  allServiceTokens(): Promise<AccessServiceTokenRow[]> {
    return this.#db.selectFrom('access_service_tokens').selectAll().execute();
  }
}
