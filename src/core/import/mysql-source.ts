import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import { ImportError } from './import-error.js';
import type { GluonSource, SourceRow, SourceTable, SourceTarget } from './source.js';

type MysqlTarget = Extract<SourceTarget, { dialect: 'mysql' }>;

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * Opens the original's MySQL/MariaDB database through Sequelize (driver `mysql2`), utf8mb4,
 * dates as UTC. Only SELECTs are sent. @internal
 */
export async function openMysqlSource(target: MysqlTarget, displayUrl: string): Promise<GluonSource> {
  const sequelize = new Sequelize({
    dialect: 'mysql',
    host: target.host,
    port: target.port,
    username: target.user,
    password: target.password,
    database: target.database,
    logging: false,
    timezone: '+00:00',
    pool: { max: 1, min: 0 },
    dialectOptions: { charset: 'utf8mb4', dateStrings: false },
  });
  try {
    await sequelize.authenticate();
  } catch (err) {
    await sequelize.close().catch(() => undefined);
    const missing = /Please install mysql2/i.test(String((err as Error).message));
    const why = missing ? 'install the "mysql2" package (npm install mysql2)' : (err as Error).message;
    throw new ImportError(`The original's database ${displayUrl} cannot be read: ${why}.`, { cause: err });
  }
  const select = (sql: string, replacements: unknown[] = [], transaction?: Transaction): Promise<SourceRow[]> =>
    sequelize.query<SourceRow>(sql, { type: QueryTypes.SELECT, replacements, raw: true, ...(transaction === undefined ? {} : { transaction }) });
  const columns = async (table: string, transaction?: Transaction): Promise<string[]> => {
    const rows = await select(
      'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
      [table],
      transaction,
    );
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
    columns(table) {
      return columns(table);
    },
    rows(table) {
      return select(`SELECT * FROM ${quote(table)}`);
    },
    async readTables(tables) {
      const out = new Map<string, SourceTable>();
      await sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ, readOnly: true }, async (t) => {
        for (const table of tables) out.set(table, { columns: await columns(table, t), rows: await select(`SELECT * FROM ${quote(table)}`, [], t) });
      });
      return out;
    },
    async close() {
      if (!closed) await sequelize.close();
      closed = true;
    },
  };
}
