import { randomBytes } from 'node:crypto';
import { ConflictError, type ErrorDetail } from '../errors/index.js';
import {
  formatIp,
  lastOf,
  networkOf,
  parseIp,
  parseIpPrefix,
  type AllocationModel,
  type AttributeModel,
  type IndexDescription,
  type IpFamily,
} from '../model/index.js';
import type { Catalog } from './catalog.js';
import type { Database, Tx } from './database.js';
import { ScopeRows } from './scope-rows.js';
import { classifyDbError } from './db-errors.js';
import { q } from './sql-text.js';
import type { TableInfo } from './table-info.js';

/** Pools up to this size are enumerated (a free value is drawn from the full free list). */
const ENUMERABLE_POOL = 65_536n;
/** Random probes into a pool before its free values are listed (or, for a large pool, scanned). */
const RANDOM_PROBES = 64;
/** Random candidates asked about in one indexed query before the values in use are read. */
const CANDIDATES = 16;
/** Most values a scan of a large pool looks at before it calls the pool exhausted. */
const SCAN_LIMIT = 1_000_000n;

/** The values a pool hands out: `first..last` without the excluded ranges. @internal */
export interface Pool {
  readonly first: bigint;
  readonly last: bigint;
  /** Address family; undefined for an integer pool. */
  readonly family?: IpFamily;
  readonly excluded: readonly (readonly [bigint, bigint])[];
  /** How the pool is shown in messages. */
  readonly shown: string;
}

/** One allocated attribute of a table, with where its values are kept unique. @internal */
export interface AllocatedColumn {
  readonly attr: AttributeModel;
  readonly spec: AllocationModel;
  readonly index: number;
  readonly scopeIndex?: number;
  readonly unique: IndexDescription;
}

/** A value a concurrent writer took first: never offered again in this write. @internal */
export interface TakenValue {
  readonly column: string;
  readonly value: string;
}

function randomBelow(n: bigint): bigint {
  const bytes = randomBytes(24);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v % n;
}

function rangeOf(text: string, family: IpFamily | undefined): readonly [bigint, bigint] | undefined {
  if (family === undefined) return /^-?\d+$/.test(text.trim()) ? [BigInt(text.trim()), BigInt(text.trim())] : undefined;
  const trimmed = text.trim();
  const cidr = parseIpPrefix(trimmed);
  if (cidr !== undefined) return cidr.address.family === family ? [networkOf(cidr.address, cidr.prefix), lastOf(cidr.address, cidr.prefix)] : undefined;
  const one = parseIp(trimmed);
  return one?.family === family ? [one.value, one.value] : undefined;
}

/** The allocated columns of a table (empty when it allocates nothing). @internal */
export function allocatedColumns(info: TableInfo): AllocatedColumn[] {
  const out: AllocatedColumn[] = [];
  for (const attr of info.object.attributes) {
    const spec = attr.allocate;
    if (spec === undefined) continue;
    const columns = spec.scope === undefined ? [attr.name] : [spec.scope, attr.name];
    const unique = info.table.indexes.find((i) => i.unique && i.columns.join(',') === columns.join(','));
    if (unique === undefined) continue;
    const scopeIndex = spec.scope === undefined ? undefined : info.columnNames.indexOf(spec.scope);
    out.push({ attr, spec, index: info.columnNames.indexOf(attr.name), ...(scopeIndex === undefined ? {} : { scopeIndex }), unique });
  }
  return out;
}

/** True when a create with these bound values leaves an allocated attribute to the pool. @internal */
export function needsAllocation(columns: readonly AllocatedColumn[], values: readonly unknown[]): boolean {
  return columns.some((c) => values[c.index] === null && (c.scopeIndex === undefined || values[c.scopeIndex] !== null));
}

/**
 * The allocated column a unique-constraint failure is about, if it is one: MySQL names
 * the index, SQLite the columns.
 * @internal
 */
export function allocationConflict(err: unknown, info: TableInfo, columns: readonly AllocatedColumn[]): AllocatedColumn | undefined {
  if (classifyDbError(err).kind !== 'unique') return undefined;
  const e = err as { original?: { message?: unknown }; parent?: { message?: unknown }; message?: unknown };
  const text = [e.message, e.original?.message, e.parent?.message].filter((m) => typeof m === 'string').join(' ');
  return columns.find(
    (c) => text.includes(`'${c.unique.name}'`) || text.includes(`.${c.unique.name}'`) || text.includes(`: ${c.unique.columns.map((n) => `${info.table.name}.${n}`).join(', ')}`),
  );
}

/** An allocated column and the value of its scope attribute in the row being created. @internal */
export interface ScopedColumn {
  readonly column: AllocatedColumn;
  readonly scope: unknown;
}

/**
 * Fills every allocated attribute a create left out with a free value of its pool,
 * inside the create's transaction: a few random candidates are looked up on the unique
 * index in that transaction (all values in use are read only when every candidate is
 * held), and the unique index over scope and attribute stops two writers from keeping
 * the same one. Values are drawn at random, so writers sharing a database seldom meet;
 * the cost of a create does not grow with the values in use while the pool has room.
 * @internal
 */
export class PoolAllocator {
  private readonly db: Database;
  private readonly catalog: Catalog;
  private readonly info: TableInfo;
  private readonly columns: readonly AllocatedColumn[];

  constructor(options: { db: Database; catalog: Catalog; info: TableInfo; columns: readonly AllocatedColumn[] }) {
    this.db = options.db;
    this.catalog = options.catalog;
    this.info = options.info;
    this.columns = options.columns;
  }

  /** The scope rows of one write, read in `tx` (or, without it, before the write). */
  scopeRows(tx?: Tx): ScopeRows {
    return new ScopeRows({ db: this.db, catalog: this.catalog, info: this.info }, tx);
  }

  /**
   * Fills `values` (bound, table column order) in place; `taken` are values a concurrent
   * writer holds, `rows` the scope rows read in `tx`.
   */
  async fill(tx: Tx, values: unknown[], at: { taken: readonly TakenValue[]; rows: ScopeRows }): Promise<void> {
    const { taken, rows } = at;
    for (const column of this.columns) {
      if (values[column.index] !== null) continue;
      const scope = column.scopeIndex === undefined ? undefined : values[column.scopeIndex];
      if (column.scopeIndex !== undefined && (scope === null || scope === undefined)) continue;
      const at = { column, scope };
      const pool = await this.poolOf(at, { values, rows });
      if (pool === undefined) continue;
      const held = new Set<bigint>();
      for (const t of taken) {
        const range = t.column === column.attr.name ? rangeOf(t.value, pool.family) : undefined;
        if (range !== undefined) held.add(range[0]);
      }
      const picked = (await this.probe(tx, at, { pool, held })) ?? pickFree(pool, await this.usedValues(tx, at, { pool, held }));
      if (picked === undefined) throw this.exhausted(column, scope, pool);
      values[column.index] = toStored(pool, picked);
    }
  }

  /**
   * The pool of an allocated column for the row `values` (the scope object's pool and
   * exclusions, the row's own gateway); undefined when the scope object has no pool.
   */
  async poolOf(at: ScopedColumn, row: { values: readonly unknown[]; rows: ScopeRows }): Promise<Pool | undefined> {
    const { column, scope } = at;
    const { attr, spec } = column;
    const excludes: string[] = (spec.exclude ?? []).map(String);
    let cidrText = spec.pool;
    if (spec.scope !== undefined && (spec.poolFrom !== undefined || spec.excludeFrom !== undefined)) {
      const held = await row.rows.row(spec.scope, scope);
      if (held === undefined) return undefined;
      if (spec.poolFrom !== undefined) cidrText = typeof held[spec.poolFrom] === 'string' ? String(held[spec.poolFrom]) : undefined;
      const more = spec.excludeFrom === undefined ? undefined : held[spec.excludeFrom];
      if (typeof more === 'string') excludes.push(...more.split(',').filter((e) => e.trim() !== ''));
    }
    const subnet = this.info.object.subnet;
    if (subnet?.address === attr.name && subnet.gateway !== undefined) {
      const gateway = row.values[this.info.columnNames.indexOf(subnet.gateway)];
      if (typeof gateway === 'string') excludes.push(gateway);
    }
    if (attr.type === 'integer') {
      const excluded = excludes.flatMap((e) => rangeOf(e, undefined) ?? []);
      return { first: BigInt(attr.min ?? 0), last: BigInt(attr.max ?? 0), excluded: excluded.map((v) => [v, v] as const), shown: `${attr.min ?? 0}..${attr.max ?? 0}` };
    }
    return addressPool(cidrText, excludes);
  }

  /**
   * A free value among a few random candidates of the pool, asked about in one query on
   * the unique index (so a create costs the same however many values are in use);
   * undefined when every candidate is held (a crowded pool: the caller lists what is used).
   */
  private async probe(tx: Tx, at: ScopedColumn, free: { pool: Pool; held: ReadonlySet<bigint> }): Promise<bigint | undefined> {
    const candidates = drawCandidates(free.pool, free.held);
    if (candidates.length === 0) return undefined;
    const { column, scope } = at;
    const name = q(column.attr.name);
    const where = column.spec.scope === undefined ? '' : `${q(column.spec.scope)} = ? AND `;
    const params = [...(column.spec.scope === undefined ? [] : [scope]), ...candidates.map((v) => toStored(free.pool, v))];
    const rows = await this.db.select(`SELECT ${name} AS v FROM ${q(this.info.table.name)} WHERE ${where}${name} IN (${candidates.map(() => '?').join(', ')})`, params, tx);
    const used = new Set<bigint>();
    for (const row of rows) {
      const range = rangeOf(String(row['v']), free.pool.family);
      if (range !== undefined) used.add(range[0]);
    }
    return candidates.find((v) => !used.has(v));
  }

  private async usedValues(tx: Tx, at: ScopedColumn, free: { pool: Pool; held: ReadonlySet<bigint> }): Promise<Set<bigint>> {
    const { column, scope } = at;
    const name = q(column.attr.name);
    const where = column.spec.scope === undefined ? '' : `${q(column.spec.scope)} = ? AND `;
    const rows = await this.db.select(`SELECT ${name} AS v FROM ${q(this.info.table.name)} WHERE ${where}${name} IS NOT NULL`, column.spec.scope === undefined ? [] : [scope], tx);
    const used = new Set<bigint>(free.held);
    for (const row of rows) {
      const range = rangeOf(String(row['v']), free.pool.family);
      if (range !== undefined) used.add(range[0]);
    }
    return used;
  }

  private exhausted(column: AllocatedColumn, scope: unknown, pool: Pool): ConflictError {
    const field = column.attr.name;
    const where = column.spec.scope === undefined ? '' : ` of ${column.spec.scope} "${String(scope)}"`;
    const message = `No free ${field} is left in the pool ${pool.shown}${where} of ${this.info.object.name}: delete objects that hold its values, widen the pool, or send ${field} explicitly.`;
    const detail: ErrorDetail = { field, rule: 'pool', value: null, message };
    return new ConflictError('GLUON_ERR_POOL_EXHAUSTED', message, { details: [detail] });
  }
}

/** How a value of `pool` is stored: a number, or an address in its canonical text. */
function toStored(pool: Pool, value: bigint): number | string {
  return pool.family === undefined ? Number(value) : formatIp({ family: pool.family, value });
}

/** The hosts of the CIDR `text` without `excludes`: no network address, no IPv4 broadcast (except /31, /32). */
function addressPool(text: string | undefined, excludes: readonly string[]): Pool | undefined {
  const cidr = text === undefined || text.trim() === '' ? undefined : parseIpPrefix(text.trim());
  if (cidr === undefined) return undefined;
  const { family } = cidr.address;
  const network = networkOf(cidr.address, cidr.prefix);
  const last = lastOf(cidr.address, cidr.prefix);
  const hostsOnly = (family === 4 && cidr.prefix <= 30) || (family === 6 && cidr.prefix < 127);
  return {
    first: hostsOnly ? network + 1n : network,
    last: hostsOnly && family === 4 ? last - 1n : last,
    family,
    excluded: excludes.flatMap((e) => {
      const r = rangeOf(e, family);
      return r === undefined ? [] : [r];
    }),
    shown: `${formatIp({ family, value: network })}/${cidr.prefix}`,
  };
}

/** Up to {@link CANDIDATES} distinct random values of `pool`, none excluded or in `held`. */
function drawCandidates(pool: Pool, held: ReadonlySet<bigint>): bigint[] {
  if (pool.last < pool.first) return [];
  const size = pool.last - pool.first + 1n;
  const out = new Set<bigint>();
  for (let i = 0; i < RANDOM_PROBES && out.size < CANDIDATES; i++) {
    const v = pool.first + randomBelow(size);
    if (!held.has(v) && !pool.excluded.some(([lo, hi]) => v >= lo && v <= hi)) out.add(v);
  }
  return [...out];
}

/** A free value of `pool` not in `used`, drawn at random; undefined when the pool is full. */
function pickFree(pool: Pool, used: ReadonlySet<bigint>): bigint | undefined {
  const isFree = (v: bigint): boolean => !used.has(v) && !pool.excluded.some(([lo, hi]) => v >= lo && v <= hi);
  if (pool.last < pool.first) return undefined;
  const size = pool.last - pool.first + 1n;
  // a pool with room: a few random probes find a free value without listing the pool
  for (let i = 0; i < RANDOM_PROBES; i++) {
    const v = pool.first + randomBelow(size);
    if (isFree(v)) return v;
  }
  if (size <= ENUMERABLE_POOL) {
    const free: bigint[] = [];
    for (let v = pool.first; v <= pool.last; v++) if (isFree(v)) free.push(v);
    return free.length === 0 ? undefined : free[Number(randomBelow(BigInt(free.length)))];
  }
  const start = randomBelow(size);
  const steps = size < SCAN_LIMIT ? size : SCAN_LIMIT;
  for (let i = 0n; i < steps; i++) {
    const v = pool.first + ((start + i) % size);
    if (isFree(v)) return v;
  }
  return undefined;
}

/** The allocated columns of a table and their allocator. @internal */
export interface TableAllocation {
  readonly columns: readonly AllocatedColumn[];
  readonly allocator: PoolAllocator;
}

const allocations = new WeakMap<TableInfo, TableAllocation | null>();

/** The allocation of a table (cached per table info); undefined when it allocates nothing. @internal */
export function allocationOf(db: Database, catalog: Catalog, info: TableInfo): TableAllocation | undefined {
  let found = allocations.get(info);
  if (found === undefined) {
    const columns = allocatedColumns(info);
    found = columns.length === 0 ? null : { columns, allocator: new PoolAllocator({ db, catalog, info, columns }) };
    allocations.set(info, found);
  }
  return found ?? undefined;
}
