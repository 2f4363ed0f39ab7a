import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { accessCertificates } from './access-certificates-migration.js';
import { clusterState } from './cluster-state-migration.js';
import { HTTPS_MIGRATIONS } from './edge-certificates-migration.js';
import { edgeMembers } from './edge-members-migration.js';
import { narrowLegacyLoginTokens } from './legacy-login-tokens.js';
import { revocationsAndPendingZones } from './revocations-pending-zones.js';
import type { Database } from './schema.js';

/** Schema migrations, applied in name order (padded: names sort lexically); never edit a released one, add the next. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_identity_zones_tunnels_audit': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('api_key_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('modified_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addUniqueConstraint('memberships_account_user', ['account_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('policies', 'text', (c) => c.notNull())
        .addColumn('key_generation', 'integer')
        .addColumn('not_before', 'text')
        .addColumn('expires_on', 'text')
        .addColumn('issued_on', 'text', (c) => c.notNull())
        .addColumn('modified_on', 'text', (c) => c.notNull())
        .addColumn('last_used_on', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      await db.schema
        .createTable('zones')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('verification_key', 'text')
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('modified_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('zones_account').on('zones').column('account_id').execute();
      await db.schema
        .createTable('dns_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('zone_id', 'text', (c) => c.notNull().references('zones.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('proxied', 'integer', (c) => c.notNull())
        .addColumn('ttl', 'integer', (c) => c.notNull())
        .addColumn('priority', 'integer')
        .addColumn('comment', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('modified_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dns_records_zone_name').on('dns_records').columns(['zone_id', 'name']).execute();
      await db.schema
        .createTable('tunnels')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('secret_fingerprint', 'text', (c) => c.notNull())
        .addColumn('config_src', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('conns_active_at', 'text')
        .addColumn('conns_inactive_at', 'text')
        .execute();
      // A name is unique among an account's live tunnels; deleted ones keep theirs for the record.
      await db.schema
        .createIndex('tunnels_account_name_live')
        .on('tunnels')
        .columns(['account_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();
      await db.schema
        .createTable('tunnel_connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tunnel_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('conn_index', 'integer', (c) => c.notNull())
        .addColumn('edge_name', 'text', (c) => c.notNull())
        .addColumn('origin_ip', 'text', (c) => c.notNull())
        .addColumn('client_version', 'text', (c) => c.notNull())
        .addColumn('arch', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tunnel_connections_tunnel').on('tunnel_connections').column('tunnel_id').execute();
      await db.schema.createIndex('tunnel_connections_account').on('tunnel_connections').column('account_id').execute();
      await db.schema
        .createTable('audit_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('when_at', 'text', (c) => c.notNull())
        .addColumn('action_type', 'text', (c) => c.notNull())
        .addColumn('action_result', 'integer', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_email', 'text', (c) => c.notNull())
        .addColumn('actor_ip', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('interface', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('new_value', 'text')
        .addColumn('old_value', 'text')
        .execute();
      await db.schema
        .createIndex('audit_logs_account_when')
        .on('audit_logs')
        .columns(['account_id', 'when_at'])
        .execute();
    },
  },
  '0002_origin_ca_login_classic_records': {
    async up(db: Kysely<unknown>): Promise<void> {
      // When the API key was last rolled, for "your cert.pem's key was rolled on <date>".
      await db.schema.alterTable('users').addColumn('api_key_rolled_on', 'text').execute();
      // The origin CA's root: one row, its key sealed with the secret box so every process sharing
      // the database signs with the same CA.
      await db.schema
        .createTable('origin_ca')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('key_sealed', 'text', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('origin_certificates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('zone_id', 'text', (c) => c.notNull())
        .addColumn('hostnames', 'text', (c) => c.notNull())
        .addColumn('request_type', 'text', (c) => c.notNull())
        .addColumn('requested_validity', 'integer', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('csr', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('login_token_id', 'text')
        .execute();
      await db.schema.createIndex('origin_certificates_zone').on('origin_certificates').column('zone_id').execute();
      await db.schema
        .createTable('login_transfers')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('grant_hash', 'text')
        .addColumn('bundle_sealed', 'text')
        .addColumn('ready_on', 'text')
        .addColumn('fetched_on', 'text')
        .execute();
      await db.schema
        .createTable('classic_records')
        .addColumn('record_id', 'text', (c) => c.primaryKey())
        .addColumn('tunnel_id', 'text', (c) => c.notNull())
        .addColumn('zone_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cleanup_after_ms', 'integer', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('classic_records_tunnel').on('classic_records').column('tunnel_id').execute();
    },
  },
  '0003_setup_links_zone_verification': {
    async up(db: Kysely<unknown>): Promise<void> {
      // First-run setup links (`warren serve` on an empty database): only the hash of the link's
      // token is kept; a link works once, before it expires, and only while no user exists.
      await db.schema
        .createTable('setup_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('used_on', 'text')
        .execute();
      // Partial zones: when the TXT verification was last looked up, and when the zone went active.
      await db.schema.alterTable('zones').addColumn('verification_checked_on', 'text').execute();
      await db.schema.alterTable('zones').addColumn('activated_on', 'text').execute();
      await db.schema
        .alterTable('zones')
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0004_zone_ownership': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row that every change of zone ownership (create, move) updates first in its
      // transaction: the row lock serializes those transactions on PostgreSQL (and takes SQLite's
      // write lock up front), so two accounts cannot each pass the overlap check for
      // `example.com` and `app.example.com` at the same moment.
      await db.schema
        .createTable('zone_ownership_lock')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .execute();
      await sql`insert into zone_ownership_lock (id, generation) values (1, 0)`.execute(db);
    },
  },
  '0005_membership_invitations_token_parents': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Membership is an invitation the user accepts: who invited (shown in /user/invites).
      await db.schema.alterTable('memberships').addColumn('invited_by', 'text').execute();
      // 1: the user row exists only because someone invited the address; `warren admin
      // create-user` may still claim it (an invitation must not lock its owner out).
      await db.schema
        .alterTable('users')
        .addColumn('invited_only', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The token that created this one: a token never outlives (nor outranks) its parent.
      await db.schema.alterTable('api_tokens').addColumn('parent_token_id', 'text').execute();
      // Unauthenticated login transfers are capped per source address and expire.
      await db.schema.alterTable('login_transfers').addColumn('source_ip', 'text').execute();
      await db.schema.createIndex('login_transfers_expires').on('login_transfers').column('expires_on').execute();
      await db.schema.createIndex('login_transfers_source').on('login_transfers').column('source_ip').execute();
      await narrowLegacyLoginTokens(db as Kysely<Database>);
    },
  },
  '0006_access': {
    async up(db: Kysely<unknown>): Promise<void> {
      const doc = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'));
      await db.schema
        .createTable('access_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text')
        .addColumn('retired_at', 'text')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('access_keys_account').on('access_keys').column('account_id').execute();
      await db.schema
        .createTable('access_key_settings')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('key_rotation_interval_days', 'integer', (c) => c.notNull())
        .addColumn('last_key_rotation_at', 'text')
        .execute();
      await db.schema
        .createTable('access_organizations')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('auth_domain', 'text', (c) => c.notNull().unique())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await doc('access_apps')
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('aud', 'text', (c) => c.notNull().unique())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_apps_account').on('access_apps').column('account_id').execute();
      await doc('access_policies')
        .addColumn('app_id', 'text')
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_policies_account').on('access_policies').column('account_id').execute();
      await db.schema
        .createTable('access_app_policies')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('precedence', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_app_policies_pk', ['app_id', 'policy_id'])
        .execute();
      await doc('access_groups')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await doc('access_service_tokens')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_valid_until', 'text')
        .addColumn('duration', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await doc('access_identity_providers')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('secrets_sealed', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0007_tunnel_configurations': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The current remotely-managed configuration of a tunnel (Cloudflare keeps no history either).
      // version only grows: each PUT bumps it in one statement, so two PUTs never share a number.
      await db.schema
        .createTable('tunnel_configurations')
        .addColumn('tunnel_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0008_dashboard_sessions': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Dashboard sign-in sessions: the cookie value is never stored, only its sha256.
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('last_seen_on', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dashboard_sessions_user').on('dashboard_sessions').column('user_id').execute();
    },
  },
  // JSON object of the connector's --tag KEY=VALUE pairs; NULL when it sent none.
  '0009_connection_tags': {
    up: (db) => db.schema.alterTable('tunnel_connections').addColumn('tags', 'text').execute(),
  },
  '0010_app_revocations_pending_zones': { up: revocationsAndPendingZones },
  '0011_tunnel_configuration_reports': {
    async up(db: Kysely<unknown>): Promise<void> {
      // What each connector did with the newest pushed version it got (applied, refused and why, ignored).
      await db.schema
        .createTable('tunnel_configuration_reports')
        .addColumn('tunnel_id', 'text', (c) => c.notNull())
        .addColumn('connector_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('running_version', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('reported_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tunnel_configuration_reports_pk', ['tunnel_id', 'connector_id'])
        .execute();
    },
  },
  ...HTTPS_MIGRATIONS,
  '0013_edge_members': { up: edgeMembers },
  '0014_cluster_state': { up: clusterState },
  '0015_access_certificates': { up: accessCertificates },
};

/** Hands Kysely's Migrator the migrations compiled into this build. */
export class BuiltInMigrations implements MigrationProvider {
  getMigrations = async (): Promise<Record<string, Migration>> => MIGRATIONS;
}
