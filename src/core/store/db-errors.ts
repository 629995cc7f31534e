import { StoreError, isGluonError } from '../errors/index.js';
import { TxAbortedError } from './sqlite-connection.js';

/** What a database error means, independent of the dialect. @internal */
export type DbFailure =
  | { readonly kind: 'unique' }
  | { readonly kind: 'foreign-key' }
  | { readonly kind: 'not-null'; readonly column?: string }
  | { readonly kind: 'bad-value'; readonly column?: string; readonly rule: string }
  | { readonly kind: 'no-table' }
  | { readonly kind: 'no-column' }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'other' };

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_MISUSE',
]);

/** MySQL errnos that mean "retry later": lock wait timeout, deadlock, server gone. */
const UNAVAILABLE_ERRNOS = new Set([1205, 1213, 2002, 2003, 2006, 2013, 1040, 1053]);

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
}

function driverError(err: unknown): DriverError {
  return typeof err === 'object' && err !== null ? (err as DriverError) : {};
}

/** MySQL/MariaDB errnos that mean a table or index on disk is damaged (crashed, corrupt). */
const DAMAGE_ERRNOS = new Set([126, 127, 145, 1034, 1194, 1195]);

/**
 * What is damaged, when `err` (or an error under it) says the database's files are
 * corrupt: SQLite's SQLITE_CORRUPT / SQLITE_NOTADB, MySQL's crashed or corrupt table and
 * index errors. Damage does not heal by retrying, unlike an unavailable database.
 * @internal
 */
export function databaseDamage(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (code.startsWith('SQLITE_CORRUPT') || /database disk image is malformed/i.test(message)) return `the SQLite file is damaged (${message || code})`;
    if (code === 'SQLITE_NOTADB') return `the file is not a SQLite database (${message || code})`;
    if (typeof e.errno === 'number' && DAMAGE_ERRNOS.has(e.errno)) return `a table or index is damaged (${message || String(e.errno)})`;
  }
  return undefined;
}

/**
 * True for a MySQL deadlock (errno 1213): the server rolled the whole transaction back
 * and nothing of it was kept, so running it again is safe. @internal
 */
export function isDeadlock(err: unknown): boolean {
  if (isGluonError(err)) return false;
  const errno = driverError(err).errno;
  if (errno === 1213) return true;
  return err instanceof TxAbortedError ? isDeadlock(err.cause) : false;
}

/** Classifies an error thrown by a driver (better-sqlite3, mysql2). @internal */
export function classifyDbError(err: unknown): DbFailure {
  if (isGluonError(err)) return { kind: 'other' };
  if (databaseDamage(err) !== undefined) return { kind: 'unavailable', reason: 'damaged' };
  if (err instanceof TxAbortedError) {
    // refused because its transaction had already failed: the transaction cannot go on
    const cause = classifyDbError(err.cause);
    return cause.kind === 'unavailable' ? cause : { kind: 'unavailable', reason: 'transaction aborted' };
  }
  const inner = driverError(err);
  const code = typeof inner.code === 'string' ? inner.code : '';
  const errno = typeof inner.errno === 'number' ? inner.errno : -1;
  const message = typeof inner.message === 'string' ? inner.message : err instanceof Error ? err.message : '';
  if (errno === 1062 || errno === 1586) return { kind: 'unique' };
  if ([1451, 1452, 1216, 1217].includes(errno)) {
    return { kind: 'foreign-key' };
  }
  // raw node-sqlite3 errors (the SQLite writer): code SQLITE_CONSTRAINT, the kind in the message
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    if (/UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(message) || code.endsWith('_UNIQUE') || code.endsWith('_PRIMARYKEY')) {
      return { kind: 'unique' };
    }
    if (/FOREIGN KEY constraint failed/.test(message) || code.endsWith('_FOREIGNKEY')) return { kind: 'foreign-key' };
  }
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_ERRNOS.has(errno)) {
    return { kind: 'unavailable', reason: code !== '' ? code : `errno ${errno}` };
  }
  if (/SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/.test(message) || /database is locked/i.test(message)) {
    return { kind: 'unavailable', reason: 'SQLITE_BUSY' };
  }
  let m = /NOT NULL constraint failed: [^.\s]+\.(\S+)/.exec(message);
  if (m !== null) return { kind: 'not-null', column: m[1] ?? '' };
  if (errno === 1048 || errno === 1364) {
    m = /(?:Column|Field) '([^']+)'/.exec(message);
    return m?.[1] === undefined ? { kind: 'not-null' } : { kind: 'not-null', column: m[1] };
  }
  m = /CHECK constraint failed: (?:ck_)?(\S+)/.exec(message);
  if (m !== null) return { kind: 'bad-value', column: (m[1] ?? '').replace(/^`|`$/g, ''), rule: 'enum' };
  if ([1406, 1264, 1265, 1366, 1292, 4025].includes(errno)) {
    const rule = errno === 1406 ? 'maxLength' : errno === 1264 ? 'range' : 'type';
    m = /column '([^']+)'/i.exec(message);
    return m?.[1] === undefined ? { kind: 'bad-value', rule } : { kind: 'bad-value', column: m[1], rule };
  }
  if (errno === 1146 || /no such table/i.test(message)) return { kind: 'no-table' };
  if (errno === 1054 || /no such column|has no column named/i.test(message)) return { kind: 'no-column' };
  return { kind: 'other' };
}

/** Why a database could not be opened, and what to change. @internal */
interface StartupFailure {
  readonly cause: string;
  readonly fix: string;
  /** False when the driver's error is not one of the causes this module knows. */
  readonly known: boolean;
}

/** The driver errors under `err` (its `cause` chain), outermost first. */
function errorChain(err: unknown): DriverError[] {
  const chain: DriverError[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && chain.length < 8 && !chain.includes(current as DriverError)) {
    chain.push(current as DriverError);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** What a driver error met while opening the database means, and what to change. */
function startupFailure(err: unknown, url: URL | undefined): StartupFailure {
  const chain = errorChain(err);
  const codes = new Set(chain.flatMap((e) => (typeof e.code === 'string' ? [e.code] : [])));
  const errnos = new Set(chain.flatMap((e) => (typeof e.errno === 'number' ? [e.errno] : [])));
  const driverMessage = [...chain].reverse().find((e) => typeof e.message === 'string' && e.message !== '')?.message as string | undefined;
  const has = (...names: string[]): boolean => names.some((n) => codes.has(n));
  const known = (cause: string, fix: string): StartupFailure => ({ cause, fix, known: true });
  const where = url === undefined ? 'the database server' : `${url.hostname}:${url.port === '' ? '3306' : url.port}`;
  const database = url?.pathname.replace(/^\//, '') ?? '';
  if (has('ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR') || errnos.has(1045) || errnos.has(1044)) {
    return known(`access denied (${driverMessage ?? 'wrong user or password'})`, 'correct the user and password in the URL, or grant this user access to the database');
  }
  if (has('ER_BAD_DB_ERROR') || errnos.has(1049)) {
    return known(`the database "${database}" does not exist`, `create it (CREATE DATABASE \`${database}\`) or correct its name in the URL`);
  }
  if (has('ECONNREFUSED')) return known(`nothing accepts connections at ${where}`, 'start the database server, or correct the host and port in the URL');
  if (has('ENOTFOUND', 'EAI_AGAIN')) return known(`the host name ${url?.hostname ?? ''} does not resolve`, 'correct the host in the URL');
  if (has('ETIMEDOUT', 'EHOSTUNREACH')) return known(`${where} does not answer`, 'check that the database server runs and that this machine can reach it');
  if (has('SQLITE_NOTADB')) return known('the file is not a SQLite database', 'point --db at the right file, or move this file away to start with an empty database');
  if (has('SQLITE_CORRUPT')) return known('the SQLite file is damaged (truncated or corrupt)', 'restore the file from a backup (or recover it with the sqlite3 `.recover` command)');
  if (has('SQLITE_READONLY', 'EACCES', 'EROFS', 'EPERM')) {
    return known('the file or its directory is read-only for this process', 'make the file and its directory writable by the user running gluon, or choose another path');
  }
  if (has('SQLITE_CANTOPEN')) return known('the SQLite file cannot be opened or created', 'check that its directory exists and is writable');
  if (has('SQLITE_FULL', 'ENOSPC')) return known('the disk is full', 'free disk space');
  if (has('SQLITE_BUSY', 'SQLITE_LOCKED')) return known('another process holds a lock on the file', 'stop the other process using it');
  return { cause: driverMessage ?? 'the driver gave no reason', fix: 'check the --db URL and the database server', known: false };
}

/** `url` with its password replaced by `***` (for messages and logs). */
export function maskDbUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/**
 * The error to show when the database cannot be opened at start-up
 * (`GLUON_ERR_STORE_OPEN`): names the URL (password masked), the cause and the fix —
 * unlike a request's answer, it does not ask to "retry the request". A Gluon error that
 * is not about the database being reachable or readable (a schema or configuration
 * problem) is returned as it is.
 */
export function databaseStartupError(err: unknown, dbUrl: string): Error {
  let parsed: URL | undefined;
  try {
    parsed = dbUrl.startsWith('sqlite:') ? undefined : new URL(dbUrl);
  } catch {
    parsed = undefined;
  }
  const failure = startupFailure(err, parsed);
  // a schema or configuration error stays itself, unless a damaged file caused it
  if (isGluonError(err) && err.code !== 'GLUON_ERR_STORE_UNAVAILABLE' && !(err.code === 'GLUON_ERR_STORE_SCHEMA' && failure.known)) return err;
  return new StoreError('GLUON_ERR_STORE_OPEN', `Cannot open the database ${maskDbUrl(dbUrl)}: ${failure.cause}. Fix: ${failure.fix}.`, { cause: err });
}
