import type BetterSqlite3 from 'better-sqlite3';

/** A better-sqlite3 connection. @internal */
export type NativeDatabase = BetterSqlite3.Database;

/** What a statement run reports: rows changed and the last inserted rowid. @internal */
export interface RunResult {
  readonly changes: number;
  readonly lastId: number | undefined;
}

/**
 * The failure state of one transaction on the writer connection. Once a statement of
 * the transaction failed, every later guarded statement (the next INSERT, the COMMIT) is
 * refused before it reaches SQLite, so a COMMIT issued without awaiting the statements
 * before it can never commit after a failed statement. A failure of a
 * transaction-control statement (BEGIN, SAVEPOINT, RELEASE) breaks the transaction for
 * good: only a full ROLLBACK ends it.
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

/** Statements kept prepared (least recently used ones are dropped beyond this). */
const CACHE_SIZE = 128;

/** A row as SQLite returns it. @internal */
export type SqliteRow = Record<string, unknown>;

/**
 * SQLite errors in the shape the error classification reads: `code` is the primary
 * result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`…), the message starts with it, and the
 * extended code (`SQLITE_CONSTRAINT_UNIQUE`) is kept as `extendedCode`.
 * @internal
 */
export function sqliteError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const out = new Error(err.message.startsWith(`${primary}:`) ? err.message : `${primary}: ${err.message}`, { cause: err });
  Object.assign(out, { code: primary, extendedCode: code });
  return out;
}

/**
 * Turns a bound value into what SQLite stores, as node-sqlite3 did: booleans become 1/0,
 * dates their milliseconds, undefined NULL. @internal
 */
export function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value;
}

/**
 * Statements straight on one better-sqlite3 connection: `?` placeholders, statements
 * prepared once per SQL text (an LRU cache), each run synchronously when issued — no
 * thread-pool round trip per statement, so a whole write transaction costs tens of
 * microseconds, not one event-loop turn per statement. The promise API keeps the
 * writer's callers unchanged: statements take effect in the order they are issued, a
 * caller may issue a whole transaction without awaiting each statement, and the
 * transaction's failure state ({@link TxState}) refuses statements after a failure.
 *
 * The connection is opened with no busy timeout: SQLite's busy wait would block the event
 * loop. The writer retries a busy `BEGIN IMMEDIATE` itself, asynchronously.
 * @internal
 */
export class SqliteConnection {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  private closed = false;

  constructor(readonly native: NativeDatabase) {}

  /** Runs a statement that returns no rows (a statement that does has its rows dropped). */
  run(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): Promise<RunResult> {
    try {
      return Promise.resolve(this.runSync(sql, params, tx, guard));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs a SELECT and returns its rows. */
  all(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): Promise<SqliteRow[]> {
    try {
      return Promise.resolve(this.allSync(sql, params, tx, guard));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link SqliteConnection.run}, synchronously (throws). */
  runSync(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): RunResult {
    return this.execute(tx, guard, () => {
      const stmt = this.statement(sql);
      if (stmt.reader) {
        stmt.all(...params.map(bindable));
        return { changes: 0, lastId: undefined };
      }
      const info = stmt.run(...params.map(bindable));
      return { changes: Number(info.changes), lastId: Number(info.lastInsertRowid) };
    });
  }

  /** {@link SqliteConnection.all}, synchronously (throws). */
  allSync(sql: string, params: readonly unknown[] = [], tx?: TxState, guard: Guard = 'data'): SqliteRow[] {
    return this.execute(tx, guard, () => {
      const stmt = this.statement(sql);
      if (!stmt.reader) {
        stmt.run(...params.map(bindable));
        return [];
      }
      return stmt.all(...params.map(bindable)) as SqliteRow[];
    });
  }

  /** The first column of every row of a SELECT (outside a transaction), synchronously (throws). */
  columnSync(sql: string, params: readonly unknown[] = []): unknown[] {
    return this.execute(undefined, 'data', () => this.statement(sql, true).all(...params.map(bindable)));
  }

  /** Whether the connection is inside a transaction (BEGIN issued, not yet ended). */
  get inTransaction(): boolean {
    return this.native.inTransaction;
  }

  /** Closes the connection (idempotent). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.cache.clear();
      this.native.close();
    }
    return Promise.resolve();
  }

  private execute<T>(tx: TxState | undefined, guard: Guard, body: () => T): T {
    if (tx !== undefined && guard !== 'recover' && (tx.broken || tx.failure !== undefined)) throw new TxAbortedError(tx.failure);
    try {
      const value = body();
      if (tx !== undefined && guard === 'recover') tx.failure = undefined;
      return value;
    } catch (raw) {
      const err = sqliteError(raw);
      if (tx !== undefined) {
        if (guard === 'control') tx.broken = true;
        if (guard !== 'recover') tx.failure ??= err;
      }
      throw err;
    }
  }

  /** The prepared statement of `sql` (`pluck`: returning the first column of each row), cached. */
  private statement(sql: string, pluck = false): BetterSqlite3.Statement {
    // a plucking statement is cached apart (control characters never start our SQL)
    const key = pluck ? `\u0001${sql}` : sql;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // most recently used last
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const stmt = this.native.prepare(sql);
    if (pluck) stmt.pluck(true);
    this.cache.set(key, stmt);
    if (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return stmt;
  }
}
