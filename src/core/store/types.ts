import type { ApiModel, ObjectModel } from '../model/index.js';
import type { MigrateMode, MigrationPlan, SchemaStatus, UpgradeResult } from './migrator.js';
import type { MigrationStep } from './migration-steps.js';

/**
 * A stored object as the API returns it: every attribute of the model (null when
 * unset) plus `created_at` / `updated_at` (ISO-8601 UTC strings) and
 * `revision_number` (starts at 1, +1 on every change).
 */
export type StoredObject = Readonly<Record<string, unknown>>;

/** Sort direction of a list. */
export type SortDirection = 'asc' | 'desc';

/** A list request, already validated against the model by the caller. */
export interface ListQuery {
  /** attribute → accepted values (several values = OR); values are already typed. */
  readonly filters?: Readonly<Record<string, readonly unknown[]>>;
  /** Page size (the store caps it; see {@link StoreOptions.maxPageSize}). */
  readonly limit?: number;
  /** Primary key of the last object of the previous page. */
  readonly marker?: string;
  /** Sort keys, applied in order; the primary key is always the final tie-breaker. */
  readonly sort?: readonly { readonly key: string; readonly dir: SortDirection }[];
}

/** One page of a list. */
export interface ListPage {
  readonly items: readonly StoredObject[];
  /** Marker for the next page when more rows exist. */
  readonly nextMarker?: string;
}

/** One page of a list with its objects as JSON text (see {@link ProtonStore.listJson}). */
export interface ListJsonPage {
  /** The page's objects: byte-identical to `JSON.stringify(page.items)` of the same page from `list`. */
  readonly json: string;
  /** Marker for the next page when more rows exist. */
  readonly nextMarker?: string;
}

/** Restricts a read or write to the children of one parent (child routes). */
export interface ParentScope {
  /** The child's attribute holding the parent key, and the parent id from the URL. */
  readonly key: string;
  readonly value: string;
}

/** Options of a write. */
export interface WriteOptions {
  /** Optimistic concurrency: fail with 412 unless the stored revision equals this. */
  readonly ifRevision?: number;
  /** Restrict to children of this parent (404 when the object is elsewhere). */
  readonly parent?: ParentScope;
  /**
   * create only: store these `created_at`/`updated_at` instead of the current time (an
   * import keeping the original's timestamps; the HTTP API never passes them). A port's
   * default interface gets the same ones.
   */
  readonly timestamps?: { readonly createdAt: Date; readonly updatedAt: Date };
  /**
   * Someone waits to see this write in etcd (a bind's pending port, which its shims must
   * answer): the commit feed marks the commit urgent, and the etcd publisher publishes it
   * at once instead of letting it wait a few ms for company. Default false.
   */
  readonly urgent?: boolean;
}

/** Options of {@link ProtonStore.init}. */
export interface StoreInitOptions {
  /**
   * Which schema changes are applied at start: `none` (only new tables) or `safe` (also
   * every change that loses or refuses no data). Default: `safe` on SQLite, `none` on MySQL.
   */
  readonly migrate?: MigrateMode;
}

/** Options of {@link SqlStore.planSchema} and {@link SqlStore.schemaStatus}. */
export interface SchemaPlanOptions {
  /** Also plan dropping the tables of objects no longer in these APIs' models (default false). */
  readonly dropRemoved?: boolean;
}

/** Options of {@link SqlStore.upgradeSchema}. */
export interface SchemaUpgradeOptions extends SchemaPlanOptions {
  /** Apply steps that lose or refuse data (default false: such a plan is refused, nothing changes). */
  readonly allowDestructive?: boolean;
  /** Called before each step (tests interrupt an upgrade by throwing here). */
  readonly beforeStep?: (step: MigrationStep) => void | Promise<void>;
}

/** What {@link SqlStore.upgradeSchema} did. */
export interface SchemaUpgradeResult extends UpgradeResult {
  /** Objects queued in the outbox to be mirrored again in their new shape. */
  readonly republished: number;
}

/** How a change is mirrored (the outbox row written in the same transaction). */
export interface OutboxEntry {
  /** Monotonic sequence number (commit order). */
  readonly seq: number;
  /** etcd key relative to the deployment prefix, e.g. `/proton/net-l3vpn/Port/<id>`. */
  readonly key: string;
  /** JSON value to put, or null to delete the key. */
  readonly value: string | null;
  /** When the change was committed. */
  readonly createdAt: Date;
}

/**
 * One commit as the store's commit feed reports it: the outbox entries it inserted (with
 * their sequence numbers, when the store knows them: SQLite; empty on MySQL, where the
 * rows are read from the table) and whether one of its writes was {@link WriteOptions.urgent}.
 */
export interface CommitNotice {
  /** Outbox entries of the commit in seq order; may be empty or incomplete (then they are in the table). */
  readonly entries: readonly OutboxEntry[];
  /** True when a write of the commit asked to be published at once. */
  readonly urgent: boolean;
}

/** Receives the store's commit feed (see {@link MirrorSource.onCommitted}). */
export type CommitListener = (notice: CommitNotice) => void;

/**
 * The persistence port of a Proton server. Implementations translate every database
 * error into a GluonError at this boundary (never a raw SQL message).
 */
export interface ProtonStore {
  /**
   * Makes the database ready to serve these models (idempotent): creates the tables of new
   * objects, compares the others with the schema the database records, applies the
   * changes `options.migrate` allows and throws `GLUON_ERR_STORE_SCHEMA` (naming every
   * difference and the command that fixes it) when the tables still do not fit the models.
   */
  init(models: readonly ApiModel[], options?: StoreInitOptions): Promise<void>;
  /**
   * Inserts an object. Generates a uuid primary key when the key type is uuid and it is
   * missing. For an object with the `port` role, also creates its default interface
   * in the same transaction.
   */
  create(api: ApiModel, object: ObjectModel, values: Readonly<Record<string, unknown>>, options?: WriteOptions): Promise<StoredObject>;
  /** Reads one object; throws GLUON_ERR_NOT_FOUND. */
  get(api: ApiModel, object: ObjectModel, key: string, options?: { readonly parent?: ParentScope }): Promise<StoredObject>;
  /** Lists objects with filters, sorting and marker paging. */
  list(api: ApiModel, object: ObjectModel, query?: ListQuery, options?: { readonly parent?: ParentScope }): Promise<ListPage>;
  /**
   * Optional: the page `list` returns, with its objects already as JSON text (each object's
   * keys in table order: the attributes in model order, then `created_at`, `updated_at`,
   * `revision_number`), for a store that builds it faster than `list` and a serializer
   * can. Resolves undefined when this store has no faster way for this object or page: call `list`.
   */
  listJson?(api: ApiModel, object: ObjectModel, query?: ListQuery, options?: { readonly parent?: ParentScope }): Promise<ListJsonPage | undefined>;
  /** Partial update: only keys present in `patch` change. Bumps `revision_number`. */
  update(api: ApiModel, object: ObjectModel, key: string, patch: Readonly<Record<string, unknown>>, options?: WriteOptions): Promise<StoredObject>;
  /** Deletes one object (a port also loses its default interface). */
  delete(api: ApiModel, object: ObjectModel, key: string, options?: WriteOptions): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every connection (idempotent). */
  close(): Promise<void>;
}

/** One key/value pair the etcd mirror should hold (a reconciler's view of SQL). */
export interface MirrorEntry {
  /** etcd key relative to the deployment prefix. */
  readonly key: string;
  /** JSON text, byte-identical to what the outbox writes for the same state. */
  readonly value: string;
}

/** Outbox lag figures (for `/readyz` and `/metrics`). */
export interface OutboxStats {
  /** Outbox rows not yet published (and deleted). */
  readonly pending: number;
  /** Commit time of the oldest pending row, when there is one. */
  readonly oldest?: Date;
}

/**
 * What the etcd publisher and reconciler (the `sync` part) read from the store.
 *
 * Delivery contract: every create/update/delete writes its outbox rows in the same
 * SQL transaction as the object. The publisher reads rows in `seq` order, puts them into
 * etcd, and deletes them only after etcd acknowledged. With several servers on one MySQL
 * database, a row with a lower `seq` may commit after one with a higher `seq`; a
 * publisher that always reads from `afterSeq = 0` (rows are deleted once published) never
 * skips one.
 */
export interface MirrorSource {
  /** Pending outbox rows with `seq > afterSeq`, in commit (seq) order, at most `limit`. */
  readOutbox(afterSeq: number, limit: number): Promise<OutboxEntry[]>;
  /**
   * Deletes published outbox rows: every row with `seq <= upTo` when given a number,
   * exactly the listed rows when given an array.
   */
  deleteOutbox(upTo: number | readonly number[]): Promise<void>;
  /**
   * How many rows are pending and how old the oldest is; with `afterSeq`, only the rows
   * after it count (a publisher that deletes published rows lazily passes its cursor).
   */
  outboxStats(afterSeq?: number): Promise<OutboxStats>;
  /**
   * True when seq order is commit order and seqs are never reused (SQLite: one writer at
   * a time, `AUTOINCREMENT`). A publisher may then read past a cursor and delete
   * published rows by watermark (`deleteOutbox(upTo)`) lazily. False or absent (MySQL
   * with several servers: a lower seq may commit later): read from 0, delete exact rows.
   */
  readonly seqOrderIsCommitOrder?: boolean;
  /**
   * Optional in-memory feed: calls `listener` once for every transaction this process
   * commits that inserted outbox rows, in commit order, right after COMMIT and before the
   * writes resolve, with the entries it knows and the commit's urgency. Entries not
   * delivered (another process's writes, a listener added late, MySQL) are still in the
   * table: the feed spares reads and wakes the publisher, the table stays the source of
   * truth. Returns the function that removes the listener.
   */
  onCommitted?(listener: CommitListener): () => void;
  /**
   * Every key/value the mirror should hold for one API (its `/proton/<api>/…` objects
   * and the `/gluon/port/<id>` registrations of its ports), read page by page (1000 rows
   * per query) so any table size is fine.
   */
  snapshot(api: ApiModel): AsyncIterable<MirrorEntry>;
}

/** The SQL store: a {@link ProtonStore} that is also the mirror's {@link MirrorSource}. */
export interface SqlStore extends ProtonStore, MirrorSource {
  /** The SQL dialect in use. */
  readonly dialect: 'sqlite' | 'mysql';
  /** SQLite: true (seq order is commit order, known once connected); MySQL: false. */
  readonly seqOrderIsCommitOrder: boolean;
  /** The in-memory commit feed of this store's writer (every commit with outbox rows; entries are known on SQLite only). */
  onCommitted(listener: CommitListener): () => void;
  /** See {@link ProtonStore.listJson}: SQLite writes the JSON; undefined on MySQL. */
  listJson(api: ApiModel, object: ObjectModel, query?: ListQuery, options?: { readonly parent?: ParentScope }): Promise<ListJsonPage | undefined>;
  /** The schema changes that would make the database serve these models (`gluon db plan`), rows at risk counted. */
  planSchema(models: readonly ApiModel[], options?: SchemaPlanOptions): Promise<MigrationPlan>;
  /** What the database records per table and what is pending (`gluon db status`). */
  schemaStatus(models: readonly ApiModel[], options?: SchemaPlanOptions): Promise<SchemaStatus>;
  /**
   * Applies the plan with a journal (`gluon db upgrade`), or resumes the interrupted run of
   * the same plan; then queues every object of a changed table for the etcd mirror.
   * @throws GLUON_ERR_MIGRATION_DESTRUCTIVE when a step loses or refuses data and
   *   `allowDestructive` is not set (nothing is changed), GLUON_ERR_MIGRATION_INTERRUPTED
   *   when a step fails (the journal keeps where).
   */
  upgradeSchema(models: readonly ApiModel[], options?: SchemaUpgradeOptions): Promise<SchemaUpgradeResult>;
  /** Why the tables no longer fit the models of the last init (undefined when they do): for `/readyz`. */
  schemaProblem(): Promise<string | undefined>;
}
