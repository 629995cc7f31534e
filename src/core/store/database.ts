import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Options as SequelizeOptions, Sequelize, Transaction } from 'sequelize';
import { StoreError } from '../errors/index.js';
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

/** An open write transaction (opaque to callers). @internal */
export interface Tx {
  /** The Sequelize transaction (MySQL). */
  readonly handle?: Transaction;
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
 * - **MySQL/MariaDB**: Sequelize with its pool; transactions are Sequelize transactions.
 *   Sequelize is imported when the first statement needs it.
 * @internal
 */
export class Database {
  readonly dialect: Dialect;
  /** MySQL: Sequelize, made on first use (the module is imported then). */
  private sequelize: Promise<Sequelize> | undefined;
  private sequelizeOpened: Sequelize | undefined;
  private readonly mysqlTarget: Extract<ConnectTarget, { dialect: 'mysql' }> | undefined;
  /** SQLite: the connection schema work runs on (outside the store's writer). */
  private schemaConn: SqliteConnection | undefined;
  private sqlite: Promise<{ readonly writer: SqliteConnection; readonly reader: SqliteConnection }> | undefined;
  private writerConn: SqliteConnection | undefined;
  private readerConn: SqliteConnection | undefined;
  private checkpointer: WalCheckpointer | undefined;
  private closed = false;

  private readonly storage: string | undefined;
  private readonly logger: Logger;

  private constructor(target: ConnectTarget, logger: Logger) {
    this.dialect = target.dialect;
    this.mysqlTarget = target.dialect === 'mysql' ? target : undefined;
    this.storage = target.dialect === 'sqlite' ? target.storage : undefined;
    this.logger = logger;
  }

  private get inMemory(): boolean {
    return this.storage === ':memory:';
  }

  /** Opens the database (connections are made when first needed). */
  static open(target: ConnectTarget, logger: Logger): Database {
    logger.debug({ dialect: target.dialect }, 'opening the SQL store');
    return new Database(target, logger);
  }

  /**
   * MySQL: the Sequelize instance (with its pool), made once; throws
   * GLUON_ERR_STORE_CONFIG when the driver package is missing. @internal
   */
  mysql(): Promise<Sequelize> {
    const target = this.mysqlTarget;
    if (target === undefined) return Promise.reject(new StoreError('GLUON_ERR_INTERNAL', 'Sequelize is used on MySQL only.'));
    if (this.closed) return Promise.reject(new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The store is closed.'));
    this.sequelize ??= import('sequelize').then(({ Sequelize: SequelizeClass }) => {
      const options: SequelizeOptions = {
        logging: false,
        benchmark: false,
        define: { timestamps: false },
        dialect: 'mysql',
        host: target.host,
        port: target.port,
        timezone: '+00:00',
        pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 },
        dialectOptions: { connectTimeout: 5_000 },
        retry: { max: 1 },
      };
      try {
        this.sequelizeOpened = new SequelizeClass(target.database, target.user, target.password, options);
        return this.sequelizeOpened;
      } catch (err) {
        throw new StoreError('GLUON_ERR_STORE_CONFIG', 'The mysql driver could not be loaded: install the "mysql2" package (npm install mysql2).', { cause: err });
      }
    });
    return this.sequelize;
  }

  /** Runs a schema query that returns rows: outside the store's writer (MySQL: on Sequelize's pool; SQLite: on the schema connection). @internal */
  async schemaRows(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    if (this.dialect === 'sqlite') return (await this.schemaConnection()).allSync(sql, params);
    const sequelize = await this.mysql();
    return (await sequelize.query(sql, { type: 'SELECT', raw: true, ...(params.length === 0 ? {} : { replacements: [...params] }) } as never)) as unknown as Row[];
  }

  /** Runs a schema statement (DDL, schema bookkeeping), like {@link schemaRows}. @internal */
  async schemaExec(sql: string, params: readonly unknown[] = []): Promise<void> {
    if (this.dialect === 'sqlite') {
      (await this.schemaConnection()).runSync(sql, params);
      return;
    }
    const sequelize = await this.mysql();
    await sequelize.query(sql, { type: 'RAW', raw: true, ...(params.length === 0 ? {} : { replacements: [...params] }) } as never);
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

  /** Runs a SELECT and returns its rows. */
  async select(sql: string, params: readonly unknown[], tx?: Tx): Promise<Row[]> {
    if (tx?.raw !== undefined) return tx.raw.all(sql, params, tx.state);
    if (this.dialect === 'sqlite') {
      const reader = this.readerConn ?? (await this.sqliteConnections()).reader;
      return retryBusy(() => reader.allSync(sql, params));
    }
    return (await (await this.mysql()).query(toBind(sql), {
      type: 'SELECT',
      bind: params as unknown[],
      raw: true,
      tableNames: [],
      ...(tx === undefined ? {} : { transaction: tx.handle }),
    } as never)) as unknown as Row[];
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
    await (await this.mysql()).query(toBind(sql), {
      type: 'RAW',
      ...(params.length === 0 ? {} : { bind: params as unknown[] }),
      raw: true,
      tableNames: [],
      ...(tx === undefined ? {} : { transaction: tx.handle }),
    } as never);
  }

  /**
   * Runs an INSERT and returns how many rows it inserted and the rowid of the last one
   * (SQLite: consecutive rowids for a multi-row INSERT). On MySQL `lastId` is undefined.
   */
  async insert(sql: string, params: readonly unknown[], tx: Tx): Promise<{ readonly changes: number; readonly lastId: number | undefined }> {
    if (tx.raw !== undefined) return tx.raw.run(sql, params, tx.state);
    const out = (await (await this.mysql()).query(toBind(sql), {
      type: 'RAW',
      ...(params.length === 0 ? {} : { bind: params as unknown[] }),
      raw: true,
      tableNames: [],
      ...(tx.handle === undefined ? {} : { transaction: tx.handle }),
    } as never)) as unknown as [unknown, { lastID?: unknown; changes?: unknown } | undefined];
    const meta = this.dialect === 'sqlite' ? out[1] : undefined;
    const lastId = typeof meta?.lastID === 'number' ? meta.lastID : undefined;
    const changes = typeof meta?.changes === 'number' ? meta.changes : 0;
    return { changes, lastId };
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
   * Starts a write transaction (only the group writer calls this: one at a time). On
   * SQLite a busy database (another process holds the write lock) is retried without
   * blocking the event loop, for up to 5 s; then the write fails as unavailable.
   */
  async begin(): Promise<Tx> {
    if (this.dialect === 'mysql') {
      const handle = await (await this.mysql()).transaction();
      return { handle, state: { failure: undefined, broken: false }, outbox: [], outboxRows: 0 };
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
    if (tx.raw === undefined) return this.run(sql, [], tx);
    tx.raw.run(sql, [], tx.state, 'control').catch(() => undefined);
    return Promise.resolve();
  }

  /** Rolls back to a savepoint (always runs; on success the transaction may go on). */
  async rollbackTo(name: string, tx: Tx): Promise<void> {
    if (tx.raw === undefined) {
      await this.run(`ROLLBACK TO SAVEPOINT ${name}`, [], tx);
      await this.run(`RELEASE SAVEPOINT ${name}`, [], tx);
      return;
    }
    await tx.raw.run(`ROLLBACK TO SAVEPOINT ${name}`, [], tx.state, 'recover');
    await tx.raw.run(`RELEASE SAVEPOINT ${name}`, [], tx.state, 'control');
  }

  /** Commits a transaction from {@link begin} (refused on SQLite when a statement of it failed unrecovered). */
  async commit(tx: Tx): Promise<void> {
    if (tx.raw !== undefined) await tx.raw.run('COMMIT', [], tx.state, 'control');
    else if (tx.handle !== undefined) await tx.handle.commit();
  }

  /** Rolls back a transaction from {@link begin} (never throws). */
  async rollback(tx: Tx): Promise<void> {
    try {
      if (tx.raw !== undefined) {
        if (tx.raw.inTransaction) await tx.raw.run('ROLLBACK', [], tx.state, 'recover');
      } else if (tx.handle !== undefined) await tx.handle.rollback();
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
    // a Sequelize still being made is closed once made
    const sequelize = this.sequelizeOpened ?? (await this.sequelize?.catch(() => undefined));
    await sequelize?.close();
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

/** Turns `?` placeholders into Sequelize's `$1…$n` bind syntax (our SQL has no literals). */
function toBind(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}
