import { OUTBOX_TABLE } from './outbox.js';
import { q, type Dialect } from './sql-text.js';

/**
 * The statement creating the outbox table `gluon_outbox` when it is missing: `seq` never
 * repeats (SQLite AUTOINCREMENT, MySQL auto_increment), so seq order is commit order.
 * @internal
 */
export function outboxTableDdl(dialect: Dialect): string {
  if (dialect === 'mysql') {
    return (
      `CREATE TABLE IF NOT EXISTS ${q(OUTBOX_TABLE)} (${q('seq')} BIGINT auto_increment , ${q('key')} VARCHAR(512) NOT NULL, ${q('value')} MEDIUMTEXT, ` +
      `${q('created_at')} DATETIME(3) NOT NULL, PRIMARY KEY (${q('seq')})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin;`
    );
  }
  return `CREATE TABLE IF NOT EXISTS ${q(OUTBOX_TABLE)} (${q('seq')} INTEGER PRIMARY KEY AUTOINCREMENT, ${q('key')} VARCHAR(512) NOT NULL, ${q('value')} TEXT, ${q('created_at')} DATETIME NOT NULL);`;
}
