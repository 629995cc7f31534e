import { ConfigError, StoreError, wholeNumberOption } from '../errors/index.js';
import { Database, type ConnectTarget } from './database.js';
import { SqlStoreImpl } from './sql-store.js';
import type { SqlStore } from './types.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Options of {@link createStore}. */
export interface StoreOptions {
  /**
   * Where the data lives: `sqlite:<file path>` (default `sqlite:./gluon.db`),
   * `sqlite::memory:`, or `mysql://user:pass@host:port/db` (needs the `mysql2` package).
   */
  readonly url?: string;
  /** A pino-compatible logger (default: silent; the store never writes to the console). */
  readonly logger?: Logger;
  /**
   * The server's base URL written into `/gluon/port/<id>` registrations (default
   * `http://127.0.0.1:2705`). A wildcard host (`0.0.0.0`, `::`) is rejected.
   */
  readonly advertisedUrl?: string;
  /** Write outbox rows for the etcd mirror (default true). */
  readonly mirror?: boolean;
  /** Largest page a list returns (default 1000). */
  readonly maxPageSize?: number;
  /** MySQL: connections of the read pool (default 10). */
  readonly poolSize?: number;
  /**
   * MySQL: write connections (default 4): how many write transactions, each
   * committing a group of concurrent writes, run at once.
   */
  readonly writeConnections?: number;
}

/** Default database URL: a SQLite file in the working directory. */
export const DEFAULT_STORE_URL = 'sqlite:./gluon.db';

/** Default advertised URL of the Proton server. */
export const DEFAULT_ADVERTISED_URL = 'http://127.0.0.1:2705';

/**
 * Creates the SQL store. Nothing is opened until the first call (`init`, `ping`, …).
 *
 * @example
 * ```ts
 * const store = createStore({ url: 'sqlite:./gluon.db', advertisedUrl: 'http://10.0.0.5:2705' });
 * await store.init(models);
 * const port = await store.create(api, portObject, { tenant_id, mac_address, … });
 * ```
 * @throws GLUON_ERR_STORE_CONFIG for an unusable URL or a missing driver package,
 *   GLUON_ERR_CONFIG for a bad advertised URL or page size.
 */
export function createStore(options: StoreOptions = {}): SqlStore {
  const target = parseStoreUrl(options.url ?? DEFAULT_STORE_URL);
  const advertisedUrl = checkAdvertisedUrl(options.advertisedUrl ?? DEFAULT_ADVERTISED_URL);
  const maxPageSize = wholeNumberOption('maxPageSize', options.maxPageSize ?? 1000, { min: 1 });
  const logger = options.logger ?? silentLogger;
  const db = Database.open(target, { logger, ...poolSizes(options) });
  return new SqlStoreImpl(db, { logger, advertisedUrl, mirror: options.mirror ?? true, maxPageSize });
}

/** The MySQL pool sizes given, checked (whole numbers ≥ 1). */
function poolSizes(options: StoreOptions): { poolSize?: number; writeConnections?: number } {
  return {
    ...(options.poolSize === undefined ? {} : { poolSize: wholeNumberOption('poolSize', options.poolSize, { min: 1 }) }),
    ...(options.writeConnections === undefined ? {} : { writeConnections: wholeNumberOption('writeConnections', options.writeConnections, { min: 1 }) }),
  };
}

function storeConfig(message: string): StoreError {
  return new StoreError('GLUON_ERR_STORE_CONFIG', message);
}

/**
 * Parses a database URL: `sqlite:<file>` (`sqlite://<file>`, `sqlite::memory:`) or
 * `mysql://user:pass@host:port/db`, also spelled `mariadb://…` or with a driver suffix
 * (`mysql+pymysql://…`, as an oslo.db `connection` line); a query such as `?charset=…` is
 * ignored.
 * @throws GLUON_ERR_STORE_CONFIG for anything else.
 */
export function parseStoreUrl(url: string): ConnectTarget {
  if (typeof url !== 'string' || url === '') throw storeConfig('The database URL is empty: use sqlite:<file> or mysql://user:pass@host:port/db.');
  if (url.startsWith('sqlite:')) {
    let storage = url.slice('sqlite:'.length);
    if (storage.startsWith('//')) storage = storage.slice(2);
    if (storage === '') storage = './gluon.db';
    return { dialect: 'sqlite', storage };
  }
  if (/^(mysql|mariadb)(\+[a-z0-9]+)?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url.replace(/^[^:]+:/, 'mysql:'));
    } catch (err) {
      throw new StoreError('GLUON_ERR_STORE_CONFIG', `The database URL "${redact(url)}" is not a valid URL: use mysql://user:pass@host:port/db.`, { cause: err });
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (database === '') throw storeConfig(`The database URL "${redact(url)}" names no database: use mysql://user:pass@host:port/db.`);
    return {
      dialect: 'mysql',
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port === '' ? 3306 : Number(parsed.port),
      user: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password),
      database,
    };
  }
  throw storeConfig(`Unsupported database URL "${redact(url)}": use sqlite:<file>, sqlite::memory: or mysql://user:pass@host:port/db.`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Checks the advertised URL: absolute http(s), not a wildcard host. @internal */
export function checkAdvertisedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new ConfigError(`Invalid advertisedUrl ${JSON.stringify(url)}: expected an absolute URL such as http://10.0.0.5:2705.`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`Invalid advertisedUrl ${JSON.stringify(url)}: the scheme must be http or https.`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0') {
    throw new ConfigError(
      `Invalid advertisedUrl ${JSON.stringify(url)}: ${host} is a wildcard listen address, not one clients can reach; advertise the server's real host name or IP.`,
    );
  }
  return url.replace(/\/+$/, '');
}
