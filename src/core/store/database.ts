import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors/index.js';
import { MysqlPool, type MysqlSession } from './mysql-connection.js';
import { SqliteConnection, type NativeDatabase, type TxState } from './sqlite-connection.js';

/** better-sqlite3's constructor. */
type NativeOpen = (filename: string, options?: { timeout?: number }) => NativeDatabase;
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Dialect } from './sql-text.js';
import type { OutboxEntry } from './types.js';
import type { Logger } from '../log/index.js';
import { retrying, type BackoffDefaults } from '../retry/index.js';

/** A raw result row. @internal */
export type Row = Record<string, unknown>;

/**
 * A MySQL write transaction: its connection, and the statements whose outcome nobody
 * waits for on their own (START TRANSACTION, SAVEPOINT, RELEASE) until the next
 * statement carries them in the same round trip.
 */
interface MysqlTx {
  readonly session: MysqlSession;
  readonly deferred: string[];
  /** Committed or rolled back, and the connection given back. */
  ended: boolean;
}

/** An open write transaction (opaque to callers). @internal */
export interface Tx {
  /** The writer's connection and deferred statements (MySQL). */
  readonly mysql?: MysqlTx;
  /** The writer connection (SQLite): every statement of the transaction runs on it. */
  readonly raw?: SqliteConnection;
  /** Failure state of the transaction on the raw connection (see {@link TxState}). */
  readonly state: TxState;
  /**
   * Outbox entries inserted in this transaction with their sequence numbers, in seq
   * order (SQLite only; empty on MySQL). Handed to the store's commit listeners once the
   * transaction committed.
   */
  readonly outbox: OutboxEntry[];
  /** Outbox rows inserted in this transaction (every dialect): a commit with some is reported on the commit feed. */
  outboxRows: number;
}

/** Where a database URL points (what `parseStoreUrl` returns): a SQLite file, or a MySQL/MariaDB database. */
export type ConnectTarget =
  | { readonly dialect: 'sqlite'; readonly storage: string }
  | {
      readonly dialect: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
    };

/** How long a busy SQLite database is retried before the operation fails as unavailable (ms). */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** How long the schema connection (SQLite) waits for a lock held by another process (ms). */
const SCHEMA_BUSY_TIMEOUT_MS = 5_000;

/**
 * Default size of the MySQL read pool (reads, schema work and the outbox reader's reads),
 * chosen by measurement (docs/benchmarks.md).
 */
export const DEFAULT_MYSQL_POOL_SIZE = 10;

/**
 * Default number of MySQL write connections: write transactions (groups) running at
 * once, chosen by measurement (docs/benchmarks.md: 1 left creates waiting on one
 * transaction's round trips, 2 and 4 overlap them).
 */
export const DEFAULT_MYSQL_WRITERS = 4;

/** The better-sqlite3 constructor, loaded once (an optional dependency). */
let nativeOpen: Promise<NativeOpen> | undefined;

function loadNative(): Promise<NativeOpen> {
  nativeOpen ??= import('better-sqlite3').then(
    (mod) => {
      const ctor = ((mod as { default?: unknown }).default ?? mod) as new (filename: string, options?: { timeout?: number }) => NativeDatabase;
      return (filename, options) => new ctor(filename, options);
    },
    (err: unknown) => {
      nativeOpen = undefined;
      throw new StoreError('GLUON_ERR_STORE_CONFIG', 'The SQLite driver could not be loaded: install the "better-sqlite3" package (npm install better-sqlite3).', {
        cause: err,
      });
    },
  );
  return nativeOpen;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * A thin layer over the database.
 *
 * - **SQLite**: better-sqlite3, on two connections of the store's own — the writer
 *   (every write transaction) and the reader (every read outside a transaction; in WAL
 *   mode it reads the last committed state while the writer writes). Statements run
 *   synchronously ({@link SqliteConnection}): no thread-pool round trip per statement.
 *   Schema work (migrations) runs on a third connection, opened when first needed. An
 *   in-memory database is one connection shared by all three. Sequelize is not loaded.
 * - **MySQL/MariaDB**: mysql2, on two pools of the store's own — the writers' (one
 *   connection per write transaction the group writer runs at once; a transaction's
 *   statements are text, several may go in one round trip) and the read pool (prepared
 *   statements for reads, schema work). Rows come back without a type-cast callback,
 *   dates as text, and go through the same row → object conversion as SQLite's. mysql2
 *   is imported when the first statement needs it; Sequelize is not loaded.
 * @internal
 */
export class Database {
  readonly dialect: Dialect;
  /** MySQL: the read and write pools, made on first use (the driver is imported then). */
  private mysqlPools: Promise<{ readonly read: MysqlPool; readonly write: MysqlPool }> | undefined;
  private mysqlOpened: { readonly read: MysqlPool; readonly write: MysqlPool } | undefined;
  private readonly mysqlTarget: Extract<ConnectTarget, { dialect: 'mysql' }> | undefined;
  private readonly mysqlPoolSize: number;
  private readonly mysqlWriters: number;
  /** SQLite: the connection schema work runs on (outside the store's writer). */
  private schemaConn: SqliteConnection | undefined;
  private sqlite: Promise<{ readonly writer: SqliteConnection; readonly reader: SqliteConnection }> | undefined;
  private writerConn: SqliteConnection | undefined;
  private readerConn: SqliteConnection | undefined;
  private checkpointer: WalCheckpointer | undefined;
  private closed = false;

  private readonly storage: string | undefined;
  private readonly logger: Logger;

  private constructor(target: ConnectTarget, options: DatabaseOptions) {
    const { logger } = options;
    this.dialect = target.dialect;
    this.mysqlTarget = target.dialect === 'mysql' ? target : undefined;
    this.mysqlPoolSize = options.poolSize ?? DEFAULT_MYSQL_POOL_SIZE;
    this.mysqlWriters = options.writeConnections ?? DEFAULT_MYSQL_WRITERS;
    this.storage = target.dialect === 'sqlite' ? target.storage : undefined;
    this.logger = logger;
  }

  private get inMemory(): boolean {
    return this.storage === ':memory:';
  }

  /** Opens the database (connections are made when first needed). */
  static open(target: ConnectTarget, options: DatabaseOptions): Database {
    options.logger.debug({ dialect: target.dialect }, 'opening the SQL store');
    return new Database(target, options);
  }

  /**
   * MySQL: the read and write pools, made once; throws GLUON_ERR_STORE_CONFIG when the
   * driver package is missing.
   */
  private mysql(): Promise<{ readonly read: MysqlPool; readonly write: MysqlPool }> {
    const target = this.mysqlTarget;
    if (target === undefined) return Promise.reject(new StoreError('GLUON_ERR_INTERNAL', 'The mysql pools are used on MySQL only.'));
    if (this.closed) return Promise.reject(new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The store is closed.'));
    this.mysqlPools ??= (async () => {
      const read = await MysqlPool.open(target, { size: this.mysqlPoolSize });
      const write = await MysqlPool.open(target, { size: this.mysqlWriters, multipleStatements: true });
      this.mysqlOpened = { read, write };
      return this.mysqlOpened;
    })().catch((err: unknown) => {
      this.mysqlPools = undefined;
      throw err;
    });
    return this.mysqlPools;
  }

  /** MySQL: a connection of the read pool held for a session (the schema upgrade lock); release it when done. @internal */
  async mysqlSession(): Promise<MysqlSession> {
    return (await this.mysql()).read.session();
  }

  /** Runs a schema query that returns rows: outside the store's writer (MySQL: on the read pool; SQLite: on the schema connection). @internal */
  async schemaRows(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (this.dialect === 'sqlite') return (await this.schemaConnection()).allSync(sql, params);
    return (await (await this.mysql()).read.query(sql, params)) as Row[];
  }

  /** Runs a schema statement (DDL, schema bookkeeping), like {@link schemaRows}. @internal */
  async schemaExec(sql: string, params: readonly unknown[] = []): Promise<void> {
    if (this.dialect === 'sqlite') {
      (await this.schemaConnection()).runSync(sql, params);
      return;
    }
    await (await this.mysql()).read.query(sql, params);
  }

  /**
   * SQLite: the connection schema work runs on, opened once (an in-memory database: the
   * writer). It waits up to 5 s for a lock another process holds, and has foreign keys on.
   */
  private async schemaConnection(): Promise<SqliteConnection> {
    const { writer } = await this.sqliteConnections();
    if (this.inMemory) return writer;
    if (this.schemaConn === undefined) {
      const conn = new SqliteConnection(this.openNative(this.storage ?? ':memory:', { timeout: SCHEMA_BUSY_TIMEOUT_MS }));
      conn.runSync('PRAGMA foreign_keys=ON');
      this.schemaConn = conn;
    }
    return this.schemaConn;
  }

  /** Opens the connections and applies per-connection settings (SQLite pragmas). */
  async prepare(): Promise<void> {
    if (this.dialect !== 'sqlite') {
      await this.select('SELECT 1 AS ok', []);
      return;
    }
    await this.sqliteConnections();
  }

  /**
   * Runs a SELECT and returns its rows (MySQL: a prepared statement, on the read pool or
   * the transaction's connection).
   */
  async select(sql: string, params: readonly unknown[], tx?: Tx): Promise<Row[]> {
    if (tx?.raw !== undefined) return tx.raw.all(sql, params, tx.state);
    if (this.dialect === 'sqlite') {
      const reader = this.readerConn ?? (await this.sqliteConnections()).reader;
      return retryBusy(() => reader.allSync(sql, params));
    }
    if (tx?.mysql === undefined) return (this.mysqlOpened ?? (await this.mysql())).read.execute(sql, params);
    const carried = flushDeferred(tx.mysql);
    const rows = tx.mysql.session.execute(sql, params);
    if (carried !== undefined) await Promise.all([carried, rows]);
    return rows;
  }

  /** SQLite: the first column of every row of a SELECT, on the reader connection. */
  async selectColumn(sql: string, params: readonly unknown[]): Promise<unknown[]> {
    if (this.dialect !== 'sqlite') throw new StoreError('GLUON_ERR_INTERNAL', `selectColumn is SQLite only: ${sql}`);
    const reader = this.readerConn ?? (await this.sqliteConnections()).reader;
    return retryBusy(() => reader.columnSync(sql, params));
  }

  /** Runs a statement that returns no rows (on SQLite only inside a write transaction: the writer's). */
  async run(sql: string, params: readonly unknown[], tx?: Tx): Promise<void> {
    if (tx?.raw !== undefined) {
      await tx.raw.run(sql, params, tx.state);
      return;
    }
    if (this.dialect === 'sqlite') throw new StoreError('GLUON_ERR_INTERNAL', `SQLite statement outside a write transaction: ${sql}`);
    if (tx?.mysql === undefined) {
      await (await this.mysql()).read.query(sql, params);
      return;
    }
    await this.runMany(tx, [{ sql, params }]);
  }

  /**
   * Runs an INSERT and returns how many rows it inserted and the rowid of the last one
   * (SQLite: consecutive rowids for a multi-row INSERT; SQLite only).
   */
  async insert(sql: string, params: readonly unknown[], tx: Tx): Promise<{ readonly changes: number; readonly lastId: number | undefined }> {
    if (tx.raw !== undefined) return tx.raw.run(sql, params, tx.state);
    await this.run(sql, params, tx);
    return { changes: 0, lastId: undefined };
  }

  /**
   * Runs statements of one transaction that return nothing: on SQLite all issued at once,
   * on MySQL in one round trip (one text query of several statements: MySQL stops at the
   * first that fails). Rejects with the first failure.
   */
  async runMany(tx: Tx, statements: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): Promise<void> {
    const mysql = tx.mysql;
    if (mysql === undefined) {
      await this.sequence(
        tx,
        statements.map((s) => () => this.run(s.sql, s.params, tx)),
      );
      return;
    }
    this.defer(tx, statements);
    await flushDeferred(mysql);
  }

  /** True on MySQL: statements can wait in a transaction ({@link defer}) and go with the next. */
  get defersStatements(): boolean {
    return this.dialect === 'mysql';
  }

  /**
   * MySQL: queues statements of a transaction without sending them; they go, in order,
   * with its next statement or its COMMIT, in the same round trip.
   */
  defer(tx: Tx, statements: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): void {
    const mysql = tx.mysql;
    if (mysql === undefined) throw new StoreError('GLUON_ERR_INTERNAL', 'Statements are deferred on MySQL only.');
    for (const s of statements) mysql.deferred.push(mysql.session.format(s.sql, s.params));
  }

  /** How many write transactions may run at once: 1 on SQLite (one writer), the writer pool's size on MySQL. */
  get writeConnections(): number {
    return this.dialect === 'mysql' ? this.mysqlWriters : 1;
  }

  /**
   * Runs statements of one transaction: on SQLite all are issued at once (each runs when
   * issued, in order), on MySQL one after the other. Resolves when all have settled;
   * rejects with the first failure in issue order.
   */
  async sequence(tx: Tx, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
    if (tx.raw === undefined) {
      for (const step of steps) await step();
      return;
    }
    const settled = await Promise.allSettled(steps.map((step) => step()));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }

  /**
   * Starts a write transaction (only the group writer calls this: on SQLite one at a
   * time). On SQLite a busy database (another process holds the write lock) is retried
   * without blocking the event loop, for up to 5 s; then the write fails as unavailable.
   * On MySQL it takes a write connection; START TRANSACTION goes with the first statement.
   */
  async begin(): Promise<Tx> {
    if (this.dialect === 'mysql') {
      const session = await (this.mysqlOpened ?? (await this.mysql())).write.session();
      const mysql: MysqlTx = { session, deferred: ['START TRANSACTION'], ended: false };
      return { mysql, state: { failure: undefined, broken: false }, outbox: [], outboxRows: 0 };
    }
    const writer = this.writerConn ?? (await this.sqliteConnections()).writer;
    const tx: Tx = { raw: writer, state: { failure: undefined, broken: false }, outbox: [], outboxRows: 0 };
    await retryBusy(() => writer.runSync('BEGIN IMMEDIATE'));
    return tx;
  }

  /**
   * Issues a transaction-control statement (SAVEPOINT, RELEASE). On SQLite it is not
   * awaited: should it fail, the transaction is broken and its COMMIT refused. On MySQL
   * the returned promise must be awaited.
   */
  control(sql: string, tx: Tx): Promise<void> {
    if (tx.mysql !== undefined) {
      tx.mysql.deferred.push(sql);
      return Promise.resolve();
    }
    if (tx.raw === undefined) return this.run(sql, [], tx);
    tx.raw.run(sql, [], tx.state, 'control').catch(() => undefined);
    return Promise.resolve();
  }

  /** Rolls back to a savepoint (always runs; on success the transaction may go on). */
  async rollbackTo(name: string, tx: Tx): Promise<void> {
    if (tx.mysql !== undefined) {
      tx.mysql.deferred.push(`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`);
      await flushDeferred(tx.mysql);
      return;
    }
    if (tx.raw === undefined) throw new StoreError('GLUON_ERR_INTERNAL', 'A transaction without a connection.');
    await tx.raw.run(`ROLLBACK TO SAVEPOINT ${name}`, [], tx.state, 'recover');
    await tx.raw.run(`RELEASE SAVEPOINT ${name}`, [], tx.state, 'control');
  }

  /** Commits a transaction from {@link begin} (refused on SQLite when a statement of it failed unrecovered). */
  async commit(tx: Tx): Promise<void> {
    const mysql = tx.mysql;
    if (mysql === undefined) {
      if (tx.raw !== undefined) await tx.raw.run('COMMIT', [], tx.state, 'control');
      return;
    }
    mysql.deferred.push('COMMIT');
    await flushDeferred(mysql);
    mysql.ended = true;
    mysql.session.release();
  }

  /** Rolls back a transaction from {@link begin} (never throws). */
  async rollback(tx: Tx): Promise<void> {
    try {
      if (tx.raw !== undefined) {
        if (tx.raw.inTransaction) await tx.raw.run('ROLLBACK', [], tx.state, 'recover');
      } else if (tx.mysql !== undefined) await rollbackMysql(tx.mysql);
    } catch {
      // the connection is gone or the transaction already ended: nothing to undo
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    const writer = this.writerConn;
    const reader = this.readerConn;
    const opening = this.sqlite;
    this.sqlite = undefined;
    this.writerConn = undefined;
    this.readerConn = undefined;
    if (writer === undefined && opening !== undefined) await opening.catch(() => undefined);
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
    const schema = this.schemaConn;
    this.schemaConn = undefined;
    await schema?.close();
    // pools still being made are closed once made
    const pools = this.mysqlOpened ?? (await this.mysqlPools?.catch(() => undefined));
    await Promise.all([pools?.read.close(), pools?.write.close()]);
    if (reader !== undefined && reader !== writer) await reader.close();
    if (writer !== undefined) await writer.close();
  }

  /** Moves WAL checkpoints off the event loop ({@link WalCheckpointer}); on failure they run on commit again. */
  private startCheckpointer(file: string, writer: SqliteConnection): void {
    try {
      this.checkpointer = new WalCheckpointer(file, this.logger, () => {
        if (this.writerConn === writer && !this.closed) writer.runSync('PRAGMA wal_autocheckpoint=1000');
      });
      writer.runSync('PRAGMA wal_autocheckpoint=0');
    } catch (err) {
      this.logger.warn({ err, file }, 'SQLite WAL checkpointer could not start; checkpoints run on commit');
    }
  }

  /** Opens a better-sqlite3 connection to `filename`. */
  private openNative(filename: string, options?: { timeout?: number }): NativeDatabase {
    const open = this.loadedNative;
    if (open === undefined) throw new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The SQLite driver is not loaded yet.');
    if (filename !== ':memory:' && filename !== '') mkdirSync(dirname(filename), { recursive: true });
    return open(filename, options);
  }

  private loadedNative: NativeOpen | undefined;

  /**
   * The writer and the reader (SQLite), opened once: WAL (file databases),
   * `synchronous=NORMAL` (a commit is durable against a crash of the process, and costs no
   * fsync), foreign keys on, and no SQLite busy wait (it would block the event loop; see
   * {@link retryBusy}).
   */
  private sqliteConnections(): Promise<{ readonly writer: SqliteConnection; readonly reader: SqliteConnection }> {
    if (this.closed) return Promise.reject(new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The store is closed.'));
    this.sqlite ??= (async () => {
      this.loadedNative ??= await loadNative();
      const storage = this.storage ?? ':memory:';
      const writer = new SqliteConnection(this.openNative(storage, { timeout: 0 }));
      try {
        if (!this.inMemory) await retryBusy(() => writer.allSync('PRAGMA journal_mode=WAL'));
        writer.runSync('PRAGMA synchronous=NORMAL');
        writer.runSync('PRAGMA foreign_keys=ON');
        if (!this.inMemory) this.startCheckpointer(storage, writer);
        const reader = this.inMemory ? writer : new SqliteConnection(this.openNative(storage, { timeout: 0 }));
        this.writerConn = writer;
        this.readerConn = reader;
        return { writer, reader };
      } catch (err) {
        await writer.close();
        throw err;
      }
    })().catch((err: unknown) => {
      this.sqlite = undefined;
      throw err;
    });
    return this.sqlite;
  }
}

/** Waits between tries of a statement SQLite answered busy: 1 ms doubling up to 50 ms. */
const BUSY_BACKOFF: BackoffDefaults = { initialMs: 1, maxMs: 50, factor: 2 };

/**
 * Runs `op` (a synchronous SQLite call); while SQLite answers busy (another process holds
 * the lock) it is retried on a timer, never by blocking the event loop, for up to 5 s.
 * The first try runs at once, outside any retry policy (the hot path).
 */
async function retryBusy<T>(op: () => T): Promise<T> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  try {
    return op();
  } catch (err) {
    if (!isBusy(err)) throw err;
  }
  return retrying(op, { backoff: BUSY_BACKOFF, retryIf: isBusy, deadline });
}

/** Sends the deferred statements of a MySQL transaction in one round trip (undefined: none). */
function flushDeferred(tx: MysqlTx): Promise<unknown> | undefined {
  if (tx.deferred.length === 0) return undefined;
  const sql = tx.deferred.join('; ');
  tx.deferred.length = 0;
  return tx.session.query(sql);
}

/** Ends a MySQL transaction without keeping anything; a connection whose state is unknown is closed. */
async function rollbackMysql(tx: MysqlTx): Promise<void> {
  if (tx.ended) return;
  tx.ended = true;
  tx.deferred.length = 0;
  try {
    await tx.session.query('ROLLBACK');
    tx.session.release();
  } catch (err) {
    tx.session.destroy();
    throw err;
  }
}

/** Options of {@link Database.open}. @internal */
export interface DatabaseOptions {
  readonly logger: Logger;
  /** MySQL: connections of the read pool (default {@link DEFAULT_MYSQL_POOL_SIZE}). */
  readonly poolSize?: number;
  /** MySQL: write connections, i.e. write transactions at once (default {@link DEFAULT_MYSQL_WRITERS}). */
  readonly writeConnections?: number;
}
