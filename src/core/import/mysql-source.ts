import type { Connection, RowDataPacket } from 'mysql2/promise';
import type * as Mysql2Promise from 'mysql2/promise';
import { ImportError } from './import-error.js';
import type { GluonSource, SourceRow, SourceTable, SourceTarget } from './source.js';

type MysqlTarget = Extract<SourceTarget, { dialect: 'mysql' }>;

/** How long opening the connection may take (ms). */
const CONNECT_TIMEOUT_MS = 10_000;

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** mysql2's promise API, or the import error that says to install it. */
async function loadDriver(displayUrl: string): Promise<typeof Mysql2Promise> {
  try {
    const mod = (await import('mysql2/promise')) as typeof Mysql2Promise & { default?: typeof Mysql2Promise };
    return mod.default ?? mod;
  } catch (err) {
    throw new ImportError(`The original's database ${displayUrl} cannot be read: install the "mysql2" package (npm install mysql2).`, { cause: err });
  }
}

/**
 * Opens the original's MySQL/MariaDB database on one mysql2 connection: utf8mb4, DATETIME
 * values read as UTC dates, BIGINTs beyond 2^53 as text. Only SELECTs are sent; a whole
 * import reads its tables in one read-only REPEATABLE READ transaction. @internal
 */
export async function openMysqlSource(target: MysqlTarget, displayUrl: string): Promise<GluonSource> {
  const mysql = await loadDriver(displayUrl);
  let connection: Connection;
  try {
    connection = await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    throw new ImportError(`The original's database ${displayUrl} cannot be read: ${(err as Error).message}.`, { cause: err });
  }
  const select = async (sql: string, values: unknown[] = []): Promise<SourceRow[]> => {
    const [rows] = await connection.query<RowDataPacket[]>(sql, values);
    return rows as SourceRow[];
  };
  const columns = async (table: string): Promise<string[]> => {
    const rows = await select('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position', [table]);
    return rows.map((r) => String(r['name']));
  };
  let closed = false;
  return {
    dialect: 'mysql',
    displayUrl,
    async tables() {
      const rows = await select('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
      return new Set(rows.map((r) => String(r['name'])));
    },
    columns,
    rows(table) {
      return select(`SELECT * FROM ${quote(table)}`);
    },
    async readTables(tables) {
      const out = new Map<string, SourceTable>();
      await connection.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await connection.query('START TRANSACTION READ ONLY');
      try {
        for (const table of tables) out.set(table, { columns: await columns(table), rows: await select(`SELECT * FROM ${quote(table)}`) });
        await connection.query('COMMIT');
      } catch (err) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return out;
    },
    async close() {
      if (!closed) await connection.end();
      closed = true;
    },
  };
}
