import { ValidationError } from '../errors/index.js';
import type { Row } from './database.js';
import { q } from './sql-text.js';
import type { TableInfo } from './table-info.js';
import type { ListQuery, ParentScope, SortDirection } from './types.js';
import { fromDbValue, toDbValue } from './values.js';

/** One ORDER BY term. @internal */
export interface SortTerm {
  readonly column: string;
  readonly dir: SortDirection;
}

/** A list request checked against the table. @internal */
export interface CheckedList {
  readonly where: string[];
  readonly params: unknown[];
  readonly order: readonly SortTerm[];
  readonly limit: number;
}

function invalid(offence: { field: string; rule: string; value: unknown }, message: string, allowed?: readonly unknown[]): ValidationError {
  const { field, rule, value } = offence;
  return new ValidationError(message, [allowed === undefined ? { field, rule, value, message } : { field, rule, value, message, allowed }]);
}

/** Validates filters, sort keys, limit and parent scope; builds the WHERE terms. @internal */
export function checkList(info: TableInfo, query: ListQuery, bounds: { parent: ParentScope | undefined; maxPageSize: number }): CheckedList {
  const { parent, maxPageSize } = bounds;
  const where: string[] = [];
  const params: unknown[] = [];
  let limit = maxPageSize;
  if (query.limit !== undefined) {
    if (typeof query.limit !== 'number' || !Number.isInteger(query.limit) || query.limit < 1) {
      throw invalid({ field: 'limit', rule: 'minimum', value: query.limit }, `Invalid "limit": expected a positive integer, received ${JSON.stringify(query.limit) ?? 'undefined'}.`);
    }
    limit = Math.min(query.limit, maxPageSize);
  }
  const filters = query.filters ?? {};
  if (typeof filters !== 'object' || filters === null) throw invalid({ field: 'filters', rule: 'type', value: filters }, 'Invalid filters: expected an object of attribute → values.');
  for (const [name, values] of Object.entries(filters)) {
    const column = info.columns.get(name);
    if (column === undefined) {
      throw invalid({ field: name, rule: 'filter', value: values }, `Cannot filter ${info.object.name} on "${name}": no such attribute.`, info.columnNames);
    }
    if (!Array.isArray(values)) throw invalid({ field: name, rule: 'type', value: values }, `Invalid filter "${name}": expected a list of values.`);
    if (values.length === 0) {
      where.push('1 = 0');
      continue;
    }
    const bound = values.filter((v) => v !== null && v !== undefined).map((v) => toDbValue(column, v, name));
    const terms: string[] = [];
    if (bound.length === 1) terms.push(`${q(name)} = ?`);
    else if (bound.length > 1) terms.push(`${q(name)} IN (${bound.map(() => '?').join(', ')})`);
    if (bound.length < values.length) terms.push(`${q(name)} IS NULL`);
    where.push(terms.length === 1 ? (terms[0] as string) : `(${terms.join(' OR ')})`);
    params.push(...bound);
  }
  if (parent !== undefined) {
    if (!info.columns.has(parent.key)) {
      throw invalid({ field: 'parent', rule: 'parent', value: parent.key }, `${info.object.name} has no parent key attribute "${parent.key}".`);
    }
    where.push(`${q(parent.key)} = ?`);
    params.push(parent.value);
  }
  const order: SortTerm[] = [];
  const seen = new Set<string>();
  const sort = query.sort ?? [];
  if (!Array.isArray(sort)) throw invalid({ field: 'sort', rule: 'type', value: sort }, 'Invalid "sort": expected a list of {key, dir}.');
  for (const term of sort as readonly { key: unknown; dir: unknown }[]) {
    const key = typeof term === 'object' && term !== null ? term.key : undefined;
    const dir = typeof term === 'object' && term !== null ? (term.dir ?? 'asc') : undefined;
    if (typeof key !== 'string' || !info.columns.has(key)) {
      throw invalid({ field: 'sort_key', rule: 'enum', value: key }, `Cannot sort ${info.object.name} by ${JSON.stringify(key) ?? 'undefined'}: no such attribute.`, info.columnNames);
    }
    if (dir !== 'asc' && dir !== 'desc') {
      throw invalid({ field: 'sort_dir', rule: 'enum', value: dir }, `Invalid sort direction ${JSON.stringify(dir) ?? 'undefined'}: use "asc" or "desc".`, ['asc', 'desc']);
    }
    if (seen.has(key)) continue;
    seen.add(key);
    order.push({ column: key, dir });
    if (key === info.pk.name) break;
  }
  if (!seen.has(info.pk.name)) order.push({ column: info.pk.name, dir: 'asc' });
  return { where, params, order, limit };
}

/**
 * Adds the keyset condition "after the marker row in this order" (NULLs sort first
 * ascending and last descending, as in SQLite and MySQL). @internal
 */
export function addMarker(info: TableInfo, list: CheckedList, marker: Row): void {
  const alternatives: string[] = [];
  const params: unknown[] = [];
  const prefix: string[] = [];
  const prefixParams: unknown[] = [];
  for (const { column, dir } of list.order) {
    const desc = info.columns.get(column);
    if (desc === undefined) continue;
    const raw = marker[column];
    const value = raw === null || raw === undefined ? null : toDbValue(desc, fromDbValue(desc, raw), column);
    const c = q(column);
    let after: string | undefined;
    const afterParams: unknown[] = [];
    if (value === null) {
      if (dir === 'asc') after = `${c} IS NOT NULL`;
    } else {
      after = dir === 'asc' ? `${c} > ?` : `(${c} < ? OR ${c} IS NULL)`;
      afterParams.push(value);
    }
    if (after !== undefined) {
      alternatives.push(prefix.length === 0 ? after : `(${[...prefix, after].join(' AND ')})`);
      params.push(...prefixParams, ...afterParams);
    }
    if (value === null) prefix.push(`${c} IS NULL`);
    else {
      prefix.push(`${c} = ?`);
      prefixParams.push(value);
    }
  }
  list.where.push(alternatives.length === 0 ? '1 = 0' : `(${alternatives.join(' OR ')})`);
  list.params.push(...params);
}

/**
 * The final SELECT of a page (one row more than the limit, to know if more exist);
 * `select` is the `SELECT … FROM <table>` head (default: every column). @internal
 */
export function listSql(info: TableInfo, list: CheckedList, select: string = info.selectSql): string {
  const where = list.where.length === 0 ? '' : ` WHERE ${list.where.join(' AND ')}`;
  const order = list.order.map((t) => `${q(t.column)} ${t.dir === 'asc' ? 'ASC' : 'DESC'}`).join(', ');
  return `${select}${where} ORDER BY ${order} LIMIT ${list.limit + 1}`;
}
