import {
  ConflictError,
  GluonError,
  NotFoundError,
  StoreError,
  ValidationError,
  isGluonError,
  type ErrorDetail,
} from '../errors/index.js';
import type { Catalog } from './catalog.js';
import type { Database, Tx } from './database.js';
import { classifyDbError } from './db-errors.js';
import { q } from './sql-text.js';
import type { TableInfo } from './table-info.js';
import type { ParentScope } from './types.js';

/** A row a failed write tried to store: its table and its bound values (table column order). @internal */
export interface RowAttempt {
  readonly info: TableInfo;
  readonly values: readonly unknown[];
}

/** What a failed write was doing, for the error message. @internal */
export interface WriteAttempt {
  readonly action: 'create' | 'update' | 'delete';
  /** The object the request was about. */
  readonly info: TableInfo;
  /** Rows inserted or updated (create/update). */
  readonly rows: readonly RowAttempt[];
  /** Rows deleted (delete): table and key. */
  readonly deleted?: readonly { readonly info: TableInfo; readonly key: string }[];
  readonly parent?: ParentScope;
}

/** The store's 404, keeping the original's message shape. @internal */
export function notFound(info: TableInfo | string, key: string): NotFoundError {
  const name = typeof info === 'string' ? info : info.object.name;
  return new NotFoundError(`Object of ${name} with Primary Key ${key} not found.`);
}

function valueOf(row: RowAttempt, column: string): unknown {
  return row.values[row.info.columnNames.indexOf(column)];
}

/** Where a failed write is explained: the database, its catalog and the transaction the write ran in. @internal */
export interface ExplainContext {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly tx: Tx;
}

async function exists(at: { db: Database; tx: Tx }, info: TableInfo, where: Record<string, unknown>): Promise<boolean> {
  const { db, tx } = at;
  const cols = Object.keys(where);
  const sql = `SELECT 1 AS one FROM ${q(info.table.name)} WHERE ${cols.map((c) => `${q(c)} = ?`).join(' AND ')} LIMIT 1`;
  return (await db.select(sql, Object.values(where), tx)).length > 0;
}

/**
 * Turns a database error of a write into the GluonError the caller gets. SQLite does not
 * say which constraint failed, so the candidates are checked with SELECTs inside the same
 * transaction (after the failed write's savepoint was rolled back).
 * @internal
 */
export async function explainWriteError(at: ExplainContext, err: unknown, attempt: WriteAttempt): Promise<Error> {
  if (isGluonError(err)) return err;
  const failure = classifyDbError(err);
  const objectName = attempt.info.object.name;
  switch (failure.kind) {
    case 'unique':
      return explainDuplicate(at, err, attempt);
    case 'foreign-key':
      return attempt.action === 'delete' ? explainInUse(at, err, attempt) : explainDangling(at, err, attempt);
    case 'not-null': {
      const field = failure.column ?? 'unknown';
      const message = `Missing value for "${field}" of ${objectName}: it is required and cannot be null.`;
      return new ValidationError(message, [{ field, rule: 'required', value: null, message }], { cause: err });
    }
    case 'bad-value': {
      const field = failure.column ?? 'unknown';
      const row = attempt.rows.find((r) => r.info.columnNames.includes(field));
      const value = row === undefined ? undefined : valueOf(row, field);
      const message = `Invalid value for "${field}" of ${objectName}: the database rejected it (${failure.rule}).`;
      return new ValidationError(message, [{ field, rule: failure.rule, value, message }], { cause: err });
    }
    case 'no-table':
      return new StoreError(
        'GLUON_ERR_STORE_SCHEMA',
        `The table ${attempt.info.table.name} of ${objectName} does not exist: initialise the store with this model (store.init) first.`,
        { cause: err },
      );
    case 'no-column':
      return new StoreError(
        'GLUON_ERR_STORE_SCHEMA',
        `The table ${attempt.info.table.name} of ${objectName} does not match the model (a column is missing): run \`gluon db plan\` and \`gluon db upgrade\`.`,
        { cause: err },
      );
    case 'unavailable':
      return new StoreError('GLUON_ERR_STORE_UNAVAILABLE', `The database is unavailable (${failure.reason}); retry the request.`, { cause: err });
    default:
      return new GluonError('GLUON_ERR_INTERNAL', `The database rejected the ${attempt.action} of ${objectName}; the server log has the cause.`, {
        cause: err,
      });
  }
}

async function explainDuplicate(at: ExplainContext, err: unknown, attempt: WriteAttempt): Promise<Error> {
  const { db, tx } = at;
  for (const row of attempt.rows) {
    const { info } = row;
    const pkName = info.pk.name;
    const pk = valueOf(row, pkName);
    if (attempt.action === 'create' && (await exists(at, info, { [pkName]: pk }))) {
      const message = `${info.object.name} with ${pkName} "${String(pk)}" already exists.`;
      return new ConflictError('GLUON_ERR_ALREADY_EXISTS', message, { cause: err, details: [{ field: pkName, rule: 'unique', value: pk, message }] });
    }
    for (const index of info.table.indexes) {
      if (!index.unique) continue;
      const where: Record<string, unknown> = {};
      for (const c of index.columns) where[c] = valueOf(row, c);
      if (Object.values(where).some((v) => v === null || v === undefined)) continue;
      const conds = index.columns.map((c) => `${q(c)} = ?`).join(' AND ');
      const sql = `SELECT ${q(pkName)} AS holder FROM ${q(info.table.name)} WHERE ${conds} AND ${q(pkName)} <> ? LIMIT 1`;
      const holder = (await db.select(sql, [...Object.values(where), pk], tx))[0]?.['holder'];
      if (holder !== undefined) {
        const shown = index.columns.map((c) => `${c} "${String(where[c])}"`).join(', ');
        if (index.columns.join(',') === info.object.naturalKey.join(',')) {
          const message = `${info.object.name} with ${shown} already exists.`;
          return new ConflictError('GLUON_ERR_ALREADY_EXISTS', message, {
            cause: err,
            details: index.columns.map((c) => ({ field: c, rule: 'unique', value: where[c], message })),
          });
        }
        const message = `${shown} is already held by ${info.object.name} "${String(holder)}" (${pkName}); the values of [${index.columns.join(', ')}] must be unique together.`;
        return new ConflictError('GLUON_ERR_VALUE_TAKEN', message, {
          cause: err,
          details: index.columns.map((c) => ({ field: c, rule: 'unique', value: where[c], message })),
        });
      }
    }
  }
  return new ConflictError('GLUON_ERR_ALREADY_EXISTS', `${attempt.info.object.name} already exists (a unique key is taken).`, { cause: err });
}

async function explainDangling(at: ExplainContext, err: unknown, attempt: WriteAttempt): Promise<Error> {
  const { db, catalog, tx } = at;
  const details: ErrorDetail[] = [];
  for (const row of attempt.rows) {
    for (const fk of row.info.table.foreignKeys) {
      const value = valueOf(row, fk.column);
      if (value === null || value === undefined) continue;
      const target = catalog.infoByName(row.info.api, fk.object);
      const found =
        target === undefined
          ? (await db.select(`SELECT 1 AS one FROM ${q(fk.table)} WHERE ${q(fk.references)} = ? LIMIT 1`, [value], tx)).length > 0
          : await exists(at, target, { [fk.references]: value });
      if (found) continue;
      if (attempt.parent !== undefined && row.info === attempt.info && fk.column === attempt.parent.key) {
        return new NotFoundError(`Object of ${fk.object} with Primary Key ${String(value)} not found.`, { cause: err });
      }
      details.push({ field: fk.column, rule: 'reference', value, message: `no ${fk.object} with ${fk.references} "${String(value)}"` });
    }
  }
  if (details.length === 0) {
    return new GluonError('GLUON_ERR_REFERENCE_NOT_FOUND', `${attempt.info.object.name} references an object that does not exist.`, { cause: err });
  }
  const message = `Invalid reference${details.length > 1 ? 's' : ''} in ${attempt.info.object.name}: ${details
    .map((d) => `${d.field}: ${d.message}`)
    .join('; ')}.`;
  return new GluonError('GLUON_ERR_REFERENCE_NOT_FOUND', message, { cause: err, details });
}

async function explainInUse(at: ExplainContext, err: unknown, attempt: WriteAttempt): Promise<Error> {
  const { db, catalog, tx } = at;
  const details: ErrorDetail[] = [];
  const users = new Set<string>();
  for (const { info, key } of attempt.deleted ?? []) {
    for (const ref of catalog.referrers(info.table.name)) {
      // rows deleted by the same request (a port's default interface) do not count
      const alsoDeleted = (attempt.deleted ?? []).filter((d) => d.info === ref.info).map((d) => d.key);
      const pkName = q(ref.info.pk.name);
      const sql =
        `SELECT 1 AS one FROM ${q(ref.info.table.name)} WHERE ${q(ref.column)} = ?` +
        alsoDeleted.map(() => ` AND ${pkName} <> ?`).join('') +
        ' LIMIT 1';
      if ((await db.select(sql, [key, ...alsoDeleted], tx)).length > 0) {
        users.add(ref.info.object.name);
        details.push({
          field: `${ref.info.object.name}.${ref.column}`,
          rule: 'in-use',
          value: key,
          message: `a ${ref.info.object.name} still references ${info.object.name} "${key}" through ${ref.column}`,
        });
      }
    }
  }
  const key = attempt.deleted?.[attempt.deleted.length - 1]?.key ?? '';
  const by = users.size > 0 ? ` by ${[...users].join(', ')}` : '';
  return new ConflictError(
    'GLUON_ERR_IN_USE',
    `${attempt.info.object.name} "${key}" is in use${by}: delete or re-point the referencing objects first.`,
    { cause: err, details },
  );
}
