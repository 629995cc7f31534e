import { createHash, randomUUID } from 'node:crypto';
import { StoreError, type ErrorDetail } from '../errors/index.js';
import type { TableDescription } from '../model/index.js';
import { countSql } from './migration-ddl.js';
import { diffSchema, evolveTable, type SchemaChange } from './migration-plan.js';
import { buildSteps, type MigrationStep } from './migration-steps.js';
import { storedTable, tableHash, type RecordedTable, type SchemaTarget } from './schema-description.js';
import {
  baselineOf,
  endJournal,
  ensureTrackingTables,
  introspect,
  markStep,
  readJournal,
  readRecorded,
  startJournal,
  writeRecorded,
  type ActualSchema,
  type JournalStep,
  type SchemaSql,
} from './schema-tracking.js';
import type { Logger } from '../log/index.js';

/**
 * What a server does at start when its models need schema changes: `none` applies none
 * (it only creates the tables of new objects) and refuses to start on any other
 * difference; `safe` also applies every change that loses or refuses no data (new
 * columns, longer strings, new enum values, optional attributes, new indexes, renames).
 */
export type MigrateMode = 'none' | 'safe';

/** A migration plan: its steps in order and a hash identifying it. */
export interface MigrationPlan {
  readonly steps: readonly MigrationStep[];
  /** SHA-256 of the steps' descriptions and SQL (the journal names the plan it runs). */
  readonly hash: string;
  /** The upgrade that was interrupted and not finished, if any. */
  readonly interrupted?: InterruptedUpgrade;
}

/** An upgrade that stopped before its end (the journal's view). */
export interface InterruptedUpgrade {
  readonly runId: string;
  readonly planHash: string;
  readonly steps: readonly JournalStep[];
  /** The first step not done. */
  readonly stoppedAt?: JournalStep;
}

/** Options of {@link SchemaMigrator.plan} and {@link SchemaMigrator.upgrade}. */
export interface PlanOptions {
  /** Also drop the recorded tables of these APIs that the targets no longer name. */
  readonly dropTablesOf?: ReadonlySet<string>;
  /** Only these changes (default: all). */
  readonly select?: (change: SchemaChange, step: MigrationStep) => boolean;
}

/** Options of {@link SchemaMigrator.upgrade}. */
export interface UpgradeOptions extends PlanOptions {
  /** Apply steps that lose or refuse data (default false: such a plan is refused). */
  readonly allowDestructive?: boolean;
  /** Called before each step runs (a test interrupts an upgrade by throwing here). */
  readonly beforeStep?: (step: MigrationStep) => void | Promise<void>;
}

/** What an upgrade did. */
export interface UpgradeResult {
  /** The steps applied (resumed upgrades: the ones run now). */
  readonly applied: readonly MigrationStep[];
  /** Tables whose existing rows changed shape (their objects must be mirrored again). */
  readonly changedTables: readonly string[];
  /** The run resumed an interrupted upgrade. */
  readonly resumed: boolean;
}

/** The state of one recorded or wanted table. */
export interface TableStatus {
  readonly api: string;
  readonly table: string;
  readonly object: string;
  /** Recorded hash (absent: never recorded). */
  readonly hash?: string;
  readonly appliedAt?: Date;
  /** `ok`: matches the model; `differs`: changes pending; `new`: not created yet; `unknown`: recorded but not in the models. */
  readonly state: 'ok' | 'differs' | 'new' | 'unknown';
}

/** Database state as `gluon db status` shows it. */
export interface SchemaStatus {
  readonly tables: readonly TableStatus[];
  readonly pending: readonly MigrationStep[];
  readonly interrupted?: InterruptedUpgrade;
}

const LOCK_NAME = 'gluon_schema_upgrade';

function planHash(steps: readonly MigrationStep[]): string {
  return createHash('sha256')
    .update(JSON.stringify(steps.map((s) => [s.what, s.sql])))
    .digest('hex');
}

function effectiveRisk(change: SchemaChange | undefined, rows: number | undefined): MigrationStep['risk'] {
  if (change === undefined) return 'safe';
  if (change.risk === 'blocked' && change.kind === 'add-column' && rows === 0) return 'safe';
  if ((change.risk === 'lossy' || change.risk === 'rejecting') && rows === 0) return 'safe';
  return change.risk;
}

/** A refused or failed migration. */
function migrationError(code: 'GLUON_ERR_STORE_SCHEMA' | 'GLUON_ERR_MIGRATION_DESTRUCTIVE' | 'GLUON_ERR_MIGRATION_INTERRUPTED', message: string, why: { details?: readonly ErrorDetail[]; cause?: unknown } = {}): StoreError {
  const { details = [], cause } = why;
  return new StoreError(code, message, { details: [...details], ...(cause === undefined ? {} : { cause }) });
}

function stepDetail(step: MigrationStep): ErrorDetail {
  const field = step.change?.column === undefined ? (step.change?.object ?? step.table) : `${step.change.object}.${step.change.column.name}`;
  return { field, rule: step.change?.kind ?? step.kind, value: step.rows ?? null, message: step.what };
}

/** `12 rows` / `1 row`. */
export function rowsText(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

/** One line of a step for messages: `VpnService.color: new column … [lossy: 3 rows]`. */
export function stepLine(step: MigrationStep): string {
  const risk = step.risk === 'safe' ? '' : ` [${step.risk}${step.rows === undefined ? '' : `: ${rowsText(step.rows)}`}]`;
  return `${step.what}${risk}${step.note === undefined || step.risk === 'safe' ? '' : ` — ${step.note}`}`;
}

/**
 * Compares the schema the database records with the tables the store is given, plans the
 * changes (with SQL per dialect and the rows at risk, counted) and applies them with a
 * journal, so an interrupted upgrade resumes or says exactly where it stopped. Works on
 * any {@link SchemaTarget}s: it knows nothing of models or versions. @internal
 */
export class SchemaMigrator {
  constructor(
    private readonly sql: SchemaSql,
    private readonly logger: Logger,
  ) {}

  /** The recorded tables, with a baseline for tables that exist but were never recorded. */
  private async recordedState(targets: readonly SchemaTarget[]): Promise<{ recorded: Map<string, RecordedTable>; actual: ActualSchema }> {
    await ensureTrackingTables(this.sql);
    const recorded = await readRecorded(this.sql);
    const actual = await introspect(this.sql);
    for (const name of [...recorded.keys()]) if (!actual.has(name)) recorded.delete(name);
    for (const { api, table } of targets) {
      for (const name of [table.name, ...(table.renamedFrom ?? [])]) {
        const has = actual.get(name);
        if (recorded.has(name) || has === undefined) continue;
        const base = baselineOf({ ...table, name }, has);
        recorded.set(name, { api, table: base, hash: tableHash(base), appliedAt: new Date(0) });
      }
    }
    return { recorded, actual };
  }

  private async interrupted(): Promise<InterruptedUpgrade | undefined> {
    const journal = await readJournal(this.sql);
    const first = journal[0];
    if (first === undefined) return undefined;
    const steps = journal.filter((s) => s.runId === first.runId);
    const stoppedAt = steps.find((s) => s.status !== 'done');
    return { runId: first.runId, planHash: first.planHash, steps, ...(stoppedAt === undefined ? {} : { stoppedAt }) };
  }

  private async buildPlan(targets: readonly SchemaTarget[], schema: { recorded: ReadonlyMap<string, RecordedTable>; actual: ActualSchema }, options: PlanOptions): Promise<MigrationStep[]> {
    const { recorded, actual } = schema;
    let changes = diffSchema(recorded, targets, options.dropTablesOf === undefined ? {} : { dropTablesOf: options.dropTablesOf });
    const counted = new Map<SchemaChange, number>();
    for (const change of changes) {
      if (change.affects === undefined || !actual.has(change.affects.table)) continue;
      counted.set(change, await this.sql.count(countSql(change.affects, this.sql.dialect)));
    }
    const riskOf = (change: SchemaChange): MigrationStep['risk'] => effectiveRisk(change, counted.get(change));
    if (options.select !== undefined) {
      const select = options.select;
      changes = changes.filter((c) => {
        const rows = counted.get(c);
        const probe: MigrationStep = { number: 0, kind: c.kind, api: c.api, table: c.table, what: c.what, sql: [], change: c, risk: riskOf(c), ...(rows === undefined ? {} : { rows }) };
        return select(c, probe);
      });
    }
    return buildSteps(changes, recorded, this.sql.dialect).map((step) => {
      const rows = step.change === undefined ? undefined : counted.get(step.change);
      return { ...step, risk: riskOf(step.change as SchemaChange), ...(rows === undefined ? {} : { rows }) };
    });
  }

  /** Plans the changes that make the database serve `targets`. Changes nothing but the tracking tables' existence. */
  async plan(targets: readonly SchemaTarget[], options: PlanOptions = {}): Promise<MigrationPlan> {
    const { recorded, actual } = await this.recordedState(targets);
    const steps = await this.buildPlan(targets, { recorded, actual }, options);
    const interrupted = await this.interrupted();
    return { steps, hash: planHash(steps), ...(interrupted === undefined ? {} : { interrupted }) };
  }

  /** Per table: recorded hash, when applied, and whether it matches the targets. */
  async status(targets: readonly SchemaTarget[], options: PlanOptions = {}): Promise<SchemaStatus> {
    const plan = await this.plan(targets, options);
    const tracked = await readRecorded(this.sql);
    const changed = new Set(plan.steps.map((s) => s.table));
    const tables: TableStatus[] = [];
    for (const { api, table } of targets) {
      const rec = tracked.get(table.name);
      const state = plan.steps.some((s) => s.table === table.name && s.kind === 'create-table') ? 'new' : changed.has(table.name) || rec === undefined ? 'differs' : 'ok';
      tables.push({ api, table: table.name, object: table.object, ...(rec === undefined ? {} : { hash: rec.hash, appliedAt: rec.appliedAt }), state });
    }
    for (const [name, rec] of tracked) {
      if (targets.some((t) => t.table.name === name)) continue;
      tables.push({ api: rec.api, table: name, object: rec.table.object, hash: rec.hash, appliedAt: rec.appliedAt, state: 'unknown' });
    }
    return { tables, pending: plan.steps, ...(plan.interrupted === undefined ? {} : { interrupted: plan.interrupted }) };
  }

  /** Applies the plan (or resumes the interrupted run of the same plan), under a database lock on MySQL. */
  async upgrade(targets: readonly SchemaTarget[], options: UpgradeOptions = {}): Promise<UpgradeResult> {
    return this.locked(() => this.apply(targets, options));
  }

  /**
   * The start-up check of a server: applies what `mode` allows (new tables always; with
   * `safe` every change that loses or refuses no data, including a new unique index over
   * rows without duplicates) and refuses to start, naming every
   * difference and the command that fixes it, when something the models need is left.
   */
  async startUp(targets: readonly SchemaTarget[], mode: MigrateMode): Promise<UpgradeResult> {
    return this.locked(async () => {
      const pending = await this.plan(targets);
      if (pending.interrupted !== undefined) throw this.interruptedError(pending.interrupted, 'The database schema is being upgraded');
      const allowed = (c: SchemaChange, s: MigrationStep): boolean =>
        c.kind === 'create-table' ||
        (mode === 'safe' && s.risk === 'safe' && (c.expand || c.kind === 'rename-column' || c.kind === 'rename-table' || c.kind === 'add-index'));
      const missing = pending.steps.filter((s) => s.change !== undefined && s.change.neededToServe && !allowed(s.change, s));
      if (missing.length > 0) {
        const lines = missing.map((s) => `  - ${stepLine(s)}`);
        const how = missing.every((s) => s.risk === 'safe')
          ? 'run `gluon db upgrade` (or start with migrate: safe to apply them at start)'
          : 'run `gluon db plan` to see the SQL and the rows at risk, then `gluon db upgrade --allow-destructive` once you accept them';
        throw migrationError('GLUON_ERR_STORE_SCHEMA', `The database does not match the models; the server does not start on it:\n${lines.join('\n')}\nTo fix it, ${how}.`, { details: missing.map(stepDetail) });
      }
      const result = await this.apply(targets, { select: allowed });
      const left = pending.steps.filter((s) => s.change !== undefined && !allowed(s.change, s));
      if (left.length > 0) this.logger.warn({ steps: left.map(stepLine) }, 'schema changes the models do not need are left for `gluon db upgrade` (contract steps)');
      return result;
    });
  }

  /** Why a server on `targets` cannot serve now (undefined when it can): for `/readyz`. */
  async unservableReason(targets: readonly SchemaTarget[]): Promise<string | undefined> {
    const interrupted = await this.interrupted();
    if (interrupted !== undefined) return this.interruptedError(interrupted, 'A schema upgrade').message;
    const needed = diffSchema(await readRecorded(this.sql), targets).filter((c) => c.neededToServe);
    if (needed.length === 0) return undefined;
    return `the database does not match the models: ${needed.map((c) => c.what).join('; ')}; run \`gluon db plan\` and \`gluon db upgrade\``;
  }

  private interruptedError(run: InterruptedUpgrade, head: string): StoreError {
    const at = run.stoppedAt;
    const where =
      at === undefined
        ? 'after its last step, before recording the new schema'
        : `at step ${at.step} of ${run.steps.length} (${at.what})${at.status === 'running' ? ', which had started' : ''}${at.error === undefined ? '' : `: ${at.error}`}`;
    return migrationError('GLUON_ERR_MIGRATION_INTERRUPTED', `${head} was interrupted ${where}. Run \`gluon db upgrade\` with the models it was started with to resume it; \`gluon db status\` shows every step.`, { details: at === undefined ? [] : [{ field: at.table, rule: 'interrupted', value: at.step, message: at.what }] });
  }

  private async apply(targets: readonly SchemaTarget[], options: UpgradeOptions): Promise<UpgradeResult> {
    const { recorded, actual } = await this.recordedState(targets);
    const steps = await this.buildPlan(targets, { recorded, actual }, options);
    const hash = planHash(steps);
    const interrupted = await this.interrupted();
    let runId: string = randomUUID();
    let done = new Set<number>();
    let wasRunning: number | undefined;
    if (interrupted !== undefined) {
      if (interrupted.planHash !== hash) throw this.interruptedError(interrupted, 'An earlier upgrade');
      runId = interrupted.runId;
      done = new Set(interrupted.steps.filter((s) => s.status === 'done').map((s) => s.step));
      wasRunning = interrupted.steps.find((s) => s.status === 'running')?.step;
      this.logger.info({ runId, done: done.size, steps: steps.length }, 'resuming the interrupted schema upgrade');
    } else {
      const blocked = steps.filter((s) => s.risk === 'blocked');
      if (blocked.length > 0) {
        throw migrationError('GLUON_ERR_MIGRATION_DESTRUCTIVE', `gluon cannot apply ${blocked.length === 1 ? 'this change' : 'these changes'}:\n${blocked.map((s) => `  - ${stepLine(s)}`).join('\n')}`, { details: blocked.map(stepDetail) });
      }
      const destructive = steps.filter((s) => s.risk !== 'safe');
      if (destructive.length > 0 && options.allowDestructive !== true) {
        throw migrationError('GLUON_ERR_MIGRATION_DESTRUCTIVE', `The plan loses or refuses data; nothing was changed:\n${destructive.map((s) => `  - ${stepLine(s)}`).join('\n')}\nRun \`gluon db upgrade --allow-destructive\` once you accept it (back the database up first).`, { details: destructive.map(stepDetail) });
      }
      if (steps.length > 0) await startJournal(this.sql, steps.map((s) => ({ runId, step: s.number, table: s.table, what: s.what, statements: s.sql, planHash: hash })));
    }
    const applied: MigrationStep[] = [];
    await this.withForeignKeysOff(async () => {
      for (const step of steps) {
        if (done.has(step.number)) continue;
        await markStep(this.sql, { runId, step: step.number, status: 'running' });
        try {
          await options.beforeStep?.(step);
          await this.runStep(step, step.number === wasRunning);
        } catch (err) {
          await markStep(this.sql, { runId, step: step.number, status: 'running', error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
          throw migrationError('GLUON_ERR_MIGRATION_INTERRUPTED', `The upgrade stopped at step ${step.number} of ${steps.length} (${step.what}): ${err instanceof Error ? err.message : String(err)}. Steps 1–${step.number - 1} are applied; run \`gluon db upgrade\` again to resume.`, { details: [stepDetail(step)], cause: err });
        }
        await markStep(this.sql, { runId, step: step.number, status: 'done' });
        applied.push(step);
      }
    });
    await this.record(targets, recorded, steps);
    if (steps.length > 0) await endJournal(this.sql, runId);
    const changedTables = [
      ...new Set(steps.filter((s) => s.change !== undefined && ['add-column', 'rename-column', 'alter-column', 'drop-column', 'rename-table'].includes(s.change.kind)).map((s) => s.table)),
    ];
    if (applied.length > 0) this.logger.info({ steps: applied.map((s) => s.what) }, `schema upgraded: ${applied.length} step(s)`);
    return { applied, changedTables, resumed: interrupted !== undefined };
  }

  /** Records every target table as it now is (the recorded shape with the applied changes). */
  private async record(targets: readonly SchemaTarget[], recorded: ReadonlyMap<string, RecordedTable>, steps: readonly MigrationStep[]): Promise<void> {
    const now = new Map<string, { api: string; table: TableDescription }>();
    for (const [name, rec] of recorded) now.set(name, { api: rec.api, table: rec.table });
    const dropped: string[] = [];
    for (const step of steps) {
      const change = step.change;
      if (change === undefined) continue;
      const key = change.kind === 'rename-table' ? (change.from ?? '') : change.table;
      const next = evolveTable(now.get(key)?.table, change);
      if (change.kind === 'rename-table') {
        now.delete(key);
        dropped.push(key);
      }
      if (next === undefined) {
        now.delete(change.table);
        dropped.push(change.table);
      } else now.set(change.table, { api: change.api, table: storedTable(next) });
    }
    const wanted = new Set(targets.map((t) => t.table.name));
    const tracked = await readRecorded(this.sql);
    const write = [...now.entries()]
      .filter(([name, entry]) => (wanted.has(name) || tracked.has(name)) && tracked.get(name)?.hash !== tableHash(entry.table))
      .map(([, entry]) => entry);
    await writeRecorded(this.sql, write, dropped);
  }

  /** Runs a step's statements; `resumed`: the step had started before an interruption, so each statement is first checked against the database. */
  private async runStep(step: MigrationStep, resumed: boolean): Promise<void> {
    if (step.transactional === true && this.sql.dialect === 'sqlite') {
      await this.sql.exec('BEGIN IMMEDIATE');
      try {
        for (const statement of step.sql) await this.sql.exec(statement);
        await this.sql.exec('COMMIT');
      } catch (err) {
        await this.sql.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return;
    }
    for (const [i, statement] of step.sql.entries()) {
      if (resumed && (await this.alreadyDone(step, i))) continue;
      await this.sql.exec(statement);
    }
  }

  /** On resume: is this statement's effect already in the database (MySQL DDL commits one statement at a time)? */
  private async alreadyDone(step: MigrationStep, index: number): Promise<boolean> {
    const change = step.change;
    if (change === undefined) return false;
    const actual = await introspect(this.sql);
    const table = actual.get(change.table);
    switch (change.kind) {
      case 'create-table':
        return index === 0 ? table !== undefined : table?.indexes.has(change.target?.indexes[index - 1]?.name ?? '') === true;
      case 'rename-table':
        return !actual.has(change.from ?? '') && table !== undefined;
      case 'drop-table':
        return table === undefined;
      case 'add-column':
        return table?.columns.has(change.column?.name ?? '') === true;
      case 'rename-column':
        return table !== undefined && !table.columns.has(change.from ?? '');
      case 'drop-column':
        return table !== undefined && !table.columns.has(change.column?.name ?? '');
      case 'add-index':
        return table?.indexes.has(change.index?.name ?? '') === true;
      case 'drop-index':
        return table !== undefined && !table.indexes.has(change.index?.name ?? '');
      case 'alter-column':
        return false;
    }
    return false;
  }

  private async withForeignKeysOff(run: () => Promise<void>): Promise<void> {
    if (this.sql.dialect !== 'sqlite') return run();
    const was = Number((await this.sql.rows('PRAGMA foreign_keys'))[0]?.['foreign_keys'] ?? 0);
    await this.sql.exec('PRAGMA foreign_keys=OFF');
    try {
      await run();
    } finally {
      if (was === 1) await this.sql.exec('PRAGMA foreign_keys=ON');
    }
  }

  /** Runs `work` holding the upgrade lock (MySQL `GET_LOCK`: one server or CLI upgrades at a time). */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    if (this.sql.dialect !== 'mysql') return work();
    // the lock belongs to a connection: one is held for the whole upgrade
    const session = await this.sql.mysqlSession();
    try {
      const [row] = (await session.query('SELECT GET_LOCK(?, 120) AS got', [LOCK_NAME])) as { got: unknown }[];
      if (Number(row?.got) !== 1) {
        throw migrationError('GLUON_ERR_STORE_SCHEMA', 'Another server or `gluon db upgrade` has held the schema upgrade lock for 120 s; retry when it has finished.');
      }
      try {
        return await work();
      } finally {
        await session.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
      }
    } finally {
      session.release();
    }
  }
}
