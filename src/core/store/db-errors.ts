import { isGluonError } from '../errors/index.js';
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

const UNAVAILABLE_NAMES = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionTimedOutError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
  'SequelizeInvalidConnectionError',
  'SequelizeAccessDeniedError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeTimeoutError',
]);

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
  if (typeof err !== 'object' || err === null) return {};
  const e = err as { original?: unknown; parent?: unknown };
  const inner = (e.original ?? e.parent ?? err) as DriverError;
  return typeof inner === 'object' && inner !== null ? inner : {};
}

/** Classifies an error thrown by Sequelize or a driver. @internal */
export function classifyDbError(err: unknown): DbFailure {
  if (isGluonError(err)) return { kind: 'other' };
  if (err instanceof TxAbortedError) {
    // refused because its transaction had already failed: the transaction cannot go on
    const cause = classifyDbError(err.cause);
    return cause.kind === 'unavailable' ? cause : { kind: 'unavailable', reason: 'transaction aborted' };
  }
  const name = typeof err === 'object' && err !== null ? String((err as { name?: unknown }).name) : '';
  const inner = driverError(err);
  const code = typeof inner.code === 'string' ? inner.code : '';
  const errno = typeof inner.errno === 'number' ? inner.errno : -1;
  const message = typeof inner.message === 'string' ? inner.message : err instanceof Error ? err.message : '';
  if (name === 'SequelizeUniqueConstraintError' || errno === 1062 || errno === 1586) return { kind: 'unique' };
  if (name === 'SequelizeForeignKeyConstraintError' || [1451, 1452, 1216, 1217].includes(errno)) {
    return { kind: 'foreign-key' };
  }
  // raw node-sqlite3 errors (the SQLite writer): code SQLITE_CONSTRAINT, the kind in the message
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    if (/UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(message) || code.endsWith('_UNIQUE') || code.endsWith('_PRIMARYKEY')) {
      return { kind: 'unique' };
    }
    if (/FOREIGN KEY constraint failed/.test(message) || code.endsWith('_FOREIGNKEY')) return { kind: 'foreign-key' };
  }
  if (UNAVAILABLE_NAMES.has(name) || UNAVAILABLE_CODES.has(code) || UNAVAILABLE_ERRNOS.has(errno)) {
    return { kind: 'unavailable', reason: code !== '' ? code : name };
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
