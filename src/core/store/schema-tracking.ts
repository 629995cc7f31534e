import type { TableDescription } from '../model/index.js';
import type { Database, Row } from './database.js';
import type { MysqlSession } from './mysql-connection.js';
import { storedTable, tableHash, type RecordedTable } from './schema-description.js';
import { fromSqlDate, q, toSqlDate, type Dialect } from './sql-text.js';

/** The table recording, per API table, what it was built from. */
export const SCHEMA_TABLE = 'gluon_schema';
/** The table journaling each step of an upgrade (MySQL DDL is not transactional). */
export const JOURNAL_TABLE = 'gluon_schema_journal';

/**
 * Raw SQL for schema work, outside the store's writer (DDL runs before the store serves):
 * on the read pool (MySQL) or the database's schema connection (SQLite). @internal
 */
export class SchemaSql {
  readonly dialect: Dialect;

  constructor(private readonly db: Database) {
    this.dialect = db.dialect;
  }

  /** MySQL: a connection held for a session (the upgrade lock belongs to it); release it when done. */
  mysqlSession(): Promise<MysqlSession> {
    return this.db.mysqlSession();
  }

  /** Runs a query that returns rows. */
  async rows(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.db.schemaRows(sql, params);
  }

  /** Runs a statement. */
  async exec(sql: string, params: readonly unknown[] = []): Promise<void> {
    await this.db.schemaExec(sql, params);
  }

  /** Counts with a `SELECT COUNT(*) AS n` query. */
  async count(sql: string): Promise<number> {
    const rows = await this.rows(sql);
    return Number(rows[0]?.['n'] ?? 0);
  }
}

function textType(dialect: Dialect): string {
  return dialect === 'mysql' ? 'MEDIUMTEXT' : 'TEXT';
}

function dateType(dialect: Dialect): string {
  return dialect === 'mysql' ? 'DATETIME(3)' : 'DATETIME';
}

/** Creates the tracking and journal tables when missing. @internal */
export async function ensureTrackingTables(sql: SchemaSql): Promise<void> {
  const d = sql.dialect;
  const options = d === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
  await sql.exec(
    `CREATE TABLE IF NOT EXISTS ${q(SCHEMA_TABLE)} (${q('table_name')} VARCHAR(64) NOT NULL, ${q('api')} VARCHAR(255) NOT NULL, ${q('object_name')} VARCHAR(255) NOT NULL, ${q('description')} ${textType(d)} NOT NULL, ${q('hash')} CHAR(64) NOT NULL, ${q('applied_at')} ${dateType(d)} NOT NULL, PRIMARY KEY (${q('table_name')}))${options}`,
  );
  await sql.exec(
    `CREATE TABLE IF NOT EXISTS ${q(JOURNAL_TABLE)} (${q('run_id')} VARCHAR(64) NOT NULL, ${q('step')} INTEGER NOT NULL, ${q('table_name')} VARCHAR(64) NOT NULL, ${q('what')} TEXT NOT NULL, ${q('statements')} ${textType(d)} NOT NULL, ${q('status')} VARCHAR(16) NOT NULL, ${q('plan_hash')} CHAR(64) NOT NULL, ${q('started_at')} ${dateType(d)} NULL, ${q('finished_at')} ${dateType(d)} NULL, ${q('error')} TEXT NULL, PRIMARY KEY (${q('run_id')}, ${q('step')}))${options}`,
  );
}

/** Reads every recorded table, by table name. @internal */
export async function readRecorded(sql: SchemaSql): Promise<Map<string, RecordedTable>> {
  const rows = await sql.rows(`SELECT ${q('table_name')}, ${q('api')}, ${q('description')}, ${q('hash')}, ${q('applied_at')} FROM ${q(SCHEMA_TABLE)}`);
  const out = new Map<string, RecordedTable>();
  for (const row of rows) {
    const table = JSON.parse(String(row['description'])) as TableDescription;
    out.set(String(row['table_name']), {
      api: String(row['api']),
      table,
      hash: String(row['hash']),
      appliedAt: new Date(fromSqlDate(row['applied_at']) ?? 0),
    });
  }
  return out;
}

/** Records tables as they now are in the database, and forgets dropped ones. @internal */
export async function writeRecorded(sql: SchemaSql, tables: readonly { readonly api: string; readonly table: TableDescription }[], dropped: readonly string[]): Promise<void> {
  const now = toSqlDate(new Date());
  for (const name of dropped) await sql.exec(`DELETE FROM ${q(SCHEMA_TABLE)} WHERE ${q('table_name')} = ?`, [name]);
  for (const { api, table } of tables) {
    const stored = storedTable(table);
    await sql.exec(`DELETE FROM ${q(SCHEMA_TABLE)} WHERE ${q('table_name')} = ?`, [table.name]);
    await sql.exec(
      `INSERT INTO ${q(SCHEMA_TABLE)} (${q('table_name')}, ${q('api')}, ${q('object_name')}, ${q('description')}, ${q('hash')}, ${q('applied_at')}) VALUES (?, ?, ?, ?, ?, ?)`,
      [table.name, api, table.object, JSON.stringify(stored), tableHash(stored), now],
    );
  }
}

/** What the database really has: table → its column and index names. @internal */
export type ActualSchema = ReadonlyMap<string, { readonly columns: ReadonlySet<string>; readonly indexes: ReadonlySet<string> }>;

/** Reads the tables, columns and indexes the database has. @internal */
export async function introspect(sql: SchemaSql): Promise<ActualSchema> {
  const out = new Map<string, { columns: Set<string>; indexes: Set<string> }>();
  const entry = (table: string): { columns: Set<string>; indexes: Set<string> } => {
    let e = out.get(table);
    if (e === undefined) out.set(table, (e = { columns: new Set(), indexes: new Set() }));
    return e;
  };
  if (sql.dialect === 'mysql') {
    for (const r of await sql.rows('SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()')) {
      entry(String(r['t'])).columns.add(String(r['c']));
    }
    for (const r of await sql.rows('SELECT DISTINCT TABLE_NAME AS t, INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()')) {
      entry(String(r['t'])).indexes.add(String(r['i']));
    }
    return out;
  }
  const objects = await sql.rows(`SELECT ${q('type')} AS k, ${q('name')} AS n, ${q('tbl_name')} AS t FROM ${q('sqlite_master')} WHERE ${q('type')} IN ('table', 'index')`);
  for (const r of objects) {
    if (r['k'] === 'index') entry(String(r['t'])).indexes.add(String(r['n']));
    else entry(String(r['n']));
  }
  for (const table of out.keys()) {
    for (const c of await sql.rows(`SELECT ${q('name')} AS n FROM pragma_table_info(?)`, [table])) out.get(table)?.columns.add(String(c['n']));
  }
  return out;
}

/**
 * The recorded description of a table that exists but was never recorded (a database
 * created before schema tracking): the model's table reduced to the columns and indexes
 * the database has, plus any column the model does not know (as nullable text). @internal
 */
export function baselineOf(table: TableDescription, actual: { readonly columns: ReadonlySet<string>; readonly indexes: ReadonlySet<string> }): TableDescription {
  const known = new Set(table.columns.map((c) => c.name));
  return storedTable({
    ...table,
    columns: [
      ...table.columns.filter((c) => actual.columns.has(c.name)),
      ...[...actual.columns].filter((c) => !known.has(c)).map((name) => ({ name, type: 'text' as const, nullable: true, primaryKey: false })),
    ],
    foreignKeys: table.foreignKeys.filter((f) => actual.columns.has(f.column)),
    indexes: table.indexes.filter((i) => actual.indexes.has(i.name)),
  });
}

/** One journaled step of an upgrade. */
export interface JournalStep {
  readonly runId: string;
  readonly step: number;
  readonly table: string;
  readonly what: string;
  readonly statements: readonly string[];
  readonly status: 'pending' | 'running' | 'done';
  readonly planHash: string;
  readonly startedAt?: Date;
  readonly error?: string;
}

/** The steps of the unfinished upgrade, if one was interrupted (at most one run is kept). @internal */
export async function readJournal(sql: SchemaSql): Promise<JournalStep[]> {
  const rows = await sql.rows(
    `SELECT ${q('run_id')}, ${q('step')}, ${q('table_name')}, ${q('what')}, ${q('statements')}, ${q('status')}, ${q('plan_hash')}, ${q('started_at')}, ${q('error')} FROM ${q(JOURNAL_TABLE)} ORDER BY ${q('run_id')}, ${q('step')}`,
  );
  return rows.map((r) => {
    const started = fromSqlDate(r['started_at']);
    return {
      runId: String(r['run_id']),
      step: Number(r['step']),
      table: String(r['table_name']),
      what: String(r['what']),
      statements: JSON.parse(String(r['statements'])) as string[],
      status: String(r['status']) as JournalStep['status'],
      planHash: String(r['plan_hash']),
      ...(started === null ? {} : { startedAt: new Date(started) }),
      ...(r['error'] === null || r['error'] === undefined ? {} : { error: String(r['error']) }),
    };
  });
}

/** Writes the journal of a new run (every step pending). @internal */
export async function startJournal(sql: SchemaSql, steps: readonly Omit<JournalStep, 'status'>[]): Promise<void> {
  for (const s of steps) {
    await sql.exec(
      `INSERT INTO ${q(JOURNAL_TABLE)} (${q('run_id')}, ${q('step')}, ${q('table_name')}, ${q('what')}, ${q('statements')}, ${q('status')}, ${q('plan_hash')}) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
      [s.runId, s.step, s.table, s.what, JSON.stringify(s.statements), s.planHash],
    );
  }
}

/** Marks a step running, done, or failed (running with the error). @internal */
export async function markStep(sql: SchemaSql, mark: { runId: string; step: number; status: 'running' | 'done'; error?: string }): Promise<void> {
  const { runId, step, status, error } = mark;
  const now = toSqlDate(new Date());
  const column = status === 'running' ? 'started_at' : 'finished_at';
  await sql.exec(`UPDATE ${q(JOURNAL_TABLE)} SET ${q('status')} = ?, ${q(column)} = ?, ${q('error')} = ? WHERE ${q('run_id')} = ? AND ${q('step')} = ?`, [
    status,
    now,
    error ?? null,
    runId,
    step,
  ]);
}

/** Forgets a finished run. @internal */
export async function endJournal(sql: SchemaSql, runId: string): Promise<void> {
  await sql.exec(`DELETE FROM ${q(JOURNAL_TABLE)} WHERE ${q('run_id')} = ?`, [runId]);
}
