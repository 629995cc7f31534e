import type { ColumnDescription, ForeignKeyDescription, IndexDescription, TableDescription } from '../model/index.js';
import {
  describeColumn,
  sameColumn,
  sameForeignKey,
  sameIndex,
  storedTable,
  type RecordedTable,
  type SchemaTarget,
} from './schema-description.js';

/** What one schema change does. */
export type ChangeKind =
  | 'create-table'
  | 'rename-table'
  | 'drop-table'
  | 'add-column'
  | 'rename-column'
  | 'drop-column'
  | 'alter-column'
  | 'add-index'
  | 'drop-index';

/**
 * What a change risks: `safe` (no row can lose or be refused data), `lossy` (values are
 * dropped or cut), `rejecting` (rows that do not fit make it fail), `blocked` (gluon
 * cannot apply it: the message says what to do instead).
 */
export type ChangeRisk = 'safe' | 'lossy' | 'rejecting' | 'blocked';

/** Rows a change affects: `WHERE` conditions on the table as it is before the upgrade. */
export interface AffectedRows {
  /** The table (its name before the upgrade). */
  readonly table: string;
  /** Conditions OR-ed together; empty = every row. */
  readonly where: readonly RowCondition[];
}

/** One condition of {@link AffectedRows}. */
export type RowCondition =
  | { readonly kind: 'not-null'; readonly column: string }
  | { readonly kind: 'null'; readonly column: string }
  | { readonly kind: 'longer-than'; readonly column: string; readonly length: number }
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly string[] }
  | { readonly kind: 'duplicates'; readonly columns: readonly string[] };

/** One difference between what the database has and what the model wants. */
export interface SchemaChange {
  readonly kind: ChangeKind;
  readonly api: string;
  /** The table's name after the change. */
  readonly table: string;
  /** The API object of the table. */
  readonly object: string;
  /** rename-table: the former table; rename-column: the former column. */
  readonly from?: string;
  /** add/rename/alter-column: the new definition; drop-column: the dropped one. */
  readonly column?: ColumnDescription;
  /** alter-column: the definition before. */
  readonly before?: ColumnDescription;
  /** add-column of a reference: its foreign key. */
  readonly foreignKey?: ForeignKeyDescription;
  /** add/drop-index: the index. */
  readonly index?: IndexDescription;
  /** create-table: the whole table. */
  readonly target?: TableDescription;
  /** One line for people: `VpnService.color: new column string(16) NULL`. */
  readonly what: string;
  /** Risk before counting rows (a lossy change that affects 0 rows is safe). */
  readonly risk: ChangeRisk;
  /** Why it is risky or blocked, and what to do instead. */
  readonly note?: string;
  /** The rows at risk (counted by the planner). */
  readonly affects?: AffectedRows;
  /** True when a server on the new model cannot work before this change is applied. */
  readonly neededToServe: boolean;
  /** True when older models keep working after it (expand): new tables, columns, wider types, new enum values, non-unique indexes. */
  readonly expand: boolean;
}

/** Options of {@link diffSchema}. */
export interface DiffOptions {
  /** Also plan dropping recorded tables of these APIs that no target names (default: none). */
  readonly dropTablesOf?: ReadonlySet<string>;
}

function label(object: string, column?: string): string {
  return column === undefined ? object : `${object}.${column}`;
}

/** The changes that turn the recorded schema into the targets, in the order they are applied. */
export function diffSchema(recorded: ReadonlyMap<string, RecordedTable>, targets: readonly SchemaTarget[], options: DiffOptions = {}): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const claimed = new Set<string>();
  for (const { api, table } of targets) {
    let current = recorded.get(table.name);
    if (current === undefined) {
      const former = (table.renamedFrom ?? []).find((old) => recorded.has(old) && !targets.some((t) => t.table.name === old));
      if (former !== undefined) {
        current = recorded.get(former);
        claimed.add(former);
        changes.push({
          kind: 'rename-table',
          api,
          table: table.name,
          object: table.object,
          from: former,
          what: `${table.object}: table ${former} renamed to ${table.name} (renamed_from)`,
          risk: 'safe',
          neededToServe: true,
          expand: false,
        });
      }
    }
    if (current === undefined) {
      changes.push({
        kind: 'create-table',
        api,
        table: table.name,
        object: table.object,
        target: storedTable(table),
        what: `${table.object}: new table ${table.name}`,
        risk: 'safe',
        neededToServe: true,
        expand: true,
      });
      continue;
    }
    claimed.add(table.name);
    changes.push(...diffTable(api, current.table, table));
  }
  for (const [name, rec] of recorded) {
    if (claimed.has(name) || targets.some((t) => t.table.name === name)) continue;
    if (!(options.dropTablesOf?.has(rec.api) ?? false)) continue;
    changes.push({
      kind: 'drop-table',
      api: rec.api,
      table: name,
      object: rec.table.object,
      what: `${rec.table.object}: table ${name} dropped (the object is no longer in the model)`,
      risk: 'lossy',
      affects: { table: name, where: [] },
      neededToServe: false,
      expand: false,
    });
  }
  return changes;
}

/** The changes of one table that exists on both sides (`before` named as in the database). */
function diffTable(api: string, before: TableDescription, after: TableDescription): SchemaChange[] {
  const out: SchemaChange[] = [];
  const source = before.name;
  const base = { api, table: after.name, object: after.object };
  const oldColumns = new Map(before.columns.map((c) => [c.name, c]));
  const oldFks = new Map(before.foreignKeys.map((f) => [f.column, f]));
  const newFks = new Map(after.foreignKeys.map((f) => [f.column, f]));
  const used = new Set<string>();
  if (before.primaryKey !== after.primaryKey) {
    out.push({
      ...base,
      kind: 'alter-column',
      what: `${after.object}: primary key ${before.primaryKey} → ${after.primaryKey}`,
      risk: 'blocked',
      note: 'gluon does not change a primary key: declare a new object with the new key and move the data',
      neededToServe: true,
      expand: false,
    });
  }
  for (const column of after.columns) {
    let old = oldColumns.get(column.name);
    let oldName = column.name;
    if (old === undefined) {
      const former = (column.renamedFrom ?? []).find((n) => oldColumns.has(n) && !after.columns.some((c) => c.name === n));
      if (former !== undefined) {
        old = oldColumns.get(former);
        oldName = former;
        out.push({
          ...base,
          kind: 'rename-column',
          from: former,
          column: { ...(old as ColumnDescription), name: column.name },
          what: `${label(after.object, column.name)}: column ${former} renamed to ${column.name} (renamed_from; data kept)`,
          risk: 'safe',
          neededToServe: true,
          expand: false,
        });
      }
    }
    if (old === undefined) {
      out.push(addColumn({ base, source }, column, newFks.get(column.name)));
      continue;
    }
    used.add(oldName);
    if (!sameForeignKey(oldFks.get(oldName), newFks.get(column.name))) {
      out.push({
        ...base,
        kind: 'alter-column',
        column,
        before: old,
        what: `${label(after.object, column.name)}: reference changed`,
        risk: 'blocked',
        note: 'gluon does not change what an existing column references: add a new attribute with renamed data instead',
        neededToServe: true,
        expand: false,
      });
      continue;
    }
    if (!sameColumn(old, column)) out.push(alterColumn({ base, source }, { oldName, old }, column));
  }
  for (const old of before.columns) {
    if (used.has(old.name) || after.columns.some((c) => c.name === old.name)) continue;
    out.push({
      ...base,
      kind: 'drop-column',
      column: old,
      what: `${label(after.object, old.name)}: column dropped (the attribute is no longer in the model)`,
      risk: 'lossy',
      affects: { table: source, where: [{ kind: 'not-null', column: old.name }] },
      neededToServe: !old.nullable,
      expand: false,
    });
  }
  // indexes go first (a dropped column's index must go before it), new ones last
  const indexes = diffIndexes({ base, source }, before, after.indexes);
  return [...indexes.filter((c) => c.kind === 'drop-index'), ...out, ...indexes.filter((c) => c.kind === 'add-index')];
}

type Base = { readonly api: string; readonly table: string; readonly object: string };

/** A table's change header and the table its rows are read from. */
type TableAt = { readonly base: Base; readonly source: string };

function addColumn({ base, source }: TableAt, column: ColumnDescription, fk: ForeignKeyDescription | undefined): SchemaChange {
  const common = { ...base, kind: 'add-column' as const, column, ...(fk === undefined ? {} : { foreignKey: fk }), neededToServe: true };
  const what = `${label(base.object, column.name)}: new column ${describeColumn(column)}`;
  if (column.nullable) return { ...common, what: `${what} (existing rows get NULL)`, risk: 'safe', expand: true };
  return {
    ...common,
    what: `${what} (required, no default)`,
    risk: 'blocked',
    note: 'existing rows would have no value: add it as optional, fill it, then make it required (expand/contract)',
    affects: { table: source, where: [] },
    expand: false,
  };
}

function alterColumn({ base, source }: TableAt, was: { oldName: string; old: ColumnDescription }, column: ColumnDescription): SchemaChange {
  const { oldName, old } = was;
  const parts: string[] = [];
  const where: RowCondition[] = [];
  let risk = 'safe' as ChangeRisk;
  let needed = false;
  let expand = true;
  const worse = (r: ChangeRisk): void => {
    if (risk === 'safe' || r === 'blocked') risk = r;
  };
  if (old.primaryKey !== column.primaryKey) {
    parts.push('primary key role changed');
    worse('blocked');
  }
  if (old.type !== column.type) {
    parts.push(`type ${describeColumn(old)} → ${describeColumn(column)}`);
    needed = true;
    expand = false;
    if (!(old.type === 'integer' && column.type === 'bigint')) {
      worse('lossy');
      where.push({ kind: 'not-null', column: oldName });
    } else expand = true;
  } else if (column.type === 'string' && (old.length ?? 255) !== (column.length ?? 255)) {
    const from = old.length ?? 255;
    const to = column.length ?? 255;
    parts.push(`length ${from} → ${to}`);
    if (to > from) needed = true;
    else {
      worse('lossy');
      expand = false;
      where.push({ kind: 'longer-than', column: oldName, length: to });
    }
  } else if (column.type === 'enum') {
    const added = (column.values ?? []).filter((v) => !(old.values ?? []).includes(v));
    const removed = (old.values ?? []).filter((v) => !(column.values ?? []).includes(v));
    if (added.length > 0) {
      parts.push(`new enum value${added.length === 1 ? '' : 's'} ${added.join(', ')}`);
      needed = true;
    }
    if (removed.length > 0) {
      parts.push(`enum value${removed.length === 1 ? '' : 's'} ${removed.join(', ')} removed`);
      worse('rejecting');
      expand = false;
      where.push({ kind: 'in', column: oldName, values: removed });
    }
  }
  if (old.nullable !== column.nullable) {
    if (column.nullable) {
      parts.push('now optional (NULL allowed)');
      needed = true;
    } else {
      parts.push('now required (NOT NULL)');
      worse('rejecting');
      expand = false;
      where.push({ kind: 'null', column: oldName });
    }
  }
  return {
    ...base,
    kind: 'alter-column',
    column,
    before: old,
    what: `${label(base.object, column.name)}: ${parts.join('; ')}`,
    risk,
    ...(risk === 'blocked' ? { note: 'gluon does not move a primary key: declare a new object instead' } : {}),
    ...(where.length === 0 ? {} : { affects: { table: source, where } }),
    neededToServe: needed,
    expand: risk === 'safe' && expand,
  };
}

function diffIndexes({ base, source }: TableAt, beforeTable: TableDescription, after: readonly IndexDescription[]): SchemaChange[] {
  const out: SchemaChange[] = [];
  const before = beforeTable.indexes;
  // a column added by the same plan holds only NULLs: no duplicates to count (nor a column to count them in)
  const existing = new Set(beforeTable.columns.map((c) => c.name));
  for (const index of before) {
    const next = after.find((i) => i.name === index.name);
    if (next !== undefined && sameIndex(index, next)) continue;
    out.push({
      ...base,
      kind: 'drop-index',
      index,
      what: `${base.object}: index ${index.name} (${index.columns.join(', ')}) dropped`,
      risk: 'safe',
      neededToServe: index.unique,
      expand: false,
    });
  }
  for (const index of after) {
    const prev = before.find((i) => i.name === index.name);
    if (prev !== undefined && sameIndex(prev, index)) continue;
    out.push({
      ...base,
      kind: 'add-index',
      index,
      what: `${base.object}: new ${index.unique ? 'unique ' : ''}index ${index.name} (${index.columns.join(', ')})`,
      risk: index.unique && index.columns.every((c) => existing.has(c)) ? 'rejecting' : 'safe',
      ...(index.unique && index.columns.every((c) => existing.has(c)) ? { affects: { table: source, where: [{ kind: 'duplicates', columns: index.columns }] } } : {}),
      // a unique index is what keeps a model's unique sets and allocated values unique
      neededToServe: index.unique,
      expand: !index.unique,
    });
  }
  return out;
}

/** The description of a table after a change (undefined: the table is gone). Pure. */
export function evolveTable(table: TableDescription | undefined, change: SchemaChange): TableDescription | undefined {
  if (change.kind === 'create-table') return change.target;
  if (table === undefined || change.kind === 'drop-table') return undefined;
  const columns = [...table.columns];
  let foreignKeys = [...table.foreignKeys];
  let indexes = [...table.indexes];
  const at = (name: string): number => columns.findIndex((c) => c.name === name);
  switch (change.kind) {
    case 'rename-table':
      return { ...table, name: change.table };
    case 'add-column':
      if (change.column !== undefined) columns.push(change.column);
      if (change.foreignKey !== undefined) foreignKeys.push(change.foreignKey);
      break;
    case 'rename-column': {
      const i = at(change.from ?? '');
      if (i >= 0 && change.column !== undefined) columns[i] = change.column;
      foreignKeys = foreignKeys.map((f) => (f.column === change.from ? { ...f, column: change.column?.name ?? f.column } : f));
      indexes = indexes.map((x) => ({ ...x, columns: x.columns.map((c) => (c === change.from ? (change.column?.name ?? c) : c)) }));
      break;
    }
    case 'alter-column': {
      const i = change.column === undefined ? -1 : at(change.column.name);
      if (i >= 0 && change.column !== undefined) columns[i] = { ...change.column };
      break;
    }
    case 'drop-column': {
      const i = at(change.column?.name ?? '');
      if (i >= 0) columns.splice(i, 1);
      foreignKeys = foreignKeys.filter((f) => f.column !== change.column?.name);
      break;
    }
    case 'add-index':
      if (change.index !== undefined) indexes.push(change.index);
      break;
    case 'drop-index':
      indexes = indexes.filter((x) => x.name !== change.index?.name);
      break;
  }
  return storedTable({ ...table, columns, foreignKeys, indexes });
}
