import type * as Mysql2Module from 'mysql2';
import type { ExecuteValues, Pool, PoolConnection, PoolOptions } from 'mysql2';
import { StoreError } from '../errors/index.js';

/** The mysql2 module (callback API). */
type Mysql2 = typeof Mysql2Module;

/** A row as mysql2 returns it. @internal */
export type MysqlRow = Record<string, unknown>;

/** Where a MySQL/MariaDB database is. @internal */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** mysql2, loaded once (the package the user installs to use MySQL). */
let driver: Promise<Mysql2> | undefined;

function loadDriver(): Promise<Mysql2> {
  driver ??= import('mysql2').then(
    (mod) => ((mod as unknown as { default?: Mysql2 }).default ?? mod) as Mysql2,
    (err: unknown) => {
      driver = undefined;
      throw new StoreError('GLUON_ERR_STORE_CONFIG', 'The mysql driver could not be loaded: install the "mysql2" package (npm install mysql2).', { cause: err });
    },
  );
  return driver;
}

/** How long opening a connection may take before it fails as unavailable (ms). */
const CONNECT_TIMEOUT_MS = 5_000;

/** How long an idle pooled connection is kept (ms). */
const IDLE_TIMEOUT_MS = 10_000;

/**
 * Connection settings both pools share: dates as the stored text (`YYYY-MM-DD
 * HH:MM:SS.mmm`, read back by `fromSqlDate` as on SQLite — no Date per cell), numbers
 * as numbers (BIGINT beyond 2^53 as text), and no per-cell type-cast callback.
 */
function poolOptions(target: MysqlTarget, size: number): PoolOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: size,
    maxIdle: size,
    idleTimeout: IDLE_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    charset: 'utf8mb4',
  };
}

/** One connection taken from a pool (a transaction's), released when done. @internal */
export class MysqlSession {
  constructor(private readonly conn: PoolConnection) {}

  /** Runs a prepared statement and returns its rows. */
  execute(sql: string, params: readonly unknown[]): Promise<MysqlRow[]> {
    return new Promise((resolve, reject) => {
      this.conn.execute(sql, params as ExecuteValues[], (err, rows) => (err === null ? resolve(rows as MysqlRow[]) : reject(err)));
    });
  }

  /**
   * Runs `sql` as text with `params` escaped into it (one round trip; with several
   * statements — the writer's pool allows them — MySQL stops at the first that fails).
   */
  query(sql: string, params?: readonly unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, result: unknown): void => (err === null ? resolve(result) : reject(err as Error));
      if (params === undefined) this.conn.query(sql, done);
      else this.conn.query(sql, params as unknown[], done);
    });
  }

  /** `sql` with `params` escaped into it, as this connection would send it. */
  format(sql: string, params: readonly unknown[]): string {
    return this.conn.format(sql, params as unknown[]);
  }

  /** Gives the connection back to its pool. */
  release(): void {
    this.conn.release();
  }

  /** Closes the connection instead of pooling it again (its state is unknown). */
  destroy(): void {
    this.conn.destroy();
  }
}

/**
 * A mysql2 connection pool: prepared statements for the hot reads (`execute`), text
 * statements for schema work, and sessions for transactions.
 * @internal
 */
export class MysqlPool {
  private constructor(private readonly pool: Pool) {}

  /**
   * Makes a pool of at most `size` connections; each opened connection's session time
   * zone is UTC. `multipleStatements`: a text query may hold several statements (the
   * writer's pool, whose statements are all formatted by the store).
   */
  static async open(target: MysqlTarget, options: { readonly size: number; readonly multipleStatements?: boolean }): Promise<MysqlPool> {
    const mysql = await loadDriver();
    const pool = mysql.createPool({ ...poolOptions(target, options.size), multipleStatements: options.multipleStatements === true });
    pool.on('connection', (conn) => {
      conn.query("SET time_zone = '+00:00'");
    });
    return new MysqlPool(pool);
  }

  /** Runs a prepared statement on a pooled connection and returns its rows. */
  execute(sql: string, params: readonly unknown[]): Promise<MysqlRow[]> {
    return new Promise((resolve, reject) => {
      this.pool.execute(sql, params as ExecuteValues[], (err, rows) => (err === null ? resolve(rows as MysqlRow[]) : reject(err)));
    });
  }

  /** Runs a text statement (params escaped into it) on a pooled connection. */
  query(sql: string, params: readonly unknown[] = []): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pool.query(sql, params as unknown[], (err, result) => (err === null ? resolve(result) : reject(err)));
    });
  }

  /** Takes a connection for a transaction (release or destroy it when done). */
  session(): Promise<MysqlSession> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((err, conn) => (err === null ? resolve(new MysqlSession(conn)) : reject(err)));
    });
  }

  /** Closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.pool.end(() => resolve());
    });
  }
}

