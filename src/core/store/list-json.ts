import type { ColumnDescription } from '../model/index.js';
import type { CheckedList } from './list-query.js';
import { listSql } from './list-query.js';
import { q } from './sql-text.js';
import type { TableInfo } from './table-info.js';

/**
 * Raises an error inside the statement (SQLite's "malformed JSON"): a stored value the
 * conversion below would not show exactly as `fromDbValue` does. It sits in a CASE
 * branch, so SQLite evaluates it only for such a value; the caller then lists the page
 * the ordinary way.
 */
const REFUSE = `json('!')`;

/** The text `toSqlDate` stores: `YYYY-MM-DD HH:MM:SS.mmm`. */
const STORED_DATE = `'${'[0-9]'.repeat(4)}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]'`;

/** Most arguments a SQLite function call takes in any build (SQLITE_MAX_FUNCTION_ARG's old default, 127). */
const MAX_FUNCTION_ARGS = 127;

/**
 * The SQL expression that gives a column's value as the API shows it, for `json_object`:
 * the JSON value `JSON.stringify` writes for `fromDbValue(column, value)`. Undefined for a
 * float column (SQLite writes REALs differently from JavaScript: `1.0`, `1.0e+300`).
 */
function jsonValue(column: ColumnDescription): string | undefined {
  const c = q(column.name);
  switch (column.type) {
    case 'string':
    case 'text':
    case 'enum':
      // TEXT affinity: text or NULL (a BLOB makes json_object fail: the page is listed the ordinary way)
      return c;
    case 'integer':
    case 'bigint':
      // beyond 2^53 a JavaScript number is rounded: those are listed the ordinary way
      return `CASE typeof(${c}) WHEN 'integer' THEN iif(${c} BETWEEN ${-Number.MAX_SAFE_INTEGER} AND ${Number.MAX_SAFE_INTEGER}, ${c}, ${REFUSE}) WHEN 'null' THEN NULL ELSE ${REFUSE} END`;
    case 'boolean':
      return `CASE typeof(${c}) WHEN 'integer' THEN iif(${c}, json('true'), json('false')) WHEN 'null' THEN NULL ELSE ${REFUSE} END`;
    case 'datetime':
      // `YYYY-MM-DD HH:MM:SS.mmm` → `YYYY-MM-DDTHH:MM:SS.mmmZ`, as fromSqlDate turns it
      return `CASE WHEN ${c} GLOB ${STORED_DATE} THEN substr(${c}, 1, 10) || 'T' || substr(${c}, 12) || 'Z' WHEN ${c} IS NULL THEN NULL ELSE ${REFUSE} END`;
    default:
      return undefined;
  }
}

/** `SELECT json_object(…)` of a table, or null when a column cannot be converted in SQL. */
function jsonSelect(info: TableInfo): string | null {
  const args: string[] = [];
  for (const column of info.table.columns) {
    const value = jsonValue(column);
    if (value === undefined) return null;
    args.push(`'${column.name.replaceAll("'", "''")}'`, value);
  }
  if (args.length > MAX_FUNCTION_ARGS) return null;
  return `SELECT json_object(${args.join(', ')}) FROM ${q(info.table.name)}`;
}

const selects = new WeakMap<TableInfo, string | null>();

/**
 * The SQLite query of a list page whose rows are the objects' JSON text, built by SQLite
 * (`json_object`): each row is byte-identical to `JSON.stringify(fromDbRow(info, row))`,
 * keys in table order, or the query fails (a value this store would not have written,
 * such as a BLOB or a REAL in an integer column). Undefined when the table has a column
 * SQLite cannot write as JavaScript does (a float). @internal
 */
export function listJsonSql(info: TableInfo, list: CheckedList): string | undefined {
  let select = selects.get(info);
  if (select === undefined) {
    select = jsonSelect(info);
    selects.set(info, select);
  }
  return select === null ? undefined : listSql(info, list, select);
}
