import { maskDbUrl, parseStoreUrl, type ConnectTarget } from '../store/index.js';
import { ImportError } from './import-error.js';
import { openMysqlSource } from './mysql-source.js';
import { openSqliteSource } from './sqlite-source.js';

/** One row of an original table, as the database driver returns it. */
export type SourceRow = Readonly<Record<string, unknown>>;

/**
 * Read access to the original proton-server's database (read-only: nothing is ever
 * written to it).
 */
export interface GluonSource {
  /** `sqlite` or `mysql`. */
  readonly dialect: 'sqlite' | 'mysql';
  /** The URL, with any password replaced by `***`. */
  readonly displayUrl: string;
  /** Names of the tables in the database. */
  tables(): Promise<ReadonlySet<string>>;
  /** Names of the columns of `table`, in table order. */
  columns(table: string): Promise<readonly string[]>;
  /** Every row of `table`. */
  rows(table: string): Promise<readonly SourceRow[]>;
  /**
   * Columns and rows of several tables read in ONE read transaction, so a running
   * original's writes in the meantime cannot leave the result half old, half new
   * (SQLite: one deferred read transaction; MySQL: one REPEATABLE READ snapshot).
   */
  readTables(tables: readonly string[]): Promise<ReadonlyMap<string, SourceTable>>;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** One table of the original as read. */
export interface SourceTable {
  readonly columns: readonly string[];
  readonly rows: readonly SourceRow[];
}

/** Where the original's database is: a SQLite file or a MySQL/MariaDB database. */
export type SourceTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | Extract<ConnectTarget, { dialect: 'mysql' }>;

/**
 * Parses the URL of the original's database with the store's own URL rules (so the
 * original's `[database] connection` line, `mysql+pymysql://…`, can be pasted as it is),
 * and also accepts a plain file path. Accepted forms:
 * - `sqlite:<path>` or `sqlite://<path>` (as gluon's own `--db`), or a plain file path;
 * - `mysql://user:pass@host:port/db`, also `mysql+pymysql://…` and `mariadb://…`.
 * @throws GLUON_ERR_IMPORT_SOURCE for anything else.
 */
export function parseSourceUrl(url: string): SourceTarget {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ImportError('The URL of the original database is empty: give sqlite:<file> or mysql://user:pass@host:port/db.');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  // no scheme, or a Windows drive letter: a plain file path
  if (scheme === undefined || scheme.length === 1) return { dialect: 'sqlite', file: url };
  let target: ConnectTarget;
  try {
    target = parseStoreUrl(url);
  } catch (err) {
    throw new ImportError(`${(err as Error).message.replace('The database URL', 'The URL of the original database')}`, { cause: err });
  }
  if (target.dialect === 'mysql') return target;
  if (url.slice('sqlite:'.length).replace(/^\/\//, '') === '' || target.storage === ':memory:') {
    throw new ImportError(`The URL "${url}" names no SQLite file: give sqlite:<path of the original's gluon.sqlite>.`);
  }
  return { dialect: 'sqlite', file: target.storage };
}

/**
 * Opens the original's database read-only.
 * @throws GLUON_ERR_IMPORT_SOURCE when the URL is unusable, the file does not exist, the
 *   server cannot be reached or the driver package is missing.
 */
export async function openGluonSource(url: string): Promise<GluonSource> {
  const target = parseSourceUrl(url);
  const displayUrl = maskDbUrl(url);
  if (target.dialect === 'sqlite') {
    return openSqliteSource(target.file, displayUrl);
  }
  return openMysqlSource(target, displayUrl);
}
