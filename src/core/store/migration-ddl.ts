import type { ColumnDescription, ForeignKeyDescription, IndexDescription, TableDescription } from '../model/index.js';
import type { AffectedRows, RowCondition, SchemaChange } from './migration-plan.js';
import { q, type Dialect } from './sql-text.js';

/** Suffix of the table a SQLite rebuild copies into before it takes the table's name. */
export const REBUILD_SUFFIX = '__gluon_rebuild';

function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** The SQL type of a column (the same types the store has always created). */
export function columnType(column: ColumnDescription, dialect: Dialect): string {
  switch (column.type) {
    case 'string':
      return `VARCHAR(${column.length ?? 255})`;
    case 'text':
      return dialect === 'mysql' ? 'MEDIUMTEXT' : 'TEXT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'TINYINT(1)';
    case 'datetime':
      return dialect === 'mysql' ? 'DATETIME(3)' : 'DATETIME';
    case 'enum': {
      const values = column.values ?? [];
      if (dialect === 'mysql') return `ENUM(${values.map(literal).join(', ')})`;
      const width = Math.max(1, ...values.map((v) => v.length));
      // SQLite has no ENUM: a VARCHAR with a named CHECK (the name identifies the column in errors)
      return `VARCHAR(${width}) CONSTRAINT ${q(`ck_${column.name}`)} CHECK (${q(column.name)} IN (${values.map(literal).join(', ')}))`;
    }
  }
  return 'TEXT';
}

/** `name TYPE [NOT NULL]` (the primary key is declared by the table). */
export function columnSql(column: ColumnDescription, dialect: Dialect): string {
  return `${q(column.name)} ${columnType(column, dialect)}${column.nullable && !column.primaryKey ? '' : ' NOT NULL'}`;
}

function foreignKeySql(fk: ForeignKeyDescription): string {
  return `FOREIGN KEY (${q(fk.column)}) REFERENCES ${q(fk.table)} (${q(fk.references)})`;
}

/** `CREATE [UNIQUE] INDEX …`. */
export function createIndexSql(table: string, index: IndexDescription): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(table)} (${index.columns.map(q).join(', ')})`;
}

/** `DROP INDEX …`. */
export function dropIndexSql(table: string, index: IndexDescription, dialect: Dialect): string {
  return dialect === 'mysql' ? `DROP INDEX ${q(index.name)} ON ${q(table)}` : `DROP INDEX IF EXISTS ${q(index.name)}`;
}

/** `CREATE TABLE` of a description under `name` (default its own), without its indexes. */
export function createTableSql(table: TableDescription, dialect: Dialect, name = table.name): string {
  const parts = [
    ...table.columns.map((c) => columnSql(c, dialect)),
    `PRIMARY KEY (${q(table.primaryKey)})`,
    ...table.foreignKeys.map(foreignKeySql),
  ];
  const options = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
  return `CREATE TABLE ${q(name)} (${parts.join(', ')})${options}`;
}

/** The statements that create a table with its indexes. */
export function createTableStatements(table: TableDescription, dialect: Dialect): string[] {
  return [createTableSql(table, dialect), ...table.indexes.map((i) => createIndexSql(table.name, i))];
}

/**
 * SQLite: the statements that rebuild `before` as `after` keeping every row (SQLite's own
 * recipe: create the new table, copy, drop the old, rename, recreate the indexes). Columns
 * present in both are copied; new columns start NULL. Run with foreign keys off, in one
 * transaction.
 */
export function rebuildStatements(before: TableDescription, after: TableDescription): string[] {
  const temp = `${after.name}${REBUILD_SUFFIX}`;
  const kept = after.columns.filter((c) => before.columns.some((b) => b.name === c.name)).map((c) => q(c.name));
  return [
    `DROP TABLE IF EXISTS ${q(temp)}`,
    createTableSql(after, 'sqlite', temp),
    `INSERT INTO ${q(temp)} (${kept.join(', ')}) SELECT ${kept.join(', ')} FROM ${q(before.name)}`,
    `DROP TABLE ${q(before.name)}`,
    `ALTER TABLE ${q(temp)} RENAME TO ${q(after.name)}`,
    ...after.indexes.map((i) => createIndexSql(after.name, i)),
  ];
}

/**
 * The statements of one change applied directly (MySQL: every change; SQLite: the changes
 * that need no rebuild — see {@link needsRebuild}).
 */
export function changeStatements(change: SchemaChange, dialect: Dialect): string[] {
  const t = q(change.table);
  switch (change.kind) {
    case 'create-table':
      return change.target === undefined ? [] : createTableStatements(change.target, dialect);
    case 'rename-table':
      return dialect === 'mysql' ? [`RENAME TABLE ${q(change.from ?? '')} TO ${t}`] : [`ALTER TABLE ${q(change.from ?? '')} RENAME TO ${t}`];
    case 'drop-table':
      return [`DROP TABLE ${t}`];
    case 'add-column': {
      const column = change.column as ColumnDescription;
      const fk = change.foreignKey;
      if (dialect === 'sqlite') return [`ALTER TABLE ${t} ADD COLUMN ${columnSql(column, dialect)}${fk === undefined ? '' : ` REFERENCES ${q(fk.table)} (${q(fk.references)})`}`];
      return [`ALTER TABLE ${t} ADD COLUMN ${columnSql(column, dialect)}${fk === undefined ? '' : `, ADD ${foreignKeySql(fk)}`}`];
    }
    case 'rename-column': {
      const column = change.column as ColumnDescription;
      if (dialect === 'sqlite') return [`ALTER TABLE ${t} RENAME COLUMN ${q(change.from ?? '')} TO ${q(column.name)}`];
      return [`ALTER TABLE ${t} CHANGE COLUMN ${q(change.from ?? '')} ${columnSql(column, dialect)}`];
    }
    case 'alter-column':
      return [`ALTER TABLE ${t} MODIFY COLUMN ${columnSql(change.column as ColumnDescription, dialect)}`];
    case 'drop-column':
      return [`ALTER TABLE ${t} DROP COLUMN ${q(change.column?.name ?? '')}`];
    case 'add-index':
      return change.index === undefined ? [] : [createIndexSql(change.table, change.index)];
    case 'drop-index':
      return change.index === undefined ? [] : [dropIndexSql(change.table, change.index, dialect)];
  }
  return [];
}

/** SQLite: true when a change needs the table rebuilt (SQLite cannot alter or drop such a column in place). */
export function needsRebuild(change: SchemaChange): boolean {
  return change.kind === 'alter-column' || change.kind === 'drop-column' || (change.kind === 'add-column' && change.column?.nullable === false);
}

function conditionSql(c: RowCondition, dialect: Dialect): string {
  switch (c.kind) {
    case 'not-null':
      return `${q(c.column)} IS NOT NULL`;
    case 'null':
      return `${q(c.column)} IS NULL`;
    case 'longer-than':
      return `${dialect === 'mysql' ? 'CHAR_LENGTH' : 'LENGTH'}(${q(c.column)}) > ${c.length}`;
    case 'in':
      return `${q(c.column)} IN (${c.values.map(literal).join(', ')})`;
    case 'duplicates':
      return '';
  }
  return '';
}

/** `SELECT COUNT(*) AS n …` counting the rows a change affects. */
export function countSql(affects: AffectedRows, dialect: Dialect): string {
  const t = q(affects.table);
  const dup = affects.where.find((w) => w.kind === 'duplicates');
  if (dup !== undefined && dup.kind === 'duplicates') {
    const cols = dup.columns.map(q).join(', ');
    // rows with a NULL in the set never collide in a unique index
    const set = dup.columns.map((c) => `${q(c)} IS NOT NULL`).join(' AND ');
    return `SELECT COALESCE(SUM(${q('c')}), 0) AS ${q('n')} FROM (SELECT COUNT(*) AS ${q('c')} FROM ${t} WHERE ${set} GROUP BY ${cols} HAVING COUNT(*) > 1) ${q('d')}`;
  }
  const where = affects.where.map((w) => conditionSql(w, dialect)).filter((w) => w !== '');
  return `SELECT COUNT(*) AS ${q('n')} FROM ${t}${where.length === 0 ? '' : ` WHERE ${where.map((w) => `(${w})`).join(' OR ')}`}`;
}
