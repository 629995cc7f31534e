import type { ApiModel, ObjectModel } from '../model/index.js';
import { isGluonError, type ErrorDetail } from '../errors/index.js';
import { compareVersions } from '../registry/index.js';
import type { ProtonStore, StoredObject, WriteOptions } from '../store/index.js';
import { ImportError } from './import-error.js';
import { importOrder } from './object-order.js';
import { originalTableName } from './original-names.js';
import { RowChecker } from './row-check.js';
import { mapRow } from './row-values.js';
import { openGluonSource, type GluonSource, type SourceRow, type SourceTable } from './source.js';
import type { AddedObject, ImportedObject, ImportReport, RefusedRow } from './types.js';

/** Options of {@link importGluon}. */
export interface ImportGluonOptions {
  /** The original's database: `sqlite:<file>` or `mysql://user:pass@host:port/db` (see {@link parseSourceUrl}), or an open source. */
  readonly source: string | GluonSource;
  /** Our store (already `init`ed with `models`); every write goes through it, so its outbox mirrors the objects to etcd. */
  readonly store: ProtonStore;
  /** The loaded models. For an API loaded at several versions, the newest is written through. */
  readonly models: readonly ApiModel[];
  /** Only compare and report; write nothing. */
  readonly dryRun?: boolean;
  /** Called once per row, in import order (progress output). */
  readonly onRow?: (event: ImportedObject | RefusedRow) => void;
}

/** The newest version of each API name, in first-seen order. */
function newestVersions(models: readonly ApiModel[]): ApiModel[] {
  const byName = new Map<string, ApiModel>();
  for (const api of models) {
    const seen = byName.get(api.name);
    if (seen === undefined || compareVersions(api.version, seen.version) > 0) byName.set(api.name, api);
  }
  return [...byName.values()];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  return false;
}

/** Objects that exist (in the store or, in this run, written or planned), per object name. */
class KnownKeys {
  private readonly keys = new Map<string, Map<string, boolean>>();

  constructor(
    private readonly store: ProtonStore,
    private readonly api: ApiModel,
  ) {}

  private readonly refusedKeys = new Set<string>();

  add(object: string, key: string): void {
    this.table(object).set(key, true);
  }

  /** Records a row of `object` this run refused (so rows pointing to it say why it is missing). */
  refuse(object: string, key: string): void {
    this.refusedKeys.add(`${object}\u0000${key}`);
  }

  /** True when this run refused the row `key` of `object`. */
  wasRefused(object: string, key: string): boolean {
    return this.refusedKeys.has(`${object}\u0000${key}`);
  }

  async has(object: ObjectModel, key: string): Promise<boolean> {
    const known = this.table(object.name).get(key);
    if (known !== undefined) return known;
    const found = (await readExisting(this.store, { api: this.api, object }, key)) !== undefined;
    this.table(object.name).set(key, found);
    return found;
  }

  private table(object: string): Map<string, boolean> {
    let table = this.keys.get(object);
    if (table === undefined) {
      table = new Map();
      this.keys.set(object, table);
    }
    return table;
  }
}

/** An object of the API being imported into. */
interface TargetObject {
  readonly api: ApiModel;
  readonly object: ObjectModel;
}

async function readExisting(store: ProtonStore, on: TargetObject, key: string): Promise<StoredObject | undefined> {
  try {
    return await store.get(on.api, on.object, key);
  } catch (err) {
    if (isGluonError(err) && err.code === 'GLUON_ERR_NOT_FOUND') return undefined;
    throw err;
  }
}

/** The references of `body` that point to nothing (parent and reference-typed attributes). */
async function missingReferences(on: TargetObject, body: Readonly<Record<string, unknown>>, known: KnownKeys): Promise<ErrorDetail[]> {
  const { api, object } = on;
  const details: ErrorDetail[] = [];
  for (const attr of object.attributes) {
    const targetName = attr.reference ?? (attr.name === object.api.parentKey ? object.api.parent : undefined);
    const value = body[attr.name];
    if (targetName === undefined || value === undefined || value === null) continue;
    const target = api.objects.find((o) => o.name === targetName);
    if (target === undefined || (await known.has(target, String(value)))) continue;
    const why = known.wasRefused(targetName, String(value)) ? 'whose row was refused (see above)' : 'which does not exist (the original does not check references)';
    details.push({ field: attr.name, rule: 'reference', value, message: `"${attr.name}" refers to ${targetName} ${JSON.stringify(value)}, ${why}.` });
  }
  return details;
}

/**
 * The attributes whose stored value differs from what the original holds. An allocated
 * attribute the original leaves empty is not a change: the server drew its value.
 */
function changedAttributes(object: ObjectModel, body: Readonly<Record<string, unknown>>, existing: StoredObject): string[] {
  return object.attributes
    .filter((attr) => attr.name !== object.primaryKey && !(attr.allocate !== undefined && (body[attr.name] ?? null) === null))
    .filter((attr) => !sameValue(body[attr.name] ?? null, existing[attr.name] ?? null))
    .map((attr) => attr.name);
}

function sortedRows(object: ObjectModel, rows: readonly SourceRow[]): SourceRow[] {
  const keyOf = (row: SourceRow): string => String(row[object.primaryKey] ?? '');
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function refusal(err: unknown): ErrorDetail[] {
  if (!isGluonError(err) || !err.isClientError) throw err;
  if (err.details.length > 0) return [...err.details];
  return [{ field: '(row)', rule: err.code, message: err.message }];
}

/** State of one import run. */
class ImportRun {
  readonly objects: ImportedObject[] = [];
  readonly refused: RefusedRow[] = [];
  /** Default interfaces our store made with their port, not yet matched by an original row: `Object\0key` → entry. */
  readonly implicit = new Map<string, AddedObject>();
  private readonly checker = new RowChecker();

  constructor(private readonly options: ImportGluonOptions) {}

  private get dryRun(): boolean {
    return this.options.dryRun === true;
  }

  private emit(event: ImportedObject | RefusedRow): void {
    if ('action' in event) this.objects.push(event);
    else this.refused.push(event);
    this.options.onRow?.(event);
  }

  /** Imports every row of one original table into `object`. */
  async importTable(on: TargetObject, source: { table: string; columns: readonly string[]; rows: readonly SourceRow[] }, known: KnownKeys): Promise<void> {
    const { api, object } = on;
    const { table, columns, rows } = source;
    for (const row of sortedRows(object, rows)) {
      const { body, problems, timestamps } = mapRow(object, columns, row);
      const rawKey = body[object.primaryKey];
      const key = rawKey === undefined || rawKey === null ? null : String(rawKey);
      const refuse = (details: readonly ErrorDetail[]): void => {
        const base = { api: api.name, object: object.name, table, key, details };
        if (key !== null) {
          known.refuse(object.name, key);
          this.noteRefusedDefaultInterface(object.name, key);
        }
        if (key !== null || object.naturalKey.length === 0) this.emit(base);
        else this.emit({ ...base, naturalKey: Object.fromEntries(object.naturalKey.map((n) => [n, row[n] ?? null])) });
      };
      const details = [...problems];
      if (key === null) {
        details.push({
          field: object.primaryKey,
          rule: 'required',
          value: null,
          message: `The original stored no "${object.primaryKey}" (the primary key); importing would invent a new one on every run.`,
        });
      }
      details.push(...this.checker.check(api, object, body).filter((d) => !(key === null && d.field === object.primaryKey)));
      details.push(...(await missingReferences(on, body, known)));
      if (details.length > 0 || key === null) {
        refuse(details);
        continue;
      }
      try {
        await this.write(on, { key, body, timestamps }, known);
      } catch (err) {
        refuse(refusal(err));
      }
    }
  }

  private async write(on: TargetObject, row: { key: string; body: Record<string, unknown>; timestamps: WriteOptions['timestamps'] }, known: KnownKeys): Promise<void> {
    const { api, object } = on;
    const { key, body, timestamps } = row;
    const { store } = this.options;
    const base = { api: api.name, version: api.version, object: object.name, key };
    const implicitId = `${object.name}\u0000${key}`;
    const implicit = this.implicit.get(implicitId);
    this.implicit.delete(implicitId);
    const existing = await readExisting(store, on, key);
    if (existing === undefined && implicit !== undefined && this.dryRun) {
      // a dry run planned this default interface with its port: it would then be compared
      this.emit({ ...base, action: 'create' });
      return;
    }
    if (existing === undefined) {
      if (!this.dryRun) await store.create(api, object, body, timestamps === undefined ? {} : { timestamps });
      known.add(object.name, key);
      this.noteDefaultInterface(on, key, known);
      this.emit({ ...base, action: 'create' });
      return;
    }
    known.add(object.name, key);
    const changed = changedAttributes(object, body, existing);
    if (changed.length === 0) {
      this.emit({ ...base, action: implicit === undefined ? 'unchanged' : 'create' });
      return;
    }
    const patch = Object.fromEntries(changed.map((name) => [name, body[name] ?? null]));
    if (!this.dryRun) await store.update(api, object, key, patch);
    this.emit(implicit === undefined ? { ...base, action: 'update', changed } : { ...base, action: 'create' });
  }

  /** The original's row for a default interface the store made was refused: the store's one stays, say so. */
  private noteRefusedDefaultInterface(objectName: string, key: string): void {
    const id = `${objectName}\u0000${key}`;
    const made = this.implicit.get(id);
    if (made === undefined) return;
    this.implicit.set(id, { ...made, reason: `the default interface the store created with its port; the original's row for it was refused (see above)` });
  }

  /** A port's create also made its default interface (same key): remember it until the original's row for it comes. */
  private noteDefaultInterface(on: TargetObject, key: string, known: KnownKeys): void {
    const { api, object } = on;
    if (object.role !== 'port') return;
    const iface = api.objects.find((o) => o.role === 'interface' && o.api.parent === object.name);
    if (iface === undefined) return;
    known.add(iface.name, key);
    this.implicit.set(`${iface.name}\u0000${key}`, {
      api: api.name,
      object: iface.name,
      key,
      reason: `the default interface of ${object.name} ${key}: the store creates it with every port, and the original has no such row`,
    });
  }
}

/**
 * Imports the objects of a running (or stopped) original Gluon proton-server from its
 * database into our store.
 *
 * For each API of `models` (its newest version), objects are imported parents and
 * referenced objects first. Each row of the original's table
 * (`net_l3vpn__port`, `net_l3vpn_bgp_peering`, … see {@link originalTableName}) is mapped
 * attribute by attribute, checked with the API's create schema and for dangling
 * references, then compared with our stored object: created when missing, updated
 * (only the differing attributes) when different, skipped when equal — so a second run
 * changes nothing. Every write goes through `store`, so the outbox mirrors each object
 * to etcd and registers ports under `/gluon/port/<id>`. A row our validation or store
 * refuses is reported with its field and rule, never dropped silently.
 *
 * A created object keeps the original's `created_at`/`updated_at` (millisecond
 * precision; a port's default interface takes its port's). An object updated to the
 * original's values gets `updated_at` = now, as any update.
 *
 * @example
 * ```ts
 * const store = createStore({ url: 'sqlite:./gluon.db' });
 * const models = await loadModels('models');
 * await store.init(models);
 * const report = await importGluon({ source: 'sqlite:/opt/proton/gluon.sqlite', store, models });
 * const refusedKeys = report.refused.map((row) => `${row.object}/${String(row.key)}`);
 * ```
 * @throws GLUON_ERR_IMPORT_SOURCE when the original's database cannot be read or holds
 *   no table of any loaded model; store errors other than a refused row (e.g.
 *   GLUON_ERR_STORE_UNAVAILABLE) stop the import (rows written so far stay: run again).
 */
export async function importGluon(options: ImportGluonOptions): Promise<ImportReport> {
  const source = typeof options.source === 'string' ? await openGluonSource(options.source) : options.source;
  try {
    const tables = await source.tables();
    const apis = newestVersions(options.models);
    const run = new ImportRun(options);
    const missingTables: string[] = [];
    const used = new Set<string>();
    let read = 0;
    for (const api of apis) {
      for (const object of api.objects) {
        const table = originalTableName(api, object);
        if (tables.has(table)) used.add(table);
        else missingTables.push(`${api.name}/${object.name} (${table})`);
      }
    }
    // read everything first, in one read transaction: a consistent view of a running original
    const content = used.size === 0 ? new Map<string, SourceTable>() : await source.readTables([...used]);
    for (const api of apis) {
      const known = new KnownKeys(options.store, api);
      for (const object of importOrder(api)) {
        const table = originalTableName(api, object);
        const data = content.get(table);
        if (data === undefined) continue;
        read += data.rows.length;
        await run.importTable({ api, object }, { table, columns: data.columns, rows: data.rows }, known);
      }
    }
    if (used.size === 0) {
      throw new ImportError(
        `${source.displayUrl} holds no table of the original Gluon for the loaded models (looked for e.g. ${apis
          .flatMap((a) => a.objects.slice(0, 1).map((o) => originalTableName(a, o)))
          .join(', ')}).`,
      );
    }
    const count = (action: ImportedObject['action']): number => run.objects.filter((o) => o.action === action).length;
    return {
      source: source.displayUrl,
      dryRun: options.dryRun === true,
      apis: apis.map((a) => ({ name: a.name, version: a.version })),
      counts: { read, created: count('create'), updated: count('update'), unchanged: count('unchanged'), refused: run.refused.length },
      objects: run.objects,
      refused: run.refused,
      added: [...run.implicit.values()],
      missingTables,
      unknownTables: [...tables].filter((t) => !used.has(t)).sort(),
    };
  } finally {
    if (typeof options.source === 'string') await source.close();
  }
}
