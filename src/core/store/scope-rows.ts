import type { Catalog } from './catalog.js';
import type { Database, Row, Tx } from './database.js';
import { q } from './sql-text.js';
import type { TableInfo } from './table-info.js';

/**
 * The rows that scope attributes of one row reference (a VpnBinding's VPN), read once
 * per write: pools and the attributes that admit address families live there.
 * @internal
 */
export class ScopeRows {
  private readonly cache = new Map<string, Promise<Row | undefined>>();

  /** `tx`: read inside the write transaction; undefined: read before it (through `at.batcher` when given). */
  constructor(
    private readonly at: { readonly db: Database; readonly catalog: Catalog; readonly info: TableInfo; readonly batcher?: ScopeReadBatcher },
    private readonly tx?: Tx,
  ) {}

  /** The table of the object the reference attribute `scope` points at, if it is one. */
  target(scope: string): TableInfo | undefined {
    const attr = this.at.info.object.attributes.find((a) => a.name === scope);
    return attr?.reference === undefined ? undefined : this.at.catalog.infoByName(this.at.info.api, attr.reference);
  }

  /** The row `scope` = `key` references; undefined when there is none. */
  row(scope: string, key: unknown): Promise<Row | undefined> {
    const id = `${scope}\u0000${String(key)}`;
    let found = this.cache.get(id);
    if (found === undefined) {
      found = this.read(scope, key);
      this.cache.set(id, found);
    }
    return found;
  }

  private async read(scope: string, key: unknown): Promise<Row | undefined> {
    const target = this.target(scope);
    if (target === undefined || key === null || key === undefined) return undefined;
    if (this.tx === undefined && this.at.batcher !== undefined && typeof key === 'string') return this.at.batcher.read(target, key);
    const rows = await this.at.db.select(`${target.selectSql} WHERE ${q(target.pk.name)} = ?`, [key], this.tx);
    return rows[0];
  }
}

/** Keys of one table waiting for the next batched read, with their waiters. */
interface PendingReads {
  readonly target: TableInfo;
  readonly waiters: Map<string, ((row: Row | undefined) => void)[]>;
  readonly failures: ((err: unknown) => void)[];
}

/**
 * Reads of scope rows made before a write (outside any transaction), gathered for one
 * turn of the event loop and answered by one `SELECT … WHERE key IN (…)` per table: the
 * creates that arrive together into one VPN cost one read. Every read starts after all
 * the requests it answers arrived, so each sees what was committed before its request.
 * @internal
 */
export class ScopeReadBatcher {
  private pending = new Map<TableInfo, PendingReads>();
  private scheduled = false;

  constructor(private readonly db: Database) {}

  /** The row of `target` with primary key `key`; undefined when there is none. */
  read(target: TableInfo, key: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(target);
      if (batch === undefined) {
        batch = { target, waiters: new Map(), failures: [] };
        this.pending.set(target, batch);
      }
      const waiting = batch.waiters.get(key) ?? [];
      waiting.push(resolve);
      batch.waiters.set(key, waiting);
      batch.failures.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batches = [...this.pending.values()];
    this.pending = new Map();
    this.scheduled = false;
    for (const batch of batches) this.answer(batch).catch(() => undefined); // answer() settles every waiter itself
  }

  private async answer(batch: PendingReads): Promise<void> {
    const { target, waiters } = batch;
    const keys = [...waiters.keys()];
    try {
      const rows = await this.db.select(`${target.selectSql} WHERE ${q(target.pk.name)} IN (${keys.map(() => '?').join(', ')})`, keys);
      // MySQL compares keys without case: a key sent in other case finds its row there too
      const byKey = new Map(rows.map((r) => [String(r[target.pk.name]), r]));
      const byLower = new Map(rows.map((r) => [String(r[target.pk.name]).toLowerCase(), r]));
      for (const [key, list] of waiters) for (const resolve of list) resolve(byKey.get(key) ?? (this.db.dialect === 'mysql' ? byLower.get(key.toLowerCase()) : undefined));
    } catch (err) {
      for (const reject of batch.failures) reject(err);
    }
  }
}
