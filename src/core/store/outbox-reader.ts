import type { ApiModel } from '../model/index.js';
import { ValidationError, type StoreError } from '../errors/index.js';
import type { Catalog } from './catalog.js';
import type { Database, Row } from './database.js';
import type { WriteTask } from './group-writer.js';
import { OUTBOX_TABLE, objectKey, objectValue, portKey, portValue } from './outbox.js';
import { fromSqlDate, q } from './sql-text.js';
import type { TableInfo } from './table-info.js';
import type { MirrorEntry, MirrorSource, OutboxEntry, OutboxStats } from './types.js';
import { fromDbRow } from './values.js';

/** Rows per page of {@link OutboxReader.snapshot}. */
const SNAPSHOT_PAGE = 1000;

/** What the mirror's read side borrows from the SQL store. @internal */
export interface OutboxAccess {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly advertisedUrl: string;
  /** Resolves once the database is connected and the outbox's seq kind known. */
  connect(): Promise<void>;
  /** Runs a read, translating database errors (a missing table of `info` names the fix). */
  read<T>(query: () => Promise<T>, info?: TableInfo): Promise<T>;
  /** Queues a write on the store's single writer. */
  write(task: WriteTask<void>): Promise<void>;
  unavailable(err: unknown): StoreError;
}

/**
 * The mirror's read side of the SQL store: the outbox rows after a cursor, their
 * deletion by watermark or exact seqs, the lag figures, and the snapshot the reconciler
 * compares etcd with. @internal
 */
export class OutboxReader implements Omit<MirrorSource, 'onCommitted'> {
  /** SQLite with `seq INTEGER PRIMARY KEY AUTOINCREMENT` (checked at connect): seq order is commit order, seqs never reused. */
  #autoincrementSeq = false;

  constructor(private readonly access: OutboxAccess) {}

  get seqOrderIsCommitOrder(): boolean {
    return this.#autoincrementSeq;
  }

  /** SQLite: does the outbox's seq never repeat (AUTOINCREMENT)? Then seq order is commit order and a cursor is safe. */
  async checkOutboxSeq(): Promise<void> {
    const db = this.access.db;
    if (db.dialect !== 'sqlite') return;
    const ddl = await db.select(`SELECT ${q('sql')} FROM ${q('sqlite_master')} WHERE ${q('type')} = 'table' AND ${q('name')} = ?`, [OUTBOX_TABLE]);
    this.#autoincrementSeq = /\bAUTOINCREMENT\b/i.test(String(ddl[0]?.['sql'] ?? ''));
  }

  async readOutbox(afterSeq: number, limit: number): Promise<OutboxEntry[]> {
    if (!Number.isSafeInteger(afterSeq) || !Number.isSafeInteger(limit) || limit < 1) {
      throw new ValidationError(`readOutbox(afterSeq, limit): expected integers with limit >= 1, received ${afterSeq}, ${limit}.`, []);
    }
    await this.access.connect();
    const rows = await this.access.read(() =>
      this.access.db.select(
        `SELECT ${q('seq')}, ${q('key')}, ${q('value')}, ${q('created_at')} FROM ${q(OUTBOX_TABLE)} WHERE ${q('seq')} > ? ORDER BY ${q('seq')} LIMIT ${limit}`,
        [afterSeq],
      ),
    );
    return rows.map((r) => ({
      seq: Number(r['seq']),
      key: String(r['key']),
      value: r['value'] === null || r['value'] === undefined ? null : String(r['value']),
      createdAt: new Date(fromSqlDate(r['created_at']) ?? 0),
    }));
  }

  async deleteOutbox(upTo: number | readonly number[]): Promise<void> {
    const seqs = typeof upTo === 'number' ? undefined : [...upTo];
    if ((seqs === undefined && !Number.isSafeInteger(upTo)) || (seqs !== undefined && !seqs.every((s) => Number.isSafeInteger(s)))) {
      throw new ValidationError('deleteOutbox: expected a sequence number or a list of sequence numbers.', []);
    }
    if (seqs !== undefined && seqs.length === 0) return;
    const db = this.access.db;
    await this.access.write({
      run: async (tx) => {
        if (seqs === undefined) {
          await db.run(`DELETE FROM ${q(OUTBOX_TABLE)} WHERE ${q('seq')} <= ?`, [upTo], tx);
          return;
        }
        for (let i = 0; i < seqs.length; i += 1000) {
          const chunk = seqs.slice(i, i + 1000);
          await db.run(`DELETE FROM ${q(OUTBOX_TABLE)} WHERE ${q('seq')} IN (${chunk.map(() => '?').join(', ')})`, chunk, tx);
        }
      },
      explain: async (err) => this.access.unavailable(err),
    });
  }

  async outboxStats(afterSeq?: number): Promise<OutboxStats> {
    if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq)) {
      throw new ValidationError(`outboxStats(afterSeq): expected an integer, received ${String(afterSeq)}.`, []);
    }
    await this.access.connect();
    const where = afterSeq === undefined ? '' : ` WHERE ${q('seq')} > ?`;
    const rows = await this.access.read(() =>
      this.access.db.select(
        `SELECT COUNT(*) AS ${q('pending')}, MIN(${q('created_at')}) AS ${q('oldest')} FROM ${q(OUTBOX_TABLE)}${where}`,
        afterSeq === undefined ? [] : [afterSeq],
      ),
    );
    const row = rows[0] ?? {};
    const pending = Number(row['pending'] ?? 0);
    const oldest = fromSqlDate(row['oldest']);
    return pending > 0 && oldest !== null ? { pending, oldest: new Date(oldest) } : { pending };
  }

  async *snapshot(api: ApiModel): AsyncIterable<MirrorEntry> {
    const { db, catalog, advertisedUrl } = this.access;
    await this.access.connect();
    for (const object of api.objects) {
      const info = catalog.info(api, object);
      const pk = q(info.pk.name);
      let after: string | undefined;
      for (;;) {
        const sql = `${info.selectSql}${after === undefined ? '' : ` WHERE ${pk} > ?`} ORDER BY ${pk} ASC LIMIT ${SNAPSHOT_PAGE}`;
        const params = after === undefined ? [] : [after];
        const rows = await this.access.read(() => db.select(sql, params), info);
        for (const row of rows) {
          const obj = fromDbRow(info, row);
          const id = String(obj[info.pk.name]);
          yield { key: objectKey(api, object, id), value: objectValue(api, obj) };
          if (object.role === 'port') yield { key: portKey(id), value: portValue(api, obj, advertisedUrl) };
        }
        if (rows.length < SNAPSHOT_PAGE) break;
        after = String((rows[rows.length - 1] as Row)[info.pk.name]);
      }
    }
  }
}
