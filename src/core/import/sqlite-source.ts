import { existsSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { ImportError } from './import-error.js';
import type { GluonSource, SourceRow, SourceTable } from './source.js';

type SqliteConstructor = typeof BetterSqlite3;

async function loadDriver(): Promise<SqliteConstructor> {
  try {
    const mod = (await import('better-sqlite3')) as unknown as { default?: SqliteConstructor };
    return mod.default ?? (mod as unknown as SqliteConstructor);
  } catch (err) {
    throw new ImportError('The SQLite driver could not be loaded: install the "better-sqlite3" package (npm install better-sqlite3).', { cause: err });
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Opens the original's SQLite file read-only (it must exist; nothing is created). @internal */
export async function openSqliteSource(file: string, displayUrl: string): Promise<GluonSource> {
  if (!existsSync(file)) throw new ImportError(`The original's SQLite file "${file}" does not exist.`);
  const Driver = await loadDriver();
  let db: BetterSqlite3.Database;
  try {
    db = new Driver(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get();
  } catch (err) {
    throw new ImportError(`The original's SQLite file "${file}" cannot be read: ${(err as Error).message}.`, { cause: err });
  }
  let closed = false;
  const columns = (table: string): string[] => (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((r) => r.name);
  const rows = (table: string): SourceRow[] => db.prepare(`SELECT * FROM ${quote(table)}`).all() as SourceRow[];
  return {
    dialect: 'sqlite',
    displayUrl,
    tables() {
      const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
      return Promise.resolve(new Set(rows.map((r) => r.name)));
    },
    columns(table) {
      return Promise.resolve(columns(table));
    },
    rows(table) {
      return Promise.resolve(rows(table));
    },
    readTables(tables) {
      const read = db.transaction((names: readonly string[]) => new Map<string, SourceTable>(names.map((t) => [t, { columns: columns(t), rows: rows(t) }])));
      try {
        return Promise.resolve(read.deferred(tables));
      } catch (err) {
        return Promise.reject(new ImportError(`The original's SQLite file "${file}" cannot be read: ${(err as Error).message}.`, { cause: err }));
      }
    },
    close() {
      if (!closed) db.close();
      closed = true;
      return Promise.resolve();
    },
  };
}
