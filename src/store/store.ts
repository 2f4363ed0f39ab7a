import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Dialect as KyselyDialect, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import { WarrenError } from '../errors/index.js';
import { type Clock, SYSTEM_TIMERS, type Timers } from '../time/index.js';
import { AccessCertificateStore } from './access-certificate-store.js';
import { AccessKeyStore } from './access-key-store.js';
import { AccessStore } from './access-store.js';
import { AcmeStore } from './acme-store.js';
import { AuditLogStore } from './audit-log-store.js';
import { CertificateStore } from './certificate-store.js';
import { ChangeFeed, NOTIFY_CHANNEL, PgListener } from './change-feed.js';
import { ClassicRecordStore } from './classic-record-store.js';
import { ClusterStateStore } from './cluster-state-store.js';
import { DashboardSessionStore } from './dashboard-session-store.js';
import { ensureDataDir, ensurePrivateFile, warnLoosePermissions } from './data-dir.js';
import { DnsZoneReader } from './dns-zone-reader.js';
import { EdgeCertificateStore } from './edge-certificate-store.js';
import { EdgeMemberStore } from './edge-member-store.js';
import { DatabaseHealth } from './health/database-health.js';
import { ObservedDialect } from './health/observed-dialect.js';
import { IdentityStore } from './identity-store.js';
import { LoginTransferStore } from './login-transfer-store.js';
import { BuiltInMigrations } from './schema/migrations.js';
import type { Database } from './schema/schema.js';
import { SecretBox } from './secret-box.js';
import { SetupLinkStore } from './setup-link-store.js';
import { TunnelConfigurationStore } from './tunnel-configuration-store.js';
import { TunnelStore } from './tunnel-store.js';
import { ZoneSettingsStore } from './zone-settings-store.js';
import { ZoneStore } from './zone-store.js';

/** The query objects, bound to the database or to one transaction. */
export interface Repositories {
  identity: IdentityStore;
  zones: ZoneStore;
  tunnels: TunnelStore;
  tunnelConfigs: TunnelConfigurationStore;
  audit: AuditLogStore;
  certificates: CertificateStore;
  logins: LoginTransferStore;
  classic: ClassicRecordStore;
  setupLinks: SetupLinkStore;
  access: AccessStore;
  accessKeys: AccessKeyStore;
  accessCertificates: AccessCertificateStore;
  sessions: DashboardSessionStore;
  edgeCertificates: EdgeCertificateStore;
  acme: AcmeStore;
  edges: EdgeMemberStore;
  zoneSettings: ZoneSettingsStore;
}

function repositories(db: Kysely<Database>, clock: Clock): Repositories {
  return {
    identity: new IdentityStore(db, clock),
    zones: new ZoneStore(db, clock),
    tunnels: new TunnelStore(db, clock),
    tunnelConfigs: new TunnelConfigurationStore(db, clock),
    audit: new AuditLogStore(db, clock),
    certificates: new CertificateStore(db, clock),
    logins: new LoginTransferStore(db, clock),
    classic: new ClassicRecordStore(db, clock),
    setupLinks: new SetupLinkStore(db, clock),
    access: new AccessStore(db, clock),
    accessKeys: new AccessKeyStore(db, clock),
    accessCertificates: new AccessCertificateStore(db),
    sessions: new DashboardSessionStore(db, clock),
    edgeCertificates: new EdgeCertificateStore(db, clock),
    acme: new AcmeStore(db, clock),
    edges: new EdgeMemberStore(db, clock),
    zoneSettings: new ZoneSettingsStore(db, clock),
  };
}

export type Dialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** `<dataDir>/warren.db` unless `databaseUrl` is a postgres:// URL. Also holds secret.key. */
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Base64 key for sealing tunnel secrets; default `<dataDir>/secret.key`. */
  secretKey?: string | undefined;
  logger: Logger;
  clock?: Clock;
  /** Timers of the write probe that runs while writes fail; default the system's (and `clock`'s time when given). */
  timers?: Timers;
}

const PG_POOL_SIZE = 10;
const PG_CONNECT_TIMEOUT_MS = 10_000; // 10 seconds to reach PostgreSQL before start-up fails

/** The database (SQLite or PostgreSQL behind one Kysely), its migrations, the change feed and the secret box. */
export class Store implements Repositories {
  /** Private: everything outside src/store goes through a repository, a transaction or `dnsZones`. */
  readonly #db: Kysely<Database>;
  /** The DNS server's read path (one query per zone snapshot, outside any transaction). */
  readonly dnsZones: DnsZoneReader;
  readonly identity: IdentityStore;
  readonly zones: ZoneStore;
  readonly tunnels: TunnelStore;
  readonly tunnelConfigs: TunnelConfigurationStore;
  readonly audit: AuditLogStore;
  readonly certificates: CertificateStore;
  readonly logins: LoginTransferStore;
  readonly classic: ClassicRecordStore;
  readonly setupLinks: SetupLinkStore;
  readonly access: AccessStore;
  readonly accessKeys: AccessKeyStore;
  readonly accessCertificates: AccessCertificateStore;
  readonly sessions: DashboardSessionStore;
  readonly edgeCertificates: EdgeCertificateStore;
  readonly acme: AcmeStore;
  readonly edges: EdgeMemberStore;
  readonly zoneSettings: ZoneSettingsStore;
  readonly dialect: Dialect;
  readonly feed: ChangeFeed;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  /** Whether writes pass: /readyz, /metrics, and the connection tracker's cue to reconcile. */
  readonly health: DatabaseHealth;
  /** Throttles, logins in flight and tunnel slots: shared by every process on the database. */
  readonly cluster: ClusterStateStore;
  readonly #listener: PgListener | undefined;

  private constructor(
    db: Kysely<Database>,
    dialect: Dialect,
    feed: ChangeFeed,
    secrets: SecretBox,
    clock: Clock,
    health: DatabaseHealth,
    listener: PgListener | undefined,
  ) {
    this.#db = db;
    this.health = health;
    this.dnsZones = new DnsZoneReader(db);
    this.dialect = dialect;
    this.feed = feed;
    this.secrets = secrets;
    this.clock = clock;
    this.#listener = listener;
    this.cluster = new ClusterStateStore(db, dialect);
    const r = repositories(db, clock);
    this.identity = r.identity;
    this.zones = r.zones;
    this.tunnels = r.tunnels;
    this.tunnelConfigs = r.tunnelConfigs;
    this.audit = r.audit;
    this.certificates = r.certificates;
    this.logins = r.logins;
    this.classic = r.classic;
    this.setupLinks = r.setupLinks;
    this.access = r.access;
    this.accessKeys = r.accessKeys;
    this.accessCertificates = r.accessCertificates;
    this.sessions = r.sessions;
    this.edgeCertificates = r.edgeCertificates;
    this.acme = r.acme;
    this.edges = r.edges;
    this.zoneSettings = r.zoneSettings;
  }

  /**
   * Tests only: the raw database, for assertions on rows no repository exposes (and for
   * simulating a legacy row). Production code never calls this; use a repository method.
   */
  static databaseForTests(store: Store): Kysely<Database> {
    return store.#db;
  }

  /** Runs `fn` in one transaction: all of its writes (the change and its audit entry) commit together. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => fn(repositories(trx, this.clock)));
  }

  /**
   * Runs `job` unless another process runs the job of the same `name` now (PostgreSQL: under
   * `pg_try_advisory_xact_lock`, held by a transaction open for the run); resolves
   * `{ ran: false }` when it was skipped. SQLite has one process, so the job always runs.
   */
  async exclusive<T>(name: string, job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.dialect !== 'postgres') return { ran: true, value: await job() };
    return this.#db.transaction().execute(async (trx) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`SELECT pg_try_advisory_xact_lock(hashtext(${`warren.job.${name}`})) AS locked`.execute(trx);
      if (rows[0]?.locked !== true) return { ran: false };
      return { ran: true, value: await job() };
    });
  }

  /** Opens (creating if needed) and migrates the database. */
  static async open(options: StoreOptions): Promise<Store> {
    const { logger } = options;
    const clock = options.clock ?? SYSTEM_TIMERS;
    const timers = options.timers ?? { ...SYSTEM_TIMERS, now: () => clock.now() };
    ensureDataDir(options.dataDir);
    const secrets = await SecretBox.open(options.dataDir, options.secretKey);
    const url = options.databaseUrl;
    let db: Kysely<Database> | undefined;
    let dialect: Dialect;
    let feed: ChangeFeed;
    let listener: PgListener | undefined;
    let kysely: KyselyDialect;
    let inTransaction: (() => boolean) | undefined;
    if (url !== undefined && url !== '') {
      if (!/^postgres(ql)?:\/\//.test(url)) {
        throw new WarrenError(
          'WARREN_CONFIG_INVALID',
          '--database-url must be a postgres://user@host:port/db URL (leave it unset for SQLite in --data-dir)',
        );
      }
      // The PostgreSQL driver (about 3 MiB of heap) loads only for a PostgreSQL store.
      const { Pool, Client } = (await import('pg')).default;
      const pool = new Pool({
        connectionString: url,
        max: PG_POOL_SIZE,
        connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
      });
      pool.on('error', (err) => logger.warn({ err: err.message }, 'store: idle PostgreSQL connection failed'));
      // A client whose connection drops also emits 'error'. While it is checked out nothing else
      // listens, and an unheard 'error' ends the process (a PostgreSQL restart killed serve). Its
      // query fails on its own (and is reported); the pool drops the client on release.
      pool.on('connect', (client) => {
        client.on('error', (err) => logger.debug({ err: err.message }, 'store: PostgreSQL connection failed'));
      });
      kysely = new PostgresDialect({ pool });
      dialect = 'postgres';
      feed = new ChangeFeed(
        async (payload, channel = NOTIFY_CHANNEL) => {
          await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
        },
        (err, topic) =>
          logger.warn(
            { err: (err as Error).message, topic },
            'store: NOTIFY of a committed change failed twice; other processes keep the old state until their next reload',
          ),
      );
      listener = new PgListener(
        (): pg.Client => new Client({ connectionString: url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS }),
        feed,
        logger,
      );
    } else {
      const file = join(options.dataDir, 'warren.db');
      ensurePrivateFile(file);
      const sqlite = new SQLite(file);
      sqlite.pragma('journal_mode = WAL');
      // FULL: a committed transaction survives SIGKILL and power loss, not only a crash of the process.
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000'); // 5 seconds, for `warren admin` running beside `serve`
      kysely = new SqliteDialect({ database: sqlite });
      inTransaction = () => sqlite.inTransaction;
      dialect = 'sqlite';
      feed = new ChangeFeed();
    }
    const health = new DatabaseHealth(logger, timers, async () => {
      if (db === undefined) return;
      await writeProbe(db, dialect);
      health.succeeded(true);
    });
    db = new Kysely<Database>({
      dialect: new ObservedDialect(kysely, {
        health,
        logger,
        ...(inTransaction === undefined ? {} : { inTransaction }),
      }),
    });
    try {
      const { error, results } = await new Migrator({ db, provider: new BuiltInMigrations() }).migrateToLatest();
      if (error !== undefined) throw error;
      for (const r of results ?? []) {
        if (r.status === 'Success') logger.info({ migration: r.migrationName, dialect }, 'store: migration applied');
      }
      await listener?.start();
    } catch (cause) {
      await listener?.close();
      await health.close();
      await db.destroy();
      const where =
        dialect === 'postgres' ? 'the PostgreSQL database in --database-url' : `${options.dataDir}/warren.db`;
      throw new WarrenError(
        'WARREN_DATABASE',
        `could not open ${where}: ${(cause as Error).message}; check that it is reachable and writable`,
        { cause },
      );
    }
    // After the migrations wrote, so `-wal` and `-shm` exist and are checked too.
    warnLoosePermissions(options.dataDir, logger);
    return new Store(db, dialect, feed, secrets, clock, health, listener);
  }

  async close(): Promise<void> {
    await this.health.close();
    await this.#listener?.close();
    await this.#db.destroy();
  }
}

/**
 * One small real write: SQLite rewrites its header's user_version (a page through the WAL, so a
 * full disk fails it), PostgreSQL commits a transaction id (a commit record in its WAL).
 */
async function writeProbe(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`SELECT txid_current()`.execute(db);
    return;
  }
  const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  const version = Number(rows[0]?.user_version ?? 0);
  await sql`PRAGMA user_version = ${sql.raw(String(Number.isInteger(version) ? version : 0))}`.execute(db);
}

// Kept here for the existing imports; it lives in unique-violation.ts (the stores use it too).
export { isUniqueViolation } from './unique-violation.js';
