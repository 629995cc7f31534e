import { randomUUID } from 'node:crypto';
import { OWNER_ATTRIBUTE, defaultInterfaceValues, type ApiModel, type DefaultInterfacePort, type ObjectModel } from '../model/index.js';
import { ConflictError, GluonError, StoreError, ValidationError, isGluonError, type ErrorDetail } from '../errors/index.js';
import { assertAddressRules, assertNoProblems } from './address-rules.js';
import { allocationOf, needsAllocation } from './allocation.js';
import { allocatingTask, canonicalAddress, canonicalAddresses } from './allocation-task.js';
import { ScopeReadBatcher, ScopeRows } from './scope-rows.js';
import { needsScopedCheck, scopedProblems, type ScopedRules } from './scope-rules.js';
import { Catalog } from './catalog.js';
import type { Database, Row, Tx } from './database.js';
import { classifyDbError, databaseDamage } from './db-errors.js';
import { explainWriteError, notFound, type RowAttempt } from './explain.js';
import { GroupWriter, insertPlanned, type PlannedRow, type WriteTask } from './group-writer.js';
import { addMarker, checkList, listSql, type CheckedList } from './list-query.js';
import { listJsonSql } from './list-json.js';
import { objectKey, objectValue, outboxRow, portKey, portValue } from './outbox.js';
import { OutboxReader } from './outbox-reader.js';
import { SchemaMigrator, type MigrateMode, type MigrationPlan, type SchemaStatus } from './migrator.js';
import { outboxTableDdl } from './schema.js';
import { schemaTargets } from './schema-targets.js';
import { SchemaSql } from './schema-tracking.js';
import { fromSqlDate, q, toSqlDate } from './sql-text.js';
import { BOOKKEEPING_COLUMNS, type TableInfo } from './table-info.js';
import type {
  CommitListener,
  ListJsonPage,
  ListPage,
  ListQuery,
  MirrorEntry,
  OutboxEntry,
  OutboxStats,
  ParentScope,
  SchemaPlanOptions,
  SchemaUpgradeOptions,
  SchemaUpgradeResult,
  SqlStore,
  StoreInitOptions,
  StoredObject,
  WriteOptions,
} from './types.js';
import { fromDbRow, fromDbValue, toDbValue } from './values.js';
import type { Logger } from '../log/index.js';

/** Settings of {@link SqlStoreImpl}, already checked by `createStore`. @internal */
export interface SqlStoreSettings {
  readonly logger: Logger;
  readonly advertisedUrl: string;
  readonly mirror: boolean;
  readonly maxPageSize: number;
}

/** Rows per outbox transaction when a changed table is mirrored again. */
const REPUBLISH_PAGE = 500;

/** The `migrate` default: `safe` for the embedded SQLite, `none` for MySQL (production applies changes with `gluon db upgrade`). */
export function defaultMigrateMode(dialect: 'sqlite' | 'mysql'): MigrateMode {
  return dialect === 'sqlite' ? 'safe' : 'none';
}

function dropOptions(models: readonly ApiModel[], options: SchemaPlanOptions): { dropTablesOf?: ReadonlySet<string> } {
  return options.dropRemoved === true ? { dropTablesOf: new Set(models.map((m) => m.name)) } : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function immutable(field: string, value: unknown, why: string): GluonError {
  const message = `Field "${field}" cannot be changed: ${why}.`;
  return new GluonError('GLUON_ERR_IMMUTABLE_FIELD', message, { details: [{ field, rule: 'immutable', value, message }] });
}

function parentMismatch(key: string, value: unknown, parent: string): GluonError {
  const message = `API parent identifier(${key}): ${String(value)} does not match parent key value: ${parent}`;
  return new GluonError('GLUON_ERR_PARENT_MISMATCH', message, { details: [{ field: key, rule: 'parent', value, message }] });
}

function validationFailure(info: TableInfo, details: readonly ErrorDetail[]): ValidationError {
  const head = details.length === 1 ? (details[0]?.message ?? '') : `${details.length} invalid fields: ${details.map((d) => d.field).join(', ')}.`;
  return new ValidationError(details.length === 1 ? head : `Invalid ${info.object.name}: ${head}`, details);
}

/** `WriteOptions.timestamps` as stored text, checked (a bad date is a ValidationError naming the field). */
function givenTimestamps(given: WriteOptions['timestamps']): [string, string] | undefined {
  if (given === undefined) return undefined;
  const stamps = (['createdAt', 'updatedAt'] as const).map((name) => {
    const date = (given as Record<string, unknown>)[name];
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      const message = `Invalid timestamps.${name}: expected a valid Date, received ${String(date)}.`;
      throw new ValidationError(message, [{ field: name === 'createdAt' ? 'created_at' : 'updated_at', rule: 'format', value: date, message }]);
    }
    return toSqlDate(date);
  });
  return [stamps[0] ?? '', stamps[1] ?? ''];
}

/** Converts one column's value, collecting a validation failure into `details` instead of throwing. */
function convert(info: TableInfo, cell: { readonly column: string; readonly value: unknown }, details: ErrorDetail[]): unknown {
  const { column, value } = cell;
  const desc = info.columns.get(column);
  if (desc === undefined) return null;
  try {
    const bound = toDbValue(desc, value, column);
    if (bound === null && !desc.nullable && !BOOKKEEPING_COLUMNS.has(column)) {
      const message = `Missing value for "${column}" of ${info.object.name}: it is required.`;
      details.push({ field: column, rule: 'required', value: value ?? null, message });
    }
    return bound;
  } catch (err) {
    if (err instanceof ValidationError) details.push(...err.details);
    else throw err;
    return null;
  }
}

/**
 * The SQL {@link SqlStore} (better-sqlite3 or mysql2): all writes through the
 * group-committing writer, reads on their own connection(s). @internal
 */
export class SqlStoreImpl implements SqlStore {
  readonly dialect: 'sqlite' | 'mysql';
  private readonly catalog = new Catalog();
  private readonly writer: GroupWriter;
  private readonly migrator: SchemaMigrator;
  /** The models of the last successful init (what `/readyz` checks the schema against). */
  private served: readonly ApiModel[] | undefined;
  private ready: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private connected = false;
  /** What the database said is damaged, once it did: damage does not heal, so it stays until restart. */
  private damage: string | undefined;
  /** The mirror's read side: outbox rows, their deletion, lag figures, snapshots. */
  private readonly outbox: OutboxReader;
  /** Scope rows read before plain creates, batched (see {@link ScopeReadBatcher}). */
  private readonly scopeReads: ScopeReadBatcher;
  /** Writes accepted before the first connection was ready (close() waits for them). */
  private readonly accepted = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Database,
    private readonly settings: SqlStoreSettings,
  ) {
    this.dialect = db.dialect;
    this.scopeReads = new ScopeReadBatcher(db);
    this.writer = new GroupWriter(db, settings.logger);
    this.migrator = new SchemaMigrator(new SchemaSql(db), settings.logger);
    this.outbox = new OutboxReader({
      db,
      catalog: this.catalog,
      advertisedUrl: settings.advertisedUrl,
      connect: () => this.connect(),
      read: (query, info) => this.read(query, info),
      write: (task) => this.write(task),
      unavailable: (err) => this.unavailable(err),
    });
  }

  // ── lifecycle ───────────────────────────────────────────────────────────

  async init(models: readonly ApiModel[], options: StoreInitOptions = {}): Promise<void> {
    await this.connect();
    try {
      await this.db.schemaExec(outboxTableDdl(this.dialect));
      const targets = schemaTargets(models);
      const result = await this.migrator.startUp(targets, options.migrate ?? defaultMigrateMode(this.dialect));
      this.served = models;
      await this.republish(models, result.changedTables);
      await this.outbox.checkOutboxSeq();
    } catch (err) {
      if (isGluonError(err)) throw err;
      if (classifyDbError(err).kind === 'unavailable') throw this.unavailable(err);
      throw new StoreError('GLUON_ERR_STORE_SCHEMA', 'The tables of the models could not be created; the server log has the database error.', {
        cause: err,
      });
    }
  }

  // ── schema ──────────────────────────────────────────────────────────────

  async planSchema(models: readonly ApiModel[], options: SchemaPlanOptions = {}): Promise<MigrationPlan> {
    await this.connect();
    return this.migrator.plan(schemaTargets(models), dropOptions(models, options));
  }

  async schemaStatus(models: readonly ApiModel[], options: SchemaPlanOptions = {}): Promise<SchemaStatus> {
    await this.connect();
    return this.migrator.status(schemaTargets(models), dropOptions(models, options));
  }

  async upgradeSchema(models: readonly ApiModel[], options: SchemaUpgradeOptions = {}): Promise<SchemaUpgradeResult> {
    await this.connect();
    const result = await this.migrator.upgrade(schemaTargets(models), {
      ...dropOptions(models, options),
      ...(options.allowDestructive === undefined ? {} : { allowDestructive: options.allowDestructive }),
      ...(options.beforeStep === undefined ? {} : { beforeStep: options.beforeStep }),
    });
    const republished = await this.republish(models, result.changedTables);
    return { ...result, republished };
  }

  async schemaProblem(): Promise<string | undefined> {
    if (this.served === undefined) return 'the store has not been initialised with models';
    return this.migrator.unservableReason(schemaTargets(this.served));
  }

  /**
   * Writes an outbox row for every object of the changed tables, so the etcd mirror gets
   * their new shape (new attributes appear in the mirrored values). Returns the count.
   */
  private async republish(models: readonly ApiModel[], tables: readonly string[]): Promise<number> {
    if (!this.settings.mirror || tables.length === 0) return 0;
    let count = 0;
    for (const api of models) {
      for (const object of api.objects) {
        const info = this.catalog.info(api, object);
        if (tables.includes(info.table.name)) count += await this.republishTable(info);
      }
    }
    if (count > 0) this.settings.logger.info({ objects: count, tables }, 'changed tables queued for the etcd mirror');
    return count;
  }

  private async republishTable(info: TableInfo): Promise<number> {
    const pk = q(info.pk.name);
    let after: string | undefined;
    let count = 0;
    for (;;) {
      const sql = `${info.selectSql}${after === undefined ? '' : ` WHERE ${pk} > ?`} ORDER BY ${pk} ASC LIMIT ${REPUBLISH_PAGE}`;
      const rows = await this.read(() => this.db.select(sql, after === undefined ? [] : [after]), info);
      if (rows.length === 0) break;
      const now = new Date();
      const outbox = rows.map((row) => {
        const obj = fromDbRow(info, row);
        return outboxRow(objectKey(info.api, info.object, String(obj[info.pk.name])), objectValue(info.api, obj), now);
      });
      await this.write<void>({
        run: async (tx) => {
          await insertPlanned(this.db, tx, outbox);
        },
        explain: async (err) => this.unavailable(err),
      });
      count += rows.length;
      if (rows.length < REPUBLISH_PAGE) break;
      after = String((rows[rows.length - 1] as Row)[info.pk.name]);
    }
    return count;
  }

  /**
   * Resolves when the database answers and has not reported damage: a file or table found
   * corrupt by any earlier read or write fails every later ping (`/readyz` then names it),
   * although `SELECT 1` alone would still answer.
   */
  async ping(): Promise<void> {
    await this.connect();
    await this.read(() => this.db.select('SELECT 1 AS ok', []));
    if (this.damage !== undefined) {
      throw new StoreError('GLUON_ERR_STORE_UNAVAILABLE', `The database is damaged: ${this.damage}. Fix: restore it from a backup (SQLite: or recover it with the sqlite3 \`.recover\` command) and restart.`);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // writes accepted before close() are still waiting for the connection: let them in
      await Promise.allSettled([...this.accepted]);
      await this.writer.drain();
      await this.db.close();
    })();
    return this.closing;
  }

  // ── reads ───────────────────────────────────────────────────────────────

  async get(api: ApiModel, object: ObjectModel, key: string, options: { readonly parent?: ParentScope } = {}): Promise<StoredObject> {
    const info = this.catalog.info(api, object);
    const row = await this.readOne(info, key);
    if (row === undefined) throw notFound(info, String(key));
    const obj = fromDbRow(info, row);
    if (options.parent !== undefined && obj[options.parent.key] !== options.parent.value) throw notFound(info, key);
    return obj;
  }

  async list(api: ApiModel, object: ObjectModel, query: ListQuery = {}, options: { readonly parent?: ParentScope } = {}): Promise<ListPage> {
    const info = this.catalog.info(api, object);
    return this.listPage(info, await this.checkedList(info, query, options));
  }

  /**
   * SQLite: the page with its objects as JSON text that SQLite writes itself (`json_object`
   * per row), so no row object is made and no serializer runs; the text is byte-identical
   * to `JSON.stringify` of `list`'s items. Undefined on MySQL, for a table with a float
   * column, and for a page holding a value SQLite would not write as `list` shows it
   * (something another program stored: that query fails), which the caller then lists the
   * ordinary way.
   */
  async listJson(api: ApiModel, object: ObjectModel, query: ListQuery = {}, options: { readonly parent?: ParentScope } = {}): Promise<ListJsonPage | undefined> {
    if (this.dialect !== 'sqlite') return undefined;
    const info = this.catalog.info(api, object);
    const list = await this.checkedList(info, query, options);
    const sql = listJsonSql(info, list);
    if (sql === undefined) return undefined;
    let texts: unknown[];
    try {
      texts = await this.db.selectColumn(sql, list.params);
    } catch {
      // the caller lists the page the ordinary way, whose read classifies (and notes) any error
      return undefined;
    }
    if (texts.length <= list.limit) return { json: `[${texts.join(',')}]` };
    const shown = texts.slice(0, list.limit);
    const last = JSON.parse(String(shown[shown.length - 1])) as Record<string, unknown>;
    return { json: `[${shown.join(',')}]`, nextMarker: String(last[info.pk.name]) };
  }

  /** A list query checked against the table, with the marker row's keyset condition added. */
  private async checkedList(info: TableInfo, query: ListQuery, options: { readonly parent?: ParentScope }): Promise<CheckedList> {
    if (!isRecord(query)) throw new ValidationError('Invalid list query: expected an object.', []);
    const list = checkList(info, query, { parent: options.parent, maxPageSize: this.settings.maxPageSize });
    if (query.marker !== undefined) {
      const marker = typeof query.marker === 'string' ? await this.readOne(info, query.marker) : undefined;
      if (marker === undefined) {
        const message = `Invalid "marker": no ${info.object.name} with ${info.pk.name} ${JSON.stringify(query.marker) ?? 'undefined'} (use the id of the last object of the previous page).`;
        throw new ValidationError(message, [{ field: 'marker', rule: 'marker', value: query.marker, message }]);
      }
      addMarker(info, list, marker);
    }
    await this.connect();
    return list;
  }

  private async listPage(info: TableInfo, list: CheckedList): Promise<ListPage> {
    const rows = await this.read(() => this.db.select(listSql(info, list), list.params), info);
    const more = rows.length > list.limit;
    const items = (more ? rows.slice(0, list.limit) : rows).map((r) => fromDbRow(info, r));
    const last = items[items.length - 1];
    return more && last !== undefined ? { items, nextMarker: String(last[info.pk.name]) } : { items };
  }

  // ── writes ──────────────────────────────────────────────────────────────

  async create(api: ApiModel, object: ObjectModel, values: Readonly<Record<string, unknown>>, options: WriteOptions = {}): Promise<StoredObject> {
    const info = this.catalog.info(api, object);
    if (!isRecord(values)) throw new ValidationError(`Invalid ${object.name}: expected an object.`, []);
    const now = new Date();
    const stamp = toSqlDate(now);
    const input: Record<string, unknown> = { ...values };
    const details: ErrorDetail[] = [];
    for (const [name, value] of Object.entries(input)) {
      if (BOOKKEEPING_COLUMNS.has(name)) throw immutable(name, value, 'it is set by the server');
      if (!info.columns.has(name)) {
        const message = `Unknown attribute "${name}" for ${object.name}.`;
        details.push({ field: name, rule: 'unknown', value, message, allowed: info.columnNames.filter((c) => !BOOKKEEPING_COLUMNS.has(c)) });
      }
    }
    const parent = options.parent;
    if (parent !== undefined) {
      const given = input[parent.key];
      if (given !== undefined && given !== null && given !== parent.value) throw parentMismatch(parent.key, given, parent.value);
      input[parent.key] = parent.value;
    }
    const pkName = info.pk.name;
    const pkGiven = input[pkName];
    if ((pkGiven === undefined || pkGiven === null || pkGiven === '') && info.generatesKey) input[pkName] = randomUUID();
    const [createdStamp, updatedStamp] = givenTimestamps(options.timestamps) ?? [stamp, stamp];
    const dbValues = info.columnNames.map((c) =>
      c === 'created_at' ? createdStamp : c === 'updated_at' ? updatedStamp : c === 'revision_number' ? 1 : convert(info, { column: c, value: input[c] }, details),
    );
    if (details.length > 0) throw validationFailure(info, details);
    const allocation = allocationOf(this.db, this.catalog, info);
    if (allocation !== undefined) canonicalAddresses(allocation.columns, dbValues);
    const result = this.toObject(info, dbValues);
    assertAddressRules(object, result);
    const pk = String(result[pkName]);
    const rows: PlannedRow[] = [{ target: info.insert, values: dbValues }];
    const attempts: RowAttempt[] = [{ info, values: dbValues }];
    const outbox: PlannedRow[] = [];
    if (this.settings.mirror) outbox.push(outboxRow(objectKey(api, object, pk), objectValue(api, result), now));
    if (object.role === 'port') {
      if (this.settings.mirror) outbox.push(outboxRow(portKey(pk), portValue(api, result, this.settings.advertisedUrl), now));
      const iface = this.catalog.defaultInterface(api, object);
      if (iface !== undefined) {
        const ifaceValues = this.defaultInterfaceRow(iface, { id: pk, values: result }, [createdStamp, updatedStamp]);
        rows.push({ target: iface.insert, values: ifaceValues });
        attempts.push({ info: iface, values: ifaceValues });
        if (this.settings.mirror) {
          outbox.push(outboxRow(objectKey(api, iface.object, pk), objectValue(api, this.toObject(iface, ifaceValues)), now));
        }
      }
    }
    rows.push(...outbox);
    const explainCreate = (err: unknown, tx: Tx): Promise<Error> =>
      explainWriteError({ db: this.db, catalog: this.catalog, tx }, err, { action: 'create', info, rows: attempts, ...(parent === undefined ? {} : { parent }) });
    if (allocation !== undefined && needsAllocation(allocation.columns, dbValues)) {
      return this.write(allocatingTask({ db: this.db, api, info, ...allocation, rows, attempts, at: now, urgent: options.urgent === true, explain: explainCreate }));
    }
    // read before the write, so the row stays a pure insert: a concurrent change of the scope
    // object orders after this create, as any later change of it does (rules are not re-checked)
    if (needsScopedCheck({ info, allocation }, dbValues)) await this.checkScoped({ info, allocation }, dbValues);
    const task: WriteTask<StoredObject> = {
      rows,
      result,
      run: async (tx) => {
        await insertPlanned(this.db, tx, rows);
        return result;
      },
      urgent: options.urgent === true,
      explain: (err, tx) =>
        explainWriteError({ db: this.db, catalog: this.catalog, tx }, err, { action: 'create', info, rows: attempts, ...(parent === undefined ? {} : { parent }) }),
    };
    return this.write(task);
  }

  async update(
    api: ApiModel,
    object: ObjectModel,
    key: string,
    patch: Readonly<Record<string, unknown>>,
    options: WriteOptions = {},
  ): Promise<StoredObject> {
    const info = this.catalog.info(api, object);
    if (typeof key !== 'string') throw notFound(info, String(key));
    if (!isRecord(patch)) throw new ValidationError(`Invalid ${object.name} update: expected an object.`, []);
    const ifRevision = this.checkRevision(options.ifRevision);
    const details: ErrorDetail[] = [];
    const set: [string, unknown][] = [];
    const pkName = info.pk.name;
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (BOOKKEEPING_COLUMNS.has(name)) throw immutable(name, value, 'it is set by the server');
      if (name === pkName) {
        if (value !== key) throw immutable(name, value, `it is the primary key of ${object.name} "${key}"`);
        continue;
      }
      if (!info.columns.has(name)) {
        const message = `Unknown attribute "${name}" for ${object.name}.`;
        details.push({ field: name, rule: 'unknown', value, message });
        continue;
      }
      if (options.parent !== undefined && name === options.parent.key && value !== options.parent.value) {
        throw parentMismatch(name, value, options.parent.value);
      }
      set.push([name, convert(info, { column: name, value }, details)]);
    }
    if (details.length > 0) throw validationFailure(info, details);
    const scoped: ScopedRules = { info, allocation: allocationOf(this.db, this.catalog, info) };
    const changed = set.map(([name]) => name);
    for (const column of scoped.allocation?.columns ?? []) {
      const entry = set.find(([name]) => name === column.attr.name);
      if (entry !== undefined && column.attr.type === 'string') entry[1] = canonicalAddress(entry[1]);
    }
    let merged: unknown[] = [];
    const task: WriteTask<StoredObject> = {
      run: async (tx) => {
        const current = await this.lockRow(tx, info, { key, parent: options.parent, ifRevision });
        const now = new Date();
        const stamp = toSqlDate(now);
        const next: Record<string, unknown> = { ...current };
        for (const [name, bound] of set) next[name] = fromDbValue(info.columns.get(name) ?? info.pk, bound);
        next['updated_at'] = fromSqlDate(stamp);
        next['revision_number'] = Number(current['revision_number']) + 1;
        assertAddressRules(object, next, changed);
        const assignments = [...set, ['updated_at', stamp] as [string, unknown], ['revision_number', next['revision_number']] as [string, unknown]];
        merged = info.columnNames.map((c) => {
          const hit = assignments.find(([n]) => n === c);
          const desc = info.columns.get(c);
          return hit !== undefined ? hit[1] : desc === undefined ? null : toDbValue(desc, current[c], c);
        });
        if (needsScopedCheck(scoped, merged, changed)) await this.checkScoped(scoped, merged, tx);
        const outbox: PlannedRow[] = [];
        if (this.settings.mirror) {
          outbox.push(outboxRow(objectKey(api, object, key), objectValue(api, next), now));
          if (object.role === 'port' && next[OWNER_ATTRIBUTE] !== current[OWNER_ATTRIBUTE]) {
            outbox.push(outboxRow(portKey(key), portValue(api, next, this.settings.advertisedUrl), now));
          }
        }
        // the UPDATE and the outbox INSERT go out together (SQLite); the first failure wins
        await this.db.sequence(tx, [
          () =>
            this.db.run(
              `UPDATE ${q(info.table.name)} SET ${assignments.map(([n]) => `${q(n)} = ?`).join(', ')} WHERE ${q(pkName)} = ?`,
              [...assignments.map(([, v]) => v), key],
              tx,
            ),
          ...(outbox.length === 0 ? [] : [() => insertPlanned(this.db, tx, outbox)]),
        ]);
        return next;
      },
      explain: (err, tx) =>
        explainWriteError({ db: this.db, catalog: this.catalog, tx }, err, {
          action: 'update',
          info,
          rows: merged.length === 0 ? [] : [{ info, values: merged }],
          ...(options.parent === undefined ? {} : { parent: options.parent }),
        }),
      urgent: options.urgent === true,
    };
    return this.write(task);
  }

  async delete(api: ApiModel, object: ObjectModel, key: string, options: WriteOptions = {}): Promise<void> {
    const info = this.catalog.info(api, object);
    if (typeof key !== 'string') throw notFound(info, String(key));
    const ifRevision = this.checkRevision(options.ifRevision);
    const iface = object.role === 'port' ? this.catalog.defaultInterface(api, object) : undefined;
    const deleted = [...(iface === undefined ? [] : [{ info: iface, key }]), { info, key }];
    const task: WriteTask<void> = {
      run: async (tx) => {
        await this.lockRow(tx, info, { key, parent: options.parent, ifRevision });
        const now = new Date();
        const outbox: PlannedRow[] = [];
        const steps: (() => Promise<unknown>)[] = [];
        if (object.role === 'port' && this.settings.mirror) outbox.push(outboxRow(portKey(key), null, now));
        if (iface !== undefined) {
          const parentKey = iface.object.api.parentKey ?? iface.pk.name;
          const where = `WHERE ${q(iface.pk.name)} = ? AND ${q(parentKey)} = ?`;
          const found = await this.db.select(`SELECT 1 AS one FROM ${q(iface.table.name)} ${where}`, [key, key], tx);
          if (found.length > 0) {
            steps.push(() => this.db.run(`DELETE FROM ${q(iface.table.name)} ${where}`, [key, key], tx));
            if (this.settings.mirror) outbox.push(outboxRow(objectKey(api, iface.object, key), null, now));
          }
        }
        steps.push(() => this.db.run(`DELETE FROM ${q(info.table.name)} WHERE ${q(info.pk.name)} = ?`, [key], tx));
        if (this.settings.mirror) {
          outbox.push(outboxRow(objectKey(api, object, key), null, now));
          steps.push(() => insertPlanned(this.db, tx, outbox));
        }
        // the DELETEs and the outbox INSERT go out together (SQLite); the first failure wins
        await this.db.sequence(tx, steps);
      },
      explain: (err, tx) => explainWriteError({ db: this.db, catalog: this.catalog, tx }, err, { action: 'delete', info, rows: [], deleted }),
      urgent: options.urgent === true,
    };
    await this.write(task);
  }

  // ── mirror source ───────────────────────────────────────────────────────

  get seqOrderIsCommitOrder(): boolean {
    return this.outbox.seqOrderIsCommitOrder;
  }

  onCommitted(listener: CommitListener): () => void {
    return this.writer.onCommitted(listener);
  }

  readOutbox(afterSeq: number, limit: number): Promise<OutboxEntry[]> {
    return this.outbox.readOutbox(afterSeq, limit);
  }

  deleteOutbox(upTo: number | readonly number[]): Promise<void> {
    return this.outbox.deleteOutbox(upTo);
  }

  outboxStats(afterSeq?: number): Promise<OutboxStats> {
    return this.outbox.outboxStats(afterSeq);
  }

  snapshot(api: ApiModel): AsyncIterable<MirrorEntry> {
    return this.outbox.snapshot(api);
  }

  // ── helpers ─────────────────────────────────────────────────────────────

  private connect(): Promise<void> {
    if (this.ready === undefined) {
      this.ready = this.db.prepare().then(() => this.outbox.checkOutboxSeq()).then(
        () => {
          this.connected = true;
        },
        (err: unknown) => {
        this.ready = undefined;
          throw isGluonError(err) ? err : this.unavailable(err);
        },
      );
    }
    return this.ready;
  }

  private write<T>(task: WriteTask<T>): Promise<T> {
    if (this.closing !== undefined) {
      return Promise.reject(new StoreError('GLUON_ERR_STORE_UNAVAILABLE', 'The store is closed: no more writes are accepted.'));
    }
    if (this.connected) return this.noteDamage(this.writer.submit(task));
    const accepted = this.noteDamage(this.connect().then(() => this.writer.submit(task)));
    this.accepted.add(accepted);
    const forget = (): void => void this.accepted.delete(accepted);
    accepted.then(forget, forget);
    return accepted;
  }

  /** `outcome`, remembering any damage its failure reveals (see {@link ping}). */
  private noteDamage<T>(outcome: Promise<T>): Promise<T> {
    outcome.catch((err: unknown) => {
      this.damage ??= databaseDamage(err);
    });
    return outcome;
  }

  private async read<T>(query: () => Promise<T>, info?: TableInfo): Promise<T> {
    try {
      return await query();
    } catch (err) {
      this.damage ??= databaseDamage(err);
      const failure = classifyDbError(err);
      if (failure.kind === 'no-table' && info !== undefined) {
        throw new StoreError(
          'GLUON_ERR_STORE_SCHEMA',
          `The table ${info.table.name} of ${info.object.name} does not exist: initialise the store with this model (store.init) first.`,
          { cause: err },
        );
      }
      if (failure.kind === 'no-column' && info !== undefined) {
        throw new StoreError(
          'GLUON_ERR_STORE_SCHEMA',
          `The table ${info.table.name} of ${info.object.name} does not match the model (a column is missing): run \`gluon db plan\` and \`gluon db upgrade\`.`,
          { cause: err },
        );
      }
      if (failure.kind === 'unavailable' || this.closing !== undefined) throw this.unavailable(err);
      throw new GluonError('GLUON_ERR_INTERNAL', 'The database failed to answer a read; the server log has the cause.', { cause: err });
    }
  }

  private async readOne(info: TableInfo, key: string): Promise<Row | undefined> {
    if (typeof key !== 'string') return undefined;
    await this.connect();
    const rows = await this.read(() => this.db.select(`${info.selectSql} WHERE ${q(info.pk.name)} = ?`, [key]), info);
    return rows[0];
  }

  /** Reads (and on MySQL locks) the row a write changes, checking scope and revision. */
  private async lockRow(tx: Tx, info: TableInfo, target: { readonly key: string; readonly parent: ParentScope | undefined; readonly ifRevision: number | undefined }): Promise<StoredObject> {
    const { key, parent, ifRevision } = target;
    const lock = this.dialect === 'mysql' ? ' FOR UPDATE' : '';
    const rows = await this.db.select(`${info.selectSql} WHERE ${q(info.pk.name)} = ?${lock}`, [key], tx);
    const row = rows[0];
    if (row === undefined) throw notFound(info, key);
    const current = fromDbRow(info, row);
    if (parent !== undefined && current[parent.key] !== parent.value) throw notFound(info, key);
    if (ifRevision !== undefined && current['revision_number'] !== ifRevision) {
      throw new ConflictError(
        'GLUON_ERR_PRECONDITION_FAILED',
        `${info.object.name} "${key}" is at revision_number ${String(current['revision_number'])}, not ${ifRevision}: GET it again and retry.`,
      );
    }
    return current;
  }

  /**
   * Throws the 400 for the broken scoped address rules of a row (bound values): inside
   * the write transaction `tx`, or, without it, with a read before the write.
   */
  private async checkScoped(rules: ScopedRules, values: readonly unknown[], tx?: Tx): Promise<void> {
    const rows = new ScopeRows({ db: this.db, catalog: this.catalog, info: rules.info, batcher: this.scopeReads }, tx);
    if (tx === undefined) await this.connect();
    const problems = tx === undefined ? await this.read(() => scopedProblems(rules, values, rows), rules.info) : await scopedProblems(rules, values, rows);
    assertNoProblems(rules.info.object, problems);
  }

  private checkRevision(value: unknown): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new GluonError('GLUON_ERR_BAD_PRECONDITION', `Invalid revision precondition ${JSON.stringify(value) ?? 'undefined'}: expected an integer.`);
    }
    return value;
  }

  private toObject(info: TableInfo, dbValues: readonly unknown[]): StoredObject {
    const out: Record<string, unknown> = {};
    info.table.columns.forEach((c, i) => {
      out[c.name] = fromDbValue(c, dbValues[i]);
    });
    return out;
  }

  /** The bound values of a port's default interface: the model's values, the bookkeeping columns the port's. */
  private defaultInterfaceRow(iface: TableInfo, port: DefaultInterfacePort, stamps: readonly [string, string]): unknown[] {
    const values = defaultInterfaceValues(iface.object, port);
    const bookkeeping: Readonly<Record<string, unknown>> = { created_at: stamps[0], updated_at: stamps[1], revision_number: 1 };
    return iface.table.columns.map((c) => (BOOKKEEPING_COLUMNS.has(c.name) ? bookkeeping[c.name] : (values[c.name] ?? null)));
  }

  private unavailable(err: unknown): StoreError {
    const failure = classifyDbError(err);
    const reason = failure.kind === 'unavailable' ? ` (${failure.reason})` : '';
    return new StoreError('GLUON_ERR_STORE_UNAVAILABLE', `The database is unavailable${reason}; retry the request.`, { cause: err });
  }
}
