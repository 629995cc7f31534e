import { createHash } from 'node:crypto';
import type { ColumnDescription, ForeignKeyDescription, IndexDescription, TableDescription } from '../model/index.js';

/** One table the store is asked to serve, with the API it belongs to. */
export interface SchemaTarget {
  /** The API (`info.name`) the table belongs to. */
  readonly api: string;
  /** The table, as the model projects it (may carry `renamedFrom`). */
  readonly table: TableDescription;
}

/** What the database records about one table (a row of `gluon_schema`). */
export interface RecordedTable {
  readonly api: string;
  /** The table as it is in the database (never carries `renamedFrom`). */
  readonly table: TableDescription;
  /** {@link tableHash} of `table`. */
  readonly hash: string;
  /** When the table was last changed by gluon. */
  readonly appliedAt: Date;
}

function sorted<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function plainColumn(c: ColumnDescription): ColumnDescription {
  return {
    name: c.name,
    type: c.type,
    ...(c.length === undefined ? {} : { length: c.length }),
    ...(c.values === undefined ? {} : { values: [...c.values].sort() }),
    nullable: c.nullable,
    primaryKey: c.primaryKey,
  };
}

/**
 * A table description without `renamedFrom`, columns, foreign keys and indexes sorted by
 * name and enum values sorted: two descriptions of the same shape give the same text.
 */
export function canonicalTable(table: TableDescription): TableDescription {
  return {
    name: table.name,
    object: table.object,
    columns: sorted(table.columns, (c) => c.name).map(plainColumn),
    primaryKey: table.primaryKey,
    foreignKeys: sorted(table.foreignKeys, (f) => f.column).map((f) => ({ column: f.column, table: f.table, references: f.references, object: f.object })),
    indexes: sorted(table.indexes, (i) => i.name).map((i) => ({ name: i.name, columns: [...i.columns], unique: i.unique })),
  };
}

/** The table description as stored (`renamedFrom` removed, model order kept). */
export function storedTable(table: TableDescription): TableDescription {
  return {
    name: table.name,
    object: table.object,
    columns: table.columns.map((c) => ({ ...plainColumn(c), ...(c.values === undefined ? {} : { values: [...c.values] }) })),
    primaryKey: table.primaryKey,
    foreignKeys: table.foreignKeys.map((f) => ({ ...f })),
    indexes: table.indexes.map((i) => ({ name: i.name, columns: [...i.columns], unique: i.unique })),
  };
}

/** SHA-256 (hex) of the canonical form of a table: equal hashes mean equal shapes. */
export function tableHash(table: TableDescription): string {
  return createHash('sha256').update(JSON.stringify(canonicalTable(table))).digest('hex');
}

/** SHA-256 (hex) of a set of table hashes (order-independent): the schema hash of an API. */
export function schemaHash(hashes: readonly string[]): string {
  return createHash('sha256').update([...hashes].sort().join('\n')).digest('hex');
}

/** True when two columns have the same type, length, enum values (as sets), nullability and key role. */
export function sameColumn(a: ColumnDescription, b: ColumnDescription): boolean {
  return JSON.stringify(plainColumn({ ...a, name: '' })) === JSON.stringify(plainColumn({ ...b, name: '' }));
}

/** True when two foreign keys (or their absence) are the same. */
export function sameForeignKey(a: ForeignKeyDescription | undefined, b: ForeignKeyDescription | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.table === b.table && a.references === b.references;
}

/** True when two indexes cover the same columns with the same uniqueness. */
export function sameIndex(a: IndexDescription, b: IndexDescription): boolean {
  return a.unique === b.unique && a.columns.join('\u0000') === b.columns.join('\u0000');
}

/** `Object.attribute: string(16) NULL` — how a column is shown to people. */
export function describeColumn(c: ColumnDescription): string {
  const type =
    c.type === 'string' ? `string(${c.length ?? 255})` : c.type === 'enum' ? `enum(${(c.values ?? []).join('|')})` : c.type;
  return `${type}${c.primaryKey ? ' PRIMARY KEY' : c.nullable ? ' NULL' : ' NOT NULL'}`;
}
