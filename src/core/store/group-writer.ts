import { retrying } from '../retry/index.js';
import { StoreError, isGluonError, toGluonError } from '../errors/index.js';
import type { Database, Tx } from './database.js';
import { classifyDbError, isDeadlock } from './db-errors.js';
import { placeholders } from './sql-text.js';
import type { CommitListener } from './types.js';
import type { Logger } from '../log/index.js';

/** Where a planned row goes: an `INSERT INTO t (cols) VALUES ` head and its width. @internal */
export interface InsertTarget {
  readonly head: string;
  readonly width: number;
  /** The outbox table: rows are `[key, value, created_at]` and their seqs are collected in `tx.outbox` (SQLite). */
  readonly outbox?: boolean;
}

/** One row a write will insert. @internal */
export interface PlannedRow {
  readonly target: InsertTarget;
  readonly values: readonly unknown[];
  /** Commit time of an outbox row (its `created_at`). */
  readonly at?: Date;
}

/**
 * One write request. A task with `rows` is a pure insert: inside a group, consecutive
 * pure inserts are written together with multi-row INSERTs; when such a batch fails,
 * each task runs alone (`run`) in its own savepoint so only the bad one fails.
 * @internal
 */
export interface WriteTask<T> {
  /** The rows of a pure insert, in dependency order. */
  readonly rows?: readonly PlannedRow[];
  /** What a successful batched insert resolves with. */
  readonly result?: T;
  /** Runs the task alone inside the group's transaction. */
  run(tx: Tx): Promise<T>;
  /** Turns a failure of `run` into the GluonError the caller gets (after its savepoint was rolled back). */
  explain(err: unknown, tx: Tx): Promise<Error>;
  /** The write asked to be published at once ({@link WriteOptions.urgent}): its commit is reported urgent. */
  readonly urgent?: boolean;
}

interface Pending {
  readonly task: WriteTask<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Rows per INSERT statement (keeps bound parameters far below SQLite's 32766). */
const MAX_PARAMS = 30_000;

/** Most requests committed together in one transaction. */
const MAX_GROUP = 512;

/** A transaction the database rolled back as a deadlock victim: nothing was kept, it runs again. */
class DeadlockVictim extends Error {
  constructor(cause: unknown) {
    super('The write transaction was chosen as a deadlock victim.', { cause });
    this.name = 'DeadlockVictim';
  }
}

/**
 * Runs a whole transaction again when MySQL picks it as a deadlock victim (writers on
 * several servers sharing a database, e.g. drawing from one address pool).
 */
function retryingDeadlocks(run: () => Promise<void>): Promise<void> {
  return retrying(run, {
    backoff: { initialMs: 5, maxMs: 200, factor: 2 },
    retryIf: (err) => err instanceof DeadlockVictim,
    deadline: Date.now() + DEADLOCK_RETRY_MS,
  });
}

/** How long a group may keep being chosen as a deadlock victim before its writes fail. */
const DEADLOCK_RETRY_MS = 2000;

/**
 * The writer: every write goes through it. It takes every pending request, runs them in
 * ONE transaction (each in a savepoint, pure inserts batched), commits, and only then
 * resolves each request with its own result or error. On SQLite one group runs at a
 * time; on MySQL as many as the database has write connections (their transactions
 * order among themselves as those of several servers on one database do: row locks,
 * unique indexes, deadlock victims run again), each starting with the writes queued
 * while the others ran.
 * @internal
 */
export class GroupWriter {
  private readonly queue: Pending[] = [];
  /** A start of groups is scheduled (after this event-loop turn's I/O callbacks, so the requests read together commit together). */
  private scheduled = false;
  /** Groups whose transaction is running. */
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly listeners = new Set<CommitListener>();
  /** Groups run at once: 1 on SQLite (one writer), the writer pool's size on MySQL. */
  private readonly maxInFlight: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {
    this.maxInFlight = db.writeConnections;
  }

  /**
   * Calls `listener` after every commit that inserted outbox rows, with the rows whose
   * sequence numbers are known (SQLite) and whether a write of the commit was urgent,
   * synchronously after COMMIT and before any write of the transaction resolves.
   * Returns the function that removes it.
   */
  onCommitted(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private committed(tx: Tx, writes: readonly Pending[]): void {
    if (tx.outboxRows === 0 || this.listeners.size === 0) return;
    const notice = { entries: tx.outbox, urgent: writes.some((p) => p.task.urgent === true) };
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch (err) {
        this.logger.error({ err }, 'outbox commit listener failed');
      }
    }
  }

  /** Queues a write; resolves after its transaction committed. */
  submit<T>(task: WriteTask<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The store is closed: no more writes are accepted.'));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled && this.inFlight < this.maxInFlight) {
        this.scheduled = true;
        // after the I/O callbacks of this event-loop turn: the requests read together commit together
        setImmediate(() => {
          this.scheduled = false;
          this.startGroups();
        });
      }
    });
  }

  /** Stops accepting writes and resolves once every queued write has committed (or failed). */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts a group of every queued write while a transaction slot is free; each finished
   * group starts the next with what queued meanwhile.
   */
  private startGroups(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const group = this.queue.splice(0, MAX_GROUP);
      this.inFlight++;
      this.runGroup(group)
        .catch((err: unknown) => this.logger.error({ err }, 'SQL write loop failed'))
        .finally(() => {
          this.inFlight--;
          this.startGroups();
          if (this.inFlight === 0 && this.queue.length === 0) this.wakeIdle();
        });
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async runGroup(group: Pending[]): Promise<void> {
    try {
      await retryingDeadlocks(() => this.runGroupOnce(group));
    } catch (err) {
      const cause = err instanceof DeadlockVictim ? err.cause : err;
      this.logger.error({ err: cause, writes: group.length }, 'SQL write transaction failed');
      for (const p of group) p.reject(this.fatal(cause));
    }
  }

  private async runGroupOnce(group: Pending[]): Promise<void> {
    if (this.db.defersStatements && group.every((p) => p.task.rows !== undefined)) {
      if (await this.attemptInOneTrip(group)) return;
      if (group.length > 1) return void (await this.attemptGroup(group, false));
    }
    if (group.length === 1) return this.runSingle(group[0] as Pending);
    // first with pure inserts batched (no savepoint); if a batch fails, the whole
    // transaction is rolled back and the group re-run one task at a time in savepoints
    if (!(await this.attemptGroup(group, true))) await this.attemptGroup(group, false);
  }

  /** Runs a group in one transaction; false when a batch failed and nothing was settled. */
  private async attemptGroup(group: Pending[], batching: boolean): Promise<boolean> {
    const outcomes: Outcome[] = [];
    let tx: Tx | undefined;
    try {
      tx = await this.db.begin();
      let i = 0;
      while (i < group.length) {
        let j = i;
        while (j < group.length && group[j]?.task.rows !== undefined) j++;
        if (batching && j - i > 1) {
          if (!(await this.tryBatch(tx, group.slice(i, j)))) {
            await this.db.rollback(tx);
            return false;
          }
          for (let k = i; k < j; k++) outcomes[k] = { ok: true, value: group[k]?.task.result };
          i = j;
          continue;
        }
        const end = Math.max(j, i + 1);
        for (let k = i; k < end; k++) outcomes[k] = await this.runAlone(tx, (group[k] as Pending).task);
        i = end;
      }
      await this.db.commit(tx);
    } catch (err) {
      if (tx !== undefined) await this.db.rollback(tx);
      if (isDeadlock(err)) throw new DeadlockVictim(err);
      const failure = this.fatal(err);
      this.logger.error({ err, writes: group.length }, 'SQL write transaction failed');
      for (const p of group) p.reject(failure);
      return true;
    }
    this.committed(tx, group);
    group.forEach((p, k) => {
      const o = outcomes[k];
      if (o?.ok === true) p.resolve(o.value);
      else p.reject(o?.error);
    });
    return true;
  }

  /**
   * MySQL, a group of pure inserts: START TRANSACTION, every multi-row INSERT and COMMIT
   * in one round trip (MySQL stops at the first statement that fails, and nothing is
   * committed). False when a row was refused: nothing was settled, the caller runs the
   * writes again one by one to tell which failed.
   */
  private async attemptInOneTrip(group: Pending[]): Promise<boolean> {
    let tx: Tx | undefined;
    try {
      tx = await this.db.begin();
      this.db.defer(tx, plannedStatements(this.db, tx, group.flatMap((p) => p.task.rows ?? [])));
      await this.db.commit(tx);
    } catch (err) {
      if (tx !== undefined) await this.db.rollback(tx);
      if (isDeadlock(err)) throw new DeadlockVictim(err);
      if (classifyDbError(err).kind !== 'unavailable') return false;
      const failure = this.fatal(err);
      this.logger.error({ err, writes: group.length }, 'SQL write transaction failed');
      for (const p of group) p.reject(failure);
      return true;
    }
    this.committed(tx, group);
    for (const p of group) p.resolve(p.task.result);
    return true;
  }

  /**
   * A lone request needs no savepoint: its transaction is its unit. On failure the
   * transaction is rolled back and the error explained in a fresh one.
   */
  private async runSingle(p: Pending): Promise<void> {
    let tx: Tx | undefined;
    let value: unknown;
    try {
      tx = await this.db.begin();
      try {
        value = await p.task.run(tx);
      } catch (err) {
        if (!isGluonError(err) && classifyDbError(err).kind === 'unavailable') throw err;
        await this.db.rollback(tx);
        tx = await this.db.begin();
        let failure: Error;
        try {
          failure = await p.task.explain(err, tx);
        } catch (explainErr) {
          if (classifyDbError(explainErr).kind === 'unavailable') throw explainErr;
          failure = toGluonError(explainErr);
        }
        await this.db.rollback(tx);
        p.reject(failure);
        return;
      }
      await this.db.commit(tx);
    } catch (err) {
      if (tx !== undefined) await this.db.rollback(tx);
      if (isDeadlock(err)) throw new DeadlockVictim(err);
      this.logger.error({ err }, 'SQL write transaction failed');
      p.reject(this.fatal(err));
      return;
    }
    this.committed(tx, [p]);
    p.resolve(value);
  }

  /**
   * Inserts every row of consecutive pure-insert tasks with multi-row INSERTs, without a
   * savepoint: false when they failed (the caller rolls the whole transaction back).
   */
  private async tryBatch(tx: Tx, batch: readonly Pending[]): Promise<boolean> {
    const byTarget = new Map<InsertTarget, PlannedRow[]>();
    for (const p of batch) {
      for (const row of p.task.rows ?? []) {
        let list = byTarget.get(row.target);
        if (list === undefined) byTarget.set(row.target, (list = []));
        list.push(row);
      }
    }
    try {
      await insertPlanned(this.db, tx, [...byTarget.values()].flat());
      return true;
    } catch (err) {
      if (classifyDbError(err).kind === 'unavailable') throw err;
      return false;
    }
  }

  /** Runs one task in its own savepoint; a failure rolls back only this task. */
  private async runAlone(tx: Tx, task: WriteTask<unknown>): Promise<Outcome> {
    const mark = tx.outbox.length;
    const rowsMark = tx.outboxRows;
    await this.db.control('SAVEPOINT gluon_op', tx);
    try {
      const value = await task.run(tx);
      await this.db.control('RELEASE SAVEPOINT gluon_op', tx);
      return { ok: true, value };
    } catch (err) {
      tx.outbox.length = mark;
      tx.outboxRows = rowsMark;
      if (!isGluonError(err) && classifyDbError(err).kind === 'unavailable') throw err;
      await this.db.rollbackTo('gluon_op', tx);
      try {
        return { ok: false, error: await task.explain(err, tx) };
      } catch (explainErr) {
        if (classifyDbError(explainErr).kind === 'unavailable') throw explainErr;
        return { ok: false, error: toGluonError(explainErr) };
      }
    }
  }

  private fatal(err: unknown): Error {
    if (isGluonError(err)) return err;
    const failure = classifyDbError(err);
    const reason = failure.kind === 'unavailable' ? ` (${failure.reason})` : '';
    return new StoreError(
      'GLUON_ERR_STORE_UNAVAILABLE',
      `The database did not complete the write transaction${reason}; nothing in it was saved. Retry the request.`,
      { cause: err },
    );
  }
}

/**
 * Inserts planned rows: consecutive rows of one target with as few multi-row INSERTs as
 * the parameter limit allows, all issued at once on SQLite (in one round trip on
 * MySQL). Outbox rows inserted on SQLite are recorded in `tx.outbox` with their seqs:
 * SQLite gives the rows of one INSERT consecutive rowids ending at the last insert rowid
 * (the outbox's `seq` is `INTEGER PRIMARY KEY AUTOINCREMENT`), and one writer at a time
 * means seq order is commit order. Rejects with the first failure in statement order
 * once every statement settled. @internal
 */
export async function insertPlanned(db: Database, tx: Tx, rows: readonly PlannedRow[]): Promise<void> {
  const statements = plannedStatements(db, tx, rows);
  if (!statements.some((s) => s.collect)) {
    await db.runMany(tx, statements);
    return;
  }
  const results: ({ readonly changes: number; readonly lastId: number | undefined } | undefined)[] = [];
  await db.sequence(
    tx,
    statements.map((s, k) => async () => {
      if (s.collect) results[k] = await db.insert(s.sql, s.params, tx);
      else await db.run(s.sql, s.params, tx);
    }),
  );
  statements.forEach((s, k) => {
    const out = results[k];
    // never guess: without both figures the publisher simply reads these rows from the table
    if (!s.collect || out === undefined || out.lastId === undefined || out.changes !== s.chunk.length) return;
    const first = out.lastId - s.chunk.length + 1;
    s.chunk.forEach((r, n) => {
      const [key, value] = r.values;
      tx.outbox.push({ seq: first + n, key: String(key), value: value === null || value === undefined ? null : String(value), createdAt: r.at ?? new Date() });
    });
  });
}

/** One multi-row INSERT of planned rows. */
interface PlannedStatement {
  readonly sql: string;
  readonly params: unknown[];
  readonly chunk: readonly PlannedRow[];
  /** SQLite outbox rows: their seqs are collected into `tx.outbox`. */
  readonly collect: boolean;
}

/**
 * The multi-row INSERTs of planned rows: consecutive rows of one target in as few
 * statements as the parameter limit allows. Counts the outbox rows into `tx.outboxRows`.
 */
function plannedStatements(db: Database, tx: Tx, rows: readonly PlannedRow[]): PlannedStatement[] {
  const statements: PlannedStatement[] = [];
  let i = 0;
  while (i < rows.length) {
    const target = (rows[i] as PlannedRow).target;
    let end = i;
    while (end < rows.length && (rows[end] as PlannedRow).target === target) end++;
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, target.width)));
    const group = placeholders(target.width);
    if (target.outbox === true) tx.outboxRows += end - i;
    const collect = target.outbox === true && db.dialect === 'sqlite';
    for (let start = i; start < end; start += perStatement) {
      const chunk = rows.slice(start, Math.min(end, start + perStatement));
      const params: unknown[] = [];
      for (const r of chunk) for (const v of r.values) params.push(v);
      statements.push({ sql: target.head + new Array<string>(chunk.length).fill(group).join(', '), params, chunk, collect });
    }
    i = end;
  }
  return statements;
}
