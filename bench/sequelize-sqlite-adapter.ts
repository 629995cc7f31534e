import type { NativeDatabase } from '../src/core/store/sqlite-connection.js';
import { bindable, sqliteError } from '../src/core/store/sqlite-connection.js';

/** better-sqlite3's constructor. @internal */
export type NativeOpen = (filename: string, options?: { timeout?: number }) => NativeDatabase;

type Callback = ((this: { lastID?: number; changes?: number }, err: Error | null, rows?: unknown[]) => void) | undefined;

function later(fn: () => void): void {
  process.nextTick(fn);
}

/**
 * node-sqlite3 takes named parameters with their prefix (`{ $1: v }`), better-sqlite3
 * without it (`{ 1: v }`); positional ones are an array for both.
 */
function parameters(params: unknown): unknown[] | Record<string, unknown> {
  if (params === undefined || typeof params === 'function') return [];
  if (Array.isArray(params)) return params.map(bindable);
  if (typeof params !== 'object' || params === null) return [bindable(params)];
  const named: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) named[key.replace(/^[$@:]/, '')] = bindable(value);
  return named;
}

/**
 * The part of node-sqlite3's API that Sequelize's SQLite dialect calls
 * (`new Database(file, mode, cb)`, `serialize`, `run`, `all`, `exec`, `close`), served by
 * better-sqlite3 and handed to Sequelize as its `dialectModule`: the bare baseline server
 * (fastify + Sequelize) runs on it. (The gluon store does not load Sequelize on SQLite; it
 * talks to better-sqlite3 directly.) With this adapter the process links ONE copy of SQLite:
 * two copies in one process would not see each other's POSIX locks on the same file,
 * which SQLite documents as a way to corrupt it.
 * @internal
 */
export function sequelizeSqliteModule(open: NativeOpen, shared: (filename: string) => NativeDatabase | undefined): object {
  class Database {
    readonly filename: string;
    private readonly native: NativeDatabase;
    private readonly owned: boolean;

    constructor(filename: string, _mode?: number, callback?: (err: Error | null) => void) {
      this.filename = filename;
      const existing = shared(filename);
      let failure: Error | null = null;
      let native: NativeDatabase | undefined = existing;
      if (native === undefined) {
        try {
          native = open(filename, { timeout: 5_000 });
        } catch (err) {
          failure = sqliteError(err);
        }
      }
      this.native = native as NativeDatabase;
      this.owned = existing === undefined;
      if (callback !== undefined) later(() => callback(failure));
    }

    serialize(fn?: () => void): void {
      fn?.();
    }

    run(sql: string, params?: unknown, callback?: Callback): this {
      return this.query({ sql, params, callback }, false);
    }

    all(sql: string, params?: unknown, callback?: Callback): this {
      return this.query({ sql, params, callback }, true);
    }

    /** Runs one statement; calls back (later, as node-sqlite3 does) with `this` = `{lastID, changes}` and the rows of `all`. */
    private query(statement: { sql: string; params: unknown; callback: Callback | undefined }, rows: boolean): this {
      const { sql, params, callback } = statement;
      const cb = typeof params === 'function' ? (params as Callback) : callback;
      const args = parameters(params);
      try {
        const stmt = this.native.prepare(sql);
        if (stmt.reader) {
          const found = stmt.all(args) as unknown[];
          later(() => cb?.call({ lastID: 0, changes: 0 }, null, rows ? found : undefined));
        } else {
          const info = stmt.run(args);
          later(() => cb?.call({ lastID: Number(info.lastInsertRowid), changes: Number(info.changes) }, null, rows ? [] : undefined));
        }
      } catch (err) {
        const e = sqliteError(err);
        later(() => cb?.call({}, e));
      }
      return this;
    }

    exec(sql: string, callback?: (err: Error | null) => void): this {
      try {
        this.native.exec(sql);
        later(() => callback?.(null));
      } catch (err) {
        const e = sqliteError(err);
        later(() => callback?.(e));
      }
      return this;
    }

    close(callback?: (err: Error | null) => void): void {
      try {
        if (this.owned && this.native.open) this.native.close();
        later(() => callback?.(null));
      } catch (err) {
        const e = sqliteError(err);
        later(() => callback?.(e));
      }
    }
  }
  return { Database, OPEN_READONLY: 0x1, OPEN_READWRITE: 0x2, OPEN_CREATE: 0x4 };
}
