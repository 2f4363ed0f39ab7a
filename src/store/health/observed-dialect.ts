import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseHealth } from './database-health.js';

export interface ObservedDialectOptions {
  health: DatabaseHealth;
  logger: Logger;
  /**
   * SQLite: whether the connection is inside a transaction. SQLite rolls a transaction back by
   * itself on SQLITE_FULL (and on some I/O errors); Kysely's ROLLBACK then fails with "cannot
   * rollback - no transaction is active", and that error used to replace the real one.
   */
  inTransaction?: () => boolean;
}

/**
 * A dialect whose driver reports every statement's outcome to `DatabaseHealth`, and whose failed
 * rollback never hides the error that caused it: Kysely rethrows the rollback's error when
 * ROLLBACK fails, so this driver skips a ROLLBACK SQLite already did, and on PostgreSQL (where
 * node-postgres' connection is discarded when its ROLLBACK fails) logs it instead of throwing.
 */
export class ObservedDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #options: ObservedDialectOptions;

  constructor(inner: Dialect, options: ObservedDialectOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  createDriver(): Driver {
    return new ObservedDriver(this.#inner.createDriver(), this.#options);
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }
}

class ObservedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #health: DatabaseHealth;
  inTransaction = false;

  constructor(inner: DatabaseConnection, health: DatabaseHealth) {
    this.inner = inner;
    this.#health = health;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.inner.executeQuery<R>(query);
      // Inside a transaction a write counts once it commits (ObservedDriver.commitTransaction).
      this.#health.succeeded(!this.inTransaction && isWrite(query));
      return result;
    } catch (err) {
      this.#health.failed(err);
      throw err;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ObservedDriver implements Driver {
  readonly #inner: Driver;
  readonly #health: DatabaseHealth;
  readonly #logger: Logger;
  readonly #inTransaction: (() => boolean) | undefined;

  constructor(inner: Driver, options: ObservedDialectOptions) {
    this.#inner = inner;
    this.#health = options.health;
    this.#logger = options.logger;
    this.#inTransaction = options.inTransaction;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      return new ObservedConnection(await this.#inner.acquireConnection(), this.#health);
    } catch (err) {
      this.#health.failed(err);
      throw err;
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = observed(connection);
    await this.#observe(() => this.#inner.beginTransaction(c.inner, settings));
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = observed(connection);
    await this.#observe(() => this.#inner.commitTransaction(c.inner));
    c.inTransaction = false;
    this.#health.succeeded(true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = observed(connection);
    c.inTransaction = false;
    // SQLite already rolled back (SQLITE_FULL, SQLITE_IOERR, …): a ROLLBACK would fail and hide why.
    if (this.#inTransaction !== undefined && !this.#inTransaction()) return;
    try {
      await this.#inner.rollbackTransaction(c.inner);
    } catch (err) {
      // SQLite still inside the transaction: the connection is unusable until it ends; say so.
      if (this.#inTransaction !== undefined) throw err;
      // PostgreSQL: node-postgres discards the connection whose ROLLBACK failed (usually a
      // dropped connection); the error that caused the rollback is the one worth reporting.
      this.#logger.debug({ err: (err as Error).message }, 'store: ROLLBACK failed; the connection is discarded');
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.savepoint?.(observed(connection).inner, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(observed(connection).inner, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.releaseSavepoint?.(observed(connection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(observed(connection).inner);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  async #observe(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (err) {
      this.#health.failed(err);
      throw err;
    }
  }
}

function observed(connection: DatabaseConnection): ObservedConnection {
  if (connection instanceof ObservedConnection) return connection;
  throw new TypeError('ObservedDriver got a connection it did not hand out');
}

// Any PRAGMA counts as a read: the write probe (a PRAGMA on SQLite) reports its own success.
const READ_ONLY_SQL = /^\s*(select|with|pragma|show|explain)\b/i;

/** Whether a statement outside a transaction changed something (so its success proves writes pass). */
function isWrite(query: CompiledQuery): boolean {
  const kind = query.query.kind;
  if (kind === 'SelectQueryNode') return false;
  if (kind === 'RawNode') return !READ_ONLY_SQL.test(query.sql);
  return true;
}
