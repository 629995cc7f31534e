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

  /** `tx`: read inside the write transaction; undefined: read before it. */
  constructor(
    private readonly at: { readonly db: Database; readonly catalog: Catalog; readonly info: TableInfo },
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
    const rows = await this.at.db.select(`${target.selectSql} WHERE ${q(target.pk.name)} = ?`, [key], this.tx);
    return rows[0];
  }
}
