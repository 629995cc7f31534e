/**
 * The store part: Proton objects in SQL (SQLite by default, MySQL/MariaDB in production)
 * on better-sqlite3 or mysql2 with raw SQL, with a group-committing writer, filters/sorting/marker paging, and
 * the transactional outbox the etcd mirror is published from.
 * @packageDocumentation
 */
export { createStore, parseStoreUrl, DEFAULT_STORE_URL, DEFAULT_ADVERTISED_URL } from './create-store.js';
export type { ConnectTarget } from './database.js';
export type { StoreOptions } from './create-store.js';
export { databaseStartupError, maskDbUrl } from './db-errors.js';
export { defaultMigrateMode } from './sql-store.js';
export { stepLine, rowsText } from './migrator.js';
export type { MigrateMode, MigrationPlan, InterruptedUpgrade, SchemaStatus, TableStatus, UpgradeResult } from './migrator.js';
export type { MigrationStep } from './migration-steps.js';
export type { ChangeKind, ChangeRisk, SchemaChange } from './migration-plan.js';
export type { JournalStep } from './schema-tracking.js';
export { OUTBOX_TABLE, objectKey, portKey, objectValue, portValue } from './outbox.js';
export type {
  StoredObject,
  SortDirection,
  ListQuery,
  ListPage,
  ListJsonPage,
  ParentScope,
  WriteOptions,
  OutboxEntry,
  CommitNotice,
  CommitListener,
  OutboxStats,
  MirrorEntry,
  MirrorSource,
  ProtonStore,
  SqlStore,
  StoreInitOptions,
  SchemaPlanOptions,
  SchemaUpgradeOptions,
  SchemaUpgradeResult,
} from './types.js';
