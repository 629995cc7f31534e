import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import { StoreError } from '../errors/index.js';
import type { Dialect } from './sql-text.js';
import type { StoreLogger } from './store-logger.js';
import type { OutboxEntry } from './types.js';

/** A raw result row. @internal */
export type Row = Record<string, unknown>;

/** An open write transaction (opaque to callers). @internal */
export interface Tx {
  readonly handle: Transaction;
  /**
   * Outbox entries inserted in this transaction with their sequence numbers, in seq
   * order (SQLite only; empty on MySQL). Handed to the store's commit listeners once the
   * transaction committed.
   */
  readonly outbox: OutboxEntry[];
}

/** Where to connect, after URL parsing. @internal */
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

/**
 * A thin layer over Sequelize: raw parametrised statements, one dedicated writer
 * connection on SQLite (Sequelize would open a new sqlite connection per transaction),
 * pooled transactions on MySQL.
 * @internal
 */
export class Database {
  readonly dialect: Dialect;
  readonly sequelize: Sequelize;
  private writer: Transaction | undefined;

  private constructor(
    dialect: Dialect,
    sequelize: Sequelize,
    private readonly inMemory: boolean,
  ) {
    this.dialect = dialect;
    this.sequelize = sequelize;
  }

  /** Opens the database; throws GLUON_ERR_STORE_CONFIG when the driver package is missing. */
  static open(target: ConnectTarget, logger: StoreLogger): Database {
    const common = { logging: false as const, benchmark: false, define: { timestamps: false } };
    logger.debug({ dialect: target.dialect }, 'opening the SQL store');
    let sequelize: Sequelize;
    try {
      sequelize =
        target.dialect === 'sqlite'
          ? new Sequelize({ ...common, dialect: 'sqlite', storage: target.storage, retry: { max: 1 } })
          : new Sequelize(target.database, target.user, target.password, {
              ...common,
              dialect: 'mysql',
              host: target.host,
              port: target.port,
              timezone: '+00:00',
              pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 },
              dialectOptions: { connectTimeout: 5_000 },
              retry: { max: 1 },
            });
    } catch (err) {
      const pkg = target.dialect === 'sqlite' ? 'sqlite3' : 'mysql2';
      throw new StoreError(
        'GLUON_ERR_STORE_CONFIG',
        `The ${target.dialect} driver could not be loaded: install the "${pkg}" package (npm install ${pkg}).`,
        { cause: err },
      );
    }
    return new Database(target.dialect, sequelize, target.dialect === 'sqlite' && target.storage === ':memory:');
  }

  /** Applies per-connection settings to the read connection (SQLite pragmas). */
  async prepare(): Promise<void> {
    if (this.dialect !== 'sqlite') {
      await this.select('SELECT 1 AS ok', []);
      return;
    }
    if (!this.inMemory) await this.run('PRAGMA journal_mode=WAL', []);
    await this.run('PRAGMA synchronous=NORMAL', []);
    await this.run('PRAGMA busy_timeout=5000', []);
    await this.run('PRAGMA foreign_keys=ON', []);
  }

  /** Runs a SELECT and returns its rows. */
  async select(sql: string, params: readonly unknown[], tx?: Tx): Promise<Row[]> {
    return (await this.sequelize.query(toBind(sql), {
      type: QueryTypes.SELECT,
      bind: params as unknown[],
      raw: true,
      // stops the sqlite dialect from running PRAGMA table_info before every SELECT
      tableNames: [],
      ...(tx === undefined ? {} : { transaction: tx.handle }),
    } as never)) as unknown as Row[];
  }

  /** Runs a statement that returns no rows. */
  async run(sql: string, params: readonly unknown[], tx?: Tx): Promise<void> {
    await this.sequelize.query(toBind(sql), {
      type: QueryTypes.RAW,
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
    const out = (await this.sequelize.query(toBind(sql), {
      type: QueryTypes.RAW,
      ...(params.length === 0 ? {} : { bind: params as unknown[] }),
      raw: true,
      tableNames: [],
      transaction: tx.handle,
    } as never)) as unknown as [unknown, { lastID?: unknown; changes?: unknown } | undefined];
    const meta = this.dialect === 'sqlite' ? out[1] : undefined;
    const lastId = typeof meta?.lastID === 'number' ? meta.lastID : undefined;
    const changes = typeof meta?.changes === 'number' ? meta.changes : 0;
    return { changes, lastId };
  }

  /** Starts a write transaction (only the group writer calls this: one at a time). */
  async begin(): Promise<Tx> {
    if (this.dialect === 'mysql') {
      const handle = await this.sequelize.transaction();
      return { handle, outbox: [] };
    }
    const handle = await this.sqliteWriter();
    const tx = { handle, outbox: [] };
    await this.run('BEGIN IMMEDIATE', [], tx);
    return tx;
  }

  /** Commits a transaction from {@link begin}. */
  async commit(tx: Tx): Promise<void> {
    if (this.dialect === 'mysql') await tx.handle.commit();
    else await this.run('COMMIT', [], tx);
  }

  /** Rolls back a transaction from {@link begin} (never throws). */
  async rollback(tx: Tx): Promise<void> {
    try {
      if (this.dialect === 'mysql') await tx.handle.rollback();
      else await this.run('ROLLBACK', [], tx);
    } catch {
      // the connection is gone or the transaction already ended: nothing to undo
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.writer = undefined;
    await this.sequelize.close();
  }

  /**
   * The one SQLite writer connection, kept open for the store's life. It is handed to
   * Sequelize as a transaction-shaped object so that `query()` runs on it.
   */
  private async sqliteWriter(): Promise<Transaction> {
    if (this.writer !== undefined) return this.writer;
    const manager = this.sequelize.connectionManager as unknown as {
      getConnection(options: { uuid: string }): Promise<unknown>;
    };
    const connection = await manager.getConnection({ uuid: 'gluon-writer' });
    const handle = { connection, finished: undefined, options: {} } as unknown as Transaction;
    const tx = { handle, outbox: [] };
    await this.run('PRAGMA synchronous=NORMAL', [], tx);
    await this.run('PRAGMA busy_timeout=5000', [], tx);
    await this.run('PRAGMA foreign_keys=ON', [], tx);
    this.writer = handle;
    return handle;
  }
}

/** Turns `?` placeholders into Sequelize's `$1…$n` bind syntax (our SQL has no literals). */
function toBind(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}
