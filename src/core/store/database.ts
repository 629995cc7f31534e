import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import { StoreError } from '../errors/index.js';
import { RawSqlite, type Sqlite3Database, type TxState } from './raw-sqlite.js';
import type { Dialect } from './sql-text.js';
import type { StoreLogger } from './store-logger.js';
import type { OutboxEntry } from './types.js';

/** A raw result row. @internal */
export type Row = Record<string, unknown>;

/** An open write transaction (opaque to callers). @internal */
export interface Tx {
  /** The Sequelize transaction (MySQL). */
  readonly handle?: Transaction;
  /** The raw writer connection (SQLite): every statement of the transaction runs on it. */
  readonly raw?: RawSqlite;
  /** Failure state of the transaction on the raw connection (see {@link TxState}). */
  readonly state: TxState;
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
 * A thin layer over Sequelize: raw parametrised statements, pooled transactions on MySQL.
 * On SQLite the writer has one dedicated node-sqlite3 connection that its statements go
 * to directly, without Sequelize ({@link RawSqlite}: prepared statements, issued in order
 * without awaiting each); reads go through Sequelize on their own connection.
 * @internal
 */
export class Database {
  readonly dialect: Dialect;
  readonly sequelize: Sequelize;
  private writer: Promise<RawSqlite> | undefined;
  private rawWriter: RawSqlite | undefined;

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
    if (tx?.raw !== undefined) return tx.raw.all(sql, params, tx.state);
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
    if (tx?.raw !== undefined) {
      await tx.raw.run(sql, params, tx.state);
      return;
    }
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
    if (tx.raw !== undefined) return tx.raw.run(sql, params, tx.state);
    const out = (await this.sequelize.query(toBind(sql), {
      type: QueryTypes.RAW,
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
   * Runs statements of one transaction: on SQLite all are issued at once (the raw
   * connection runs them in order), on MySQL one after the other. Resolves when all have
   * settled; rejects with the first failure in issue order.
   */
  async sequence(tx: Tx, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
    if (tx.raw === undefined) {
      for (const step of steps) await step();
      return;
    }
    const settled = await Promise.allSettled(steps.map((step) => step()));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }

  /** Starts a write transaction (only the group writer calls this: one at a time). */
  async begin(): Promise<Tx> {
    if (this.dialect === 'mysql') {
      const handle = await this.sequelize.transaction();
      return { handle, state: { failure: undefined, broken: false }, outbox: [] };
    }
    const raw = await this.sqliteWriter();
    const tx: Tx = { raw, state: { failure: undefined, broken: false }, outbox: [] };
    // not awaited: a failure refuses every later statement of the transaction, COMMIT included
    this.control('BEGIN IMMEDIATE', tx);
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
      if (tx.raw !== undefined) await tx.raw.run('ROLLBACK', [], tx.state, 'recover');
      else if (tx.handle !== undefined) await tx.handle.rollback();
    } catch {
      // the connection is gone or the transaction already ended: nothing to undo
    }
  }

  /** Closes every connection (after finalizing the writer's prepared statements). */
  async close(): Promise<void> {
    const raw = this.rawWriter;
    this.writer = undefined;
    this.rawWriter = undefined;
    if (raw !== undefined) await raw.close();
    await this.sequelize.close();
  }

  /**
   * The one SQLite writer connection, kept open for the store's life (Sequelize's
   * connection manager opens it; on `:memory:` it is the one shared connection).
   */
  private sqliteWriter(): Promise<RawSqlite> {
    this.writer ??= (async () => {
      const manager = this.sequelize.connectionManager as unknown as {
        getConnection(options: { uuid: string }): Promise<unknown>;
      };
      const connection = (await manager.getConnection({ uuid: 'gluon-writer' })) as Sqlite3Database;
      const raw = new RawSqlite(connection);
      await raw.run('PRAGMA synchronous=NORMAL');
      await raw.run('PRAGMA busy_timeout=5000');
      await raw.run('PRAGMA foreign_keys=ON');
      this.rawWriter = raw;
      return raw;
    })().catch((err: unknown) => {
      this.writer = undefined;
      throw err;
    });
    return this.writer;
  }
}

/** Turns `?` placeholders into Sequelize's `$1…$n` bind syntax (our SQL has no literals). */
function toBind(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}
