/** The minimal node-sqlite3 surface the writer uses (the `sqlite3` package's `Database`/`Statement`). @internal */
export interface Sqlite3Statement {
  run(params: unknown[], callback: (this: { lastID?: number; changes?: number }, err: Error | null) => void): unknown;
  all(params: unknown[], callback: (err: Error | null, rows: Record<string, unknown>[]) => void): unknown;
  finalize(callback?: (err: Error | null) => void): unknown;
}

/** @internal */
export interface Sqlite3Database {
  prepare(sql: string, callback: (err: Error | null) => void): Sqlite3Statement;
}

/** What a statement run reports: rows changed and the last inserted rowid. @internal */
export interface RunResult {
  readonly changes: number;
  readonly lastId: number | undefined;
}

/**
 * The failure state of one transaction on the raw connection. Once a statement of the
 * transaction failed, every later guarded statement (the next INSERT, the COMMIT) is
 * refused before it reaches SQLite, so a pipelined COMMIT can never commit after a failed
 * statement. A failure of a transaction-control statement (BEGIN, SAVEPOINT, RELEASE)
 * breaks the transaction for good: only a full ROLLBACK ends it.
 * @internal
 */
export interface TxState {
  failure: unknown;
  broken: boolean;
}

/** A statement refused because an earlier statement of its transaction failed. @internal */
export class TxAbortedError extends Error {
  constructor(cause: unknown) {
    super('The statement was not run: an earlier statement of its transaction failed.', { cause });
    this.name = 'TxAbortedError';
  }
}

/** How a statement relates to its transaction's failure state. @internal */
export type Guard =
  /** refused after a failure; a failure of its own is recoverable (ROLLBACK TO). */
  | 'data'
  /** refused after a failure; a failure of its own breaks the transaction (BEGIN, SAVEPOINT, RELEASE, COMMIT). */
  | 'control'
  /** always runs (ROLLBACK, ROLLBACK TO): its success clears a recoverable failure. */
  | 'recover';

interface Op {
  readonly sql: string;
  readonly params: unknown[];
  readonly rows: boolean;
  readonly tx: TxState | undefined;
  readonly guard: Guard;
  readonly resolve: (value: RunResult | Record<string, unknown>[]) => void;
  readonly reject: (err: unknown) => void;
}

/** Statements kept prepared (least recently used ones are finalized beyond this). */
const CACHE_SIZE = 128;

/**
 * The writer's statements straight on one node-sqlite3 connection, without Sequelize:
 * `?` placeholders, statements prepared once per SQL text (an LRU cache, finalized on
 * close), strictly one at a time in the order they were issued (the next one is started
 * from the previous one's completion callback), so a caller may issue a whole transaction
 * without awaiting each statement.
 * @internal
 */
export class RawSqlite {
  private readonly queue: Op[] = [];
  private head = 0;
  private busy = false;
  private readonly cache = new Map<string, Sqlite3Statement>();

  constructor(private readonly db: Sqlite3Database) {}

  /** Runs a statement that returns no rows. */
  run(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): Promise<RunResult> {
    return this.enqueue(sql, params, false, tx, guard) as Promise<RunResult>;
  }

  /** Runs a SELECT and returns its rows. */
  all(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): Promise<Record<string, unknown>[]> {
    return this.enqueue(sql, params, true, tx, guard) as Promise<Record<string, unknown>[]>;
  }

  /** Finalizes every cached statement (before the connection is closed). */
  async close(): Promise<void> {
    const statements = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(statements.map((s) => new Promise<void>((resolve) => s.finalize(() => resolve()))));
  }

  private enqueue(sql: string, params: readonly unknown[], rows: boolean, tx: TxState | undefined, guard: Guard): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sql, params: params as unknown[], rows, tx, guard, resolve: resolve as Op['resolve'], reject });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    for (;;) {
      const op = this.queue[this.head];
      if (op === undefined) {
        this.queue.length = 0;
        this.head = 0;
        this.busy = false;
        return;
      }
      this.queue[this.head++] = undefined as unknown as Op;
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      const tx = op.tx;
      if (tx !== undefined && op.guard !== 'recover' && (tx.broken || tx.failure !== undefined)) {
        op.reject(new TxAbortedError(tx.failure));
        continue;
      }
      this.busy = true;
      this.start(op);
      return;
    }
  }

  private start(op: Op): void {
    const done = (err: Error | null, value: RunResult | Record<string, unknown>[] | undefined): void => {
      const tx = op.tx;
      if (tx !== undefined) {
        if (err !== null) {
          if (op.guard === 'control') tx.broken = true;
          if (op.guard !== 'recover') tx.failure ??= err;
        } else if (op.guard === 'recover') {
          tx.failure = undefined;
        }
      }
      if (err !== null) op.reject(err);
      else op.resolve(value as RunResult | Record<string, unknown>[]);
      this.next();
    };
    const exec = (stmt: Sqlite3Statement): void => {
      if (op.rows) stmt.all(op.params, (err, rows) => done(err, rows));
      else
        stmt.run(op.params, function (err) {
          done(err, { changes: typeof this?.changes === 'number' ? this.changes : 0, lastId: typeof this?.lastID === 'number' ? this.lastID : undefined });
        });
    };
    const cached = this.cache.get(op.sql);
    if (cached !== undefined) {
      // most recently used last
      this.cache.delete(op.sql);
      this.cache.set(op.sql, cached);
      exec(cached);
      return;
    }
    let stmt: Sqlite3Statement | undefined;
    try {
      stmt = this.db.prepare(op.sql, (err) => {
        if (err !== null) {
          done(err, undefined);
          return;
        }
        this.remember(op.sql, stmt as Sqlite3Statement);
        exec(stmt as Sqlite3Statement);
      });
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)), undefined);
    }
  }

  private remember(sql: string, stmt: Sqlite3Statement): void {
    this.cache.set(sql, stmt);
    if (this.cache.size <= CACHE_SIZE) return;
    const oldest = this.cache.keys().next().value;
    if (oldest === undefined) return;
    const evicted = this.cache.get(oldest);
    this.cache.delete(oldest);
    evicted?.finalize();
  }
}
