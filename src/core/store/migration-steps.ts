import type { TableDescription } from '../model/index.js';
import { changeStatements, needsRebuild, rebuildStatements } from './migration-ddl.js';
import { evolveTable, type ChangeKind, type ChangeRisk, type SchemaChange } from './migration-plan.js';
import type { RecordedTable } from './schema-description.js';
import type { Dialect } from './sql-text.js';

/** One step of a migration plan: what it does, its SQL, and what it risks. */
export interface MigrationStep {
  /** 1-based position in the plan. */
  readonly number: number;
  readonly kind: ChangeKind | 'rebuild-table';
  readonly api: string;
  readonly table: string;
  /** One line for people. */
  readonly what: string;
  /** The statements, in order (empty when a later table rebuild carries them, SQLite). */
  readonly sql: readonly string[];
  /** The schema change this step applies (none for a rebuild). */
  readonly change?: SchemaChange;
  /** Risk after counting the rows: a lossy change that affects no row is `safe`. */
  readonly risk: ChangeRisk;
  /** Rows whose data would be lost or would make the step fail (when counted). */
  readonly rows?: number;
  /** Why it is risky or blocked, and what to do instead. */
  readonly note?: string;
  /** SQLite rebuild: run in one transaction with foreign keys off. */
  readonly transactional?: boolean;
}

/** A step before numbering and counting. */
type Draft = Omit<MigrationStep, 'number' | 'risk'> & { readonly risk?: ChangeRisk };

function draftOf(change: SchemaChange, sql: readonly string[]): Draft {
  return {
    kind: change.kind,
    api: change.api,
    table: change.table,
    what: sql.length === 0 && change.kind !== 'create-table' ? `${change.what} (by the table rebuild below)` : change.what,
    sql,
    change,
    ...(change.note === undefined ? {} : { note: change.note }),
  };
}

/** Splits changes into runs of one table each, in order. */
function byTable(changes: readonly SchemaChange[]): SchemaChange[][] {
  const groups: SchemaChange[][] = [];
  for (const change of changes) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0]?.table === change.table) last.push(change);
    else groups.push([change]);
  }
  return groups;
}

/**
 * Turns changes into steps with their SQL for one dialect. On SQLite, changes SQLite
 * cannot make in place (alter or drop a column, add a required one) are made by one
 * rebuild of their table, after the table's in-place changes and before its new indexes.
 */
export function buildSteps(changes: readonly SchemaChange[], recorded: ReadonlyMap<string, RecordedTable>, dialect: Dialect): Omit<MigrationStep, 'risk'>[] {
  const drafts: Draft[] = [];
  for (const group of byTable(changes)) {
    const first = group[0] as SchemaChange;
    let table: TableDescription | undefined = recorded.get(first.kind === 'rename-table' ? (first.from ?? '') : first.table)?.table;
    const rebuild = dialect === 'sqlite' && group.some(needsRebuild);
    if (!rebuild) {
      for (const change of group) drafts.push(draftOf(change, changeStatements(change, dialect)));
      continue;
    }
    const inPlace = group.filter((c) => !needsRebuild(c) && c.kind !== 'add-index');
    const rebuilt = group.filter(needsRebuild);
    for (const change of inPlace) {
      drafts.push(draftOf(change, changeStatements(change, dialect)));
      table = evolveTable(table, change);
    }
    const before = table;
    for (const change of rebuilt) {
      drafts.push(draftOf(change, []));
      table = evolveTable(table, change);
    }
    if (before !== undefined && table !== undefined) {
      drafts.push({
        kind: 'rebuild-table',
        api: first.api,
        table: table.name,
        what: `${first.object}: table ${table.name} rebuilt with the new columns (rows copied)`,
        sql: rebuildStatements(before, table),
        transactional: true,
      });
    }
    for (const change of group.filter((c) => c.kind === 'add-index')) drafts.push(draftOf(change, changeStatements(change, dialect)));
  }
  return drafts.map((d, i) => ({ ...d, number: i + 1 }));
}
