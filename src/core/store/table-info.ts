import type { ApiModel, ColumnDescription, ForeignKeyDescription, ObjectModel, TableDescription } from '../model/index.js';
import type { InsertTarget } from './group-writer.js';
import { q } from './sql-text.js';
import { describeTable } from './table-projection.js';

/** Everything the store precomputes about one object's table. @internal */
export interface TableInfo {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly table: TableDescription;
  /** Column name → description. */
  readonly columns: ReadonlyMap<string, ColumnDescription>;
  /** Column names in table order (attributes in model order, then the three bookkeeping columns). */
  readonly columnNames: readonly string[];
  /** The primary key column. */
  readonly pk: ColumnDescription;
  /** True when a missing key is generated (`crypto.randomUUID`). */
  readonly generatesKey: boolean;
  /** `SELECT <every column> FROM <table>`. */
  readonly selectSql: string;
  /** Where this table's rows are inserted (`INSERT INTO <table> (<every column>) VALUES `). */
  readonly insert: InsertTarget;
  /** The foreign keys of this table, by column. */
  readonly foreignKeys: ReadonlyMap<string, ForeignKeyDescription>;
}

/** Columns the store maintains itself (read-only for callers). */
export const BOOKKEEPING_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'updated_at', 'revision_number']);

/** Builds the {@link TableInfo} of one API object. @internal */
export function buildTableInfo(api: ApiModel, object: ObjectModel): TableInfo {
  const table = describeTable(api, object);
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const pk = columns.get(table.primaryKey);
  if (pk === undefined) throw new Error(`table ${table.name} has no column for its primary key ${table.primaryKey}`);
  const pkAttr = object.attributes.find((a) => a.name === object.primaryKey);
  const columnNames = table.columns.map((c) => c.name);
  const list = columnNames.map(q).join(', ');
  return {
    api,
    object,
    table,
    columns,
    columnNames,
    pk,
    generatesKey: pkAttr?.type === 'uuid',
    selectSql: `SELECT ${list} FROM ${q(table.name)}`,
    insert: { head: `INSERT INTO ${q(table.name)} (${list}) VALUES `, width: columnNames.length },
    foreignKeys: new Map(table.foreignKeys.map((fk) => [fk.column, fk])),
  };
}

/** Cache key of an object's table info. @internal */
export function tableKey(api: ApiModel, objectName: string): string {
  return `${api.name}\u0000${api.versionId}\u0000${objectName}`;
}
