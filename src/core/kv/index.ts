/**
 * The key/value port: etcd (through `etcd3`) or the in-process store, with one contract
 * (revisions, guarded transactions, watches that resume and surface compaction, leases,
 * election), and the list-then-watch loop ({@link Reflector}) that caches of a prefix
 * share. Imports nothing from other parts but errors.
 * @packageDocumentation
 */
export type {
  KeyValue,
  RangeOptions,
  RangeResult,
  PutOptions,
  WriteResult,
  DeleteResult,
  CompareOp,
  Compare,
  CompareModRevision,
  CompareCreateRevision,
  CompareVersion,
  CompareValue,
  TxnPut,
  TxnDelete,
  TxnOp,
  TxnRequest,
  TxnResult,
  WatchEvent,
  WatchHandler,
  WatchErrorHandler,
  WatchOptions,
  Watch,
  Lease,
  CampaignOptions,
  Leadership,
  LeaderObserver,
  KeyValueStore,
} from './types.js';
export { KvError, KvCompactedError, isKvError } from './errors.js';
export type { KvErrorCode, KvErrorOptions } from './errors.js';
export { MAX_TXN_OPS, DEFAULT_PAGE_SIZE } from './limits.js';
export { compareKeys } from './key-order.js';
export { listAll, listPages } from './list-all.js';
export type { ListAllOptions, ListPage } from './list-all.js';
export { Reflector } from './reflector.js';
export type { ReflectorListing, ReflectorOptions, ReflectorTarget } from './reflector.js';
export { createMemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { createMemoryBackend } from './memory-backend.js';
export type { MemoryBackend, MemoryBackendOptions } from './memory-backend.js';
export { createEtcdStore } from './etcd-store.js';
export type { EtcdStoreOptions } from './etcd-store.js';
export type { EtcdAccessOptions } from './etcd-access.js';
export { applyEtcdRoles } from './etcd-roles.js';
export type { ApplyEtcdRolesOptions, EtcdRoleGrant } from './etcd-roles.js';
export { createKeyValueStore, parseEtcdEndpoints } from './factory.js';
export type { KeyValueStoreOptions } from './factory.js';
