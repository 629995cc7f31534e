/**
 * The key/value port: the contract every key/value store of gluon-net fulfils
 * (etcd through `etcd3`, and the in-process store that is the embedded default).
 *
 * Semantics follow etcd v3 exactly, so code written against the in-process store
 * behaves the same on a real etcd:
 * - one global **revision** counter, bumped once per write (a transaction with many
 *   operations is one revision); a fresh store is at revision 1;
 * - every key carries `createRevision`, `modRevision` and `version` (number of writes
 *   since the key was created; a delete resets it);
 * - keys and values are strings (UTF-8); JSON text is the caller's business;
 *   keys sort by their UTF-8 bytes;
 * - revisions are JavaScript numbers (exact up to 2^53, far beyond any real store);
 *   lease ids are decimal strings (etcd lease ids use all 64 bits).
 *
 * Errors are {@link KvError}s (see `errors.ts`) with `GLUON_ERR_KV_*` codes.
 */
import type { KvError } from './errors.js';

/** One key with its value and revisions. */
export interface KeyValue {
  /** The key, without the store's configured prefix. */
  readonly key: string;
  /** The value (UTF-8 text). */
  readonly value: string;
  /** Revision of the write that created the key (since its last delete). */
  readonly createRevision: number;
  /** Revision of the last write to the key. */
  readonly modRevision: number;
  /** Number of writes since the key was created (1 after the first put). */
  readonly version: number;
  /** Id of the lease the key is attached to, when it has one. */
  readonly lease?: string;
}

/** Options of {@link KeyValueStore.range}. */
export interface RangeOptions {
  /** Return keys starting with this prefix (`''` = every key of the store). */
  readonly prefix: string;
  /** Return at most this many keys (positive integer); `more` says whether others follow. */
  readonly limit?: number;
  /** Read the store as it was at this revision (must not be compacted nor in the future). */
  readonly revision?: number;
  /**
   * Start at this key (inclusive) instead of the prefix's first key; it must start
   * with `prefix`. To read the next page, pass the last key returned plus `'\0'`
   * and the `revision` of the first page (or use {@link listAll}).
   */
  readonly fromKey?: string;
  /**
   * Return keys and their revisions without values (each `value` is `''`): far less to
   * transfer and decode when the caller only needs to learn which keys changed.
   */
  readonly keysOnly?: boolean;
}

/** Result of {@link KeyValueStore.range}. */
export interface RangeResult {
  /** Matching keys in key order. */
  readonly kvs: readonly KeyValue[];
  /** True when `limit` cut the result short. */
  readonly more: boolean;
  /** The revision this result reflects (the requested one, or the store's current). */
  readonly revision: number;
}

/** Options of {@link KeyValueStore.put}. */
export interface PutOptions {
  /** Attach the key to this lease: it is deleted when the lease expires or is revoked. */
  readonly lease?: string;
}

/** Result of a single write. */
export interface WriteResult {
  /** The store's revision after the write. */
  readonly revision: number;
}

/** Result of a delete. */
export interface DeleteResult extends WriteResult {
  /** Number of keys deleted (a delete of nothing does not bump the revision). */
  readonly deleted: number;
}

/** Comparison operator of a transaction guard. */
export type CompareOp = '=' | '!=' | '<' | '>';

/** Guard on a key's `modRevision` (0 when the key does not exist). */
export interface CompareModRevision {
  /** The key compared (without the store prefix). */
  readonly key: string;
  /** How the key's field compares with the given one. */
  readonly op: CompareOp;
  /** The revision of the key's last write (0 = the key does not exist). */
  readonly modRevision: number;
}
/** Guard on a key's `createRevision` (0 when the key does not exist: `= 0` means "absent"). */
export interface CompareCreateRevision {
  /** The key compared (without the store prefix). */
  readonly key: string;
  /** How the key's field compares with the given one. */
  readonly op: CompareOp;
  /** The revision that created the key (0 = the key does not exist). */
  readonly createRevision: number;
}
/** Guard on a key's `version` (0 when the key does not exist). */
export interface CompareVersion {
  /** The key compared (without the store prefix). */
  readonly key: string;
  /** How the key's field compares with the given one. */
  readonly op: CompareOp;
  /** The number of writes since the key was created (0 = the key does not exist). */
  readonly version: number;
}
/** Guard on a key's value (false when the key does not exist, whatever the op). */
export interface CompareValue {
  /** The key compared (without the store prefix). */
  readonly key: string;
  /** How the key's value compares with the given one. */
  readonly op: CompareOp;
  /** The value compared with (UTF-8 text). */
  readonly value: string;
}
/** One guard of a transaction: exactly one of `modRevision`, `createRevision`, `version`, `value`. */
export type Compare = CompareModRevision | CompareCreateRevision | CompareVersion | CompareValue;

/** A put inside a transaction. */
export interface TxnPut {
  /** A put. */
  readonly type: 'put';
  /** The key to write (without the store prefix). */
  readonly key: string;
  /** The new value (UTF-8 text). */
  readonly value: string;
  /** Attach the key to this lease (its id). */
  readonly lease?: string;
}
/** A delete of one key inside a transaction. */
export interface TxnDelete {
  /** A delete. */
  readonly type: 'delete';
  /** The key to delete (without the store prefix). */
  readonly key: string;
}
/** A write inside a transaction. */
export type TxnOp = TxnPut | TxnDelete;

/**
 * A transaction: if every guard of `compare` holds, apply `success`, else `failure`;
 * atomically, as one revision. At most {@link MAX_TXN_OPS} (128) operations per branch
 * (etcd's `--max-txn-ops`); a key may appear only once per branch.
 */
export interface TxnRequest {
  /** The guards; all must hold for `success` to run. */
  readonly compare: readonly Compare[];
  /** The writes applied when every guard holds (≤ 128). */
  readonly success: readonly TxnOp[];
  /** The writes applied when a guard fails (≤ 128; default none). */
  readonly failure?: readonly TxnOp[];
}

/** Result of {@link KeyValueStore.txn}. */
export interface TxnResult {
  /** True when every guard held and `success` was applied. */
  readonly succeeded: boolean;
  /** The store's revision after the transaction (unchanged when it wrote nothing). */
  readonly revision: number;
}

/** One change seen by a watch. */
export interface WatchEvent {
  /** `put` (created or updated) or `delete`. */
  readonly type: 'put' | 'delete';
  /** The key, without the store's configured prefix. */
  readonly key: string;
  /** The new value (puts only). */
  readonly value?: string;
  /** The value before this change, when the watch asked for it ({@link WatchOptions.prevValue}), the key existed and history still held it. */
  readonly prevValue?: string;
  /** Revision of this change (several events share it when one transaction wrote them). */
  readonly modRevision: number;
  /** The key's create revision after a put. */
  readonly createRevision?: number;
  /** The key's version after a put. */
  readonly version?: number;
}

/** Receives watch events one at a time, in revision order; a returned promise is awaited before the next. */
export type WatchHandler = (event: WatchEvent) => void | Promise<void>;

/** Receives the error that ended a watch (compaction: relist, then watch again). */
export type WatchErrorHandler = (err: KvError) => void;

/** What a watch looks at and from when. Give exactly one of `key` or `prefix`. */
export interface WatchOptions {
  /** Watch this one key. */
  readonly key?: string;
  /** Watch every key starting with this prefix (`''` = the whole store). */
  readonly prefix?: string;
  /**
   * Deliver every change from this revision on (inclusive): the history first, then live
   * changes. Without it, only changes after the watch was created are delivered.
   * Typical use: list at revision R, then watch from R + 1.
   */
  readonly fromRevision?: number;
  /**
   * Deliver each event's previous value as {@link WatchEvent.prevValue} (default false:
   * etcd then neither looks it up nor sends it, which halves a watch event of an updated
   * object).
   */
  readonly prevValue?: boolean;
  /** Called once if the watch ends on its own (same as {@link Watch.onError}). */
  readonly onError?: WatchErrorHandler;
}

/**
 * A running watch. Events arrive in revision order with no duplicates and no gaps,
 * across reconnections to etcd (the watch resumes from the last revision it
 * delivered). If history the watch still needs was compacted, it ends with
 * `GLUON_ERR_KV_COMPACTED` through {@link Watch.onError}; the caller relists.
 */
export interface Watch {
  /** Every change with `modRevision <= lastRevision` has been handed to the handler. */
  readonly lastRevision: number;
  /** True once the watch was closed or failed. */
  readonly closed: boolean;
  /** Registers an error callback; called at once (asynchronously) if the watch already failed. */
  onError(cb: WatchErrorHandler): void;
  /** Stops the watch; no event is delivered after the returned promise resolves. */
  close(): Promise<void>;
}

/**
 * A lease: a TTL that keeps keys alive while it is renewed. The store renews it in
 * the background (every TTL/3) until `revoke()` or `release()`.
 */
export interface Lease {
  /** The lease id (decimal string); pass it as `{ lease }` to put. */
  readonly id: string;
  /** Time to live, in seconds, granted by the store (etcd may raise small TTLs). */
  readonly ttl: number;
  /** True while the store keeps renewing the lease. */
  readonly keepAliveRunning: boolean;
  /** True once the lease was lost (expired, revoked by someone else, or unrenewable). */
  readonly lost: boolean;
  /** Deletes the lease and every key attached to it now. */
  revoke(): Promise<void>;
  /** Stops renewing; the lease expires after its TTL and its keys are deleted then. */
  release(): void;
  /**
   * Registers a callback fired once when the lease is lost (`GLUON_ERR_KV_LEASE_LOST`);
   * registered after the loss, it fires at once (in a microtask). It is not fired for
   * this object's own `revoke()` or `release()`. After a loss, grant a new lease and
   * write the keys again.
   */
  onLost(cb: (err: KvError) => void): void;
}

/** Options of {@link KeyValueStore.campaign}. */
export interface CampaignOptions {
  /** TTL of the candidate's lease, in seconds: how long a dead leader blocks the others. */
  readonly ttl: number;
  /** Abort the campaign while waiting (rejects with `GLUON_ERR_KV_CAMPAIGN_ABORTED`). */
  readonly signal?: AbortSignal;
}

/**
 * Leadership won in an election. Leader-only writes should be fenced with
 * `{ key, op: '=', createRevision }` in their transaction guards, so a leader that lost
 * its lease cannot write after a successor was elected.
 */
export interface Leadership {
  /** The election name. */
  readonly name: string;
  /** The candidate id given to campaign (the election key's value). */
  readonly candidateId: string;
  /** The candidate's election key (`<name>/<leaseId>`). */
  readonly key: string;
  /** Create revision of the candidate's key (for fencing). */
  readonly createRevision: number;
  /** The lease the candidacy lives on. */
  readonly leaseId: string;
  /** True until the leadership is lost or resigned. */
  readonly isLeader: boolean;
  /**
   * Registers a callback fired once if leadership is lost (not on resign); registered
   * after the loss, it fires at once (in a microtask). Stop leader work at once.
   */
  onLost(cb: (err: KvError) => void): void;
  /** Gives up leadership: revokes the lease so the next candidate is elected. */
  resign(): Promise<void>;
}

/** Follows who leads an election. */
export interface LeaderObserver {
  /** The current leader's candidate id, or undefined when there is none. */
  readonly leader: string | undefined;
  /** Registers a callback fired whenever the leader changes. */
  onChange(cb: (leader: string | undefined) => void): void;
  /** Stops observing. */
  close(): Promise<void>;
}

/**
 * The key/value port. Every method is async and fails with a {@link KvError}.
 * Implementations: {@link createEtcdStore}, {@link createMemoryStore}; pick one from a
 * URL with {@link createKeyValueStore}.
 */
export interface KeyValueStore {
  /** `etcd` or `memory`. */
  readonly kind: 'etcd' | 'memory';
  /** Reads one key; undefined when absent. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Reads the keys under a prefix, in key order, paged with `limit` / `fromKey`. */
  range(options: RangeOptions): Promise<RangeResult>;
  /** Creates or replaces a key. */
  put(key: string, value: string, options?: PutOptions): Promise<WriteResult>;
  /** Deletes one key. */
  delete(key: string): Promise<DeleteResult>;
  /** Deletes every key under a prefix, as one revision. */
  deletePrefix(prefix: string): Promise<DeleteResult>;
  /** Runs a guarded transaction (≤ 128 operations per branch). */
  txn(request: TxnRequest): Promise<TxnResult>;
  /** Watches a key or prefix; resolves once the watch is established. Rejects with `GLUON_ERR_KV_COMPACTED` if `fromRevision` is already compacted. */
  watch(options: WatchOptions, handler: WatchHandler): Promise<Watch>;
  /** Discards history before `revision` (reads and watches below it then fail with `GLUON_ERR_KV_COMPACTED`). */
  compact(revision: number): Promise<void>;
  /** The store's current revision. */
  currentRevision(): Promise<number>;
  /** Grants a lease of `ttlSeconds` (≥ 1) and keeps it alive. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Revokes any lease by id (its holder sees `onLost`); unknown ids are ignored. */
  revokeLease(id: string): Promise<void>;
  /**
   * Campaigns in election `name` and resolves once this candidate leads. The leader is
   * the candidate whose key under `<name>/` has the lowest create revision.
   */
  campaign(name: string, candidateId: string, options: CampaignOptions): Promise<Leadership>;
  /** Follows the leader of election `name`; resolves once the current leader is known. */
  observeLeader(name: string): Promise<LeaderObserver>;
  /** Closes watches, revokes nothing (leases expire), and releases connections. */
  close(): Promise<void>;
}
