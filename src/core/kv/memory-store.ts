import { closeWatchesAndLeases } from './close-store.js';
import { campaign, observeLeader } from './election.js';
import { KvError, closedError } from './errors.js';
import { checkKey, checkRange, checkTtl, checkTxn, checkValue, compareTarget } from './limits.js';
import { createMemoryBackend, type HistEvent, type MemoryBackend, type Rec, type Write } from './memory-backend.js';
import { WatchDispatcher } from './watch-dispatcher.js';
import type {
  DeleteResult,
  KeyValue,
  KeyValueStore,
  Lease,
  PutOptions,
  RangeOptions,
  RangeResult,
  TxnRequest,
  TxnResult,
  Watch,
  WatchEvent,
  WatchHandler,
  WatchOptions,
  WriteResult,
} from './types.js';
import type { Logger } from '../log/index.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Prefix added to every key (so several stores can share one backend without overlap). */
  readonly prefix?: string;
  /** Share state with other in-process stores (default: a new private backend). */
  readonly backend?: MemoryBackend;
  /** Events of history kept for watches from the past, when no backend is given (default 100,000). */
  readonly historyLimit?: number;
  /** Logger for watch handler failures. */
  readonly logger?: Logger;
}

class MemoryLease implements Lease {
  private running = true;
  private isLost = false;
  private lostError: KvError | undefined;
  private readonly lostHandlers: ((err: KvError) => void)[] = [];
  id = '';

  constructor(
    private readonly store: MemoryStore,
    readonly ttl: number,
  ) {}

  get keepAliveRunning(): boolean {
    return this.running;
  }

  get lost(): boolean {
    return this.isLost;
  }

  markLost(err: KvError): void {
    if (this.isLost || !this.running) return;
    this.isLost = true;
    this.lostError = err;
    this.running = false;
    this.store.forget(this);
    for (const cb of this.lostHandlers.splice(0)) cb(err);
  }

  async revoke(): Promise<void> {
    this.running = false;
    this.store.forget(this);
    this.store.backend.revokeLease(this.id, false);
  }

  release(): void {
    if (!this.running) return;
    this.running = false;
    this.store.forget(this);
    this.store.backend.releaseLease(this.id);
  }

  onLost(cb: (err: KvError) => void): void {
    // registered after the loss: fire anyway
    const lost = this.lostError;
    if (lost !== undefined) queueMicrotask(() => cb(lost));
    else this.lostHandlers.push(cb);
  }
}

class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  readonly backend;
  private readonly prefix: string;
  private readonly logger: Logger | undefined;
  private readonly watches = new Set<WatchDispatcher>();
  private readonly leases = new Set<MemoryLease>();
  private closed = false;

  constructor(options: MemoryStoreOptions) {
    this.backend = (options.backend ?? createMemoryBackend(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit })).impl;
    this.prefix = options.prefix ?? '';
    this.logger = options.logger;
  }

  private open(op: string): void {
    if (this.closed) throw closedError(op);
  }

  private toKv(rec: Rec): KeyValue {
    return {
      key: rec.key.slice(this.prefix.length),
      value: rec.value,
      createRevision: rec.createRevision,
      modRevision: rec.modRevision,
      version: rec.version,
      ...(rec.lease === undefined ? {} : { lease: rec.lease }),
    };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.open('get');
    checkKey(key);
    const rec = this.backend.get(this.prefix + key);
    return rec && this.toKv(rec);
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.open('range');
    checkRange(options);
    const revision = options.revision ?? this.backend.revision;
    const prefix = this.prefix + options.prefix;
    const start = this.prefix + (options.fromKey ?? options.prefix);
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    const recs = this.backend.range({ prefix, start }, revision, limit === Number.MAX_SAFE_INTEGER ? limit : limit + 1);
    const more = recs.length > limit;
    const kvs = (more ? recs.slice(0, limit) : recs).map((r) => this.toKv(r));
    return { kvs: options.keysOnly === true ? kvs.map((kv) => ({ ...kv, value: '' })) : kvs, more, revision };
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<WriteResult> {
    this.open('put');
    checkKey(key);
    checkValue(value);
    const write: Write = { type: 'put', key: this.prefix + key, value, lease: options.lease };
    return { revision: this.backend.commit([write]) };
  }

  async delete(key: string): Promise<DeleteResult> {
    this.open('delete');
    checkKey(key);
    const deleted = this.backend.get(this.prefix + key) ? 1 : 0;
    return { deleted, revision: this.backend.commit([{ type: 'delete', key: this.prefix + key }]) };
  }

  async deletePrefix(prefix: string): Promise<DeleteResult> {
    this.open('deletePrefix');
    if (typeof prefix !== 'string') throw new KvError('GLUON_ERR_KV_BAD_REQUEST', `deletePrefix: prefix must be a string (received ${typeof prefix})`);
    const keys = this.backend.keysWithPrefix(this.prefix + prefix);
    return { deleted: keys.length, revision: this.backend.commit(keys.map((key) => ({ type: 'delete', key }))) };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    this.open('txn');
    checkTxn(request);
    const succeeded = request.compare.every((c) => {
      const [target, expected] = compareTarget(c);
      return this.backend.compare(this.prefix + c.key, { target, op: c.op, expected });
    });
    const ops = succeeded ? request.success : (request.failure ?? []);
    const writes: Write[] = ops.map((op) =>
      op.type === 'put' ? { type: 'put', key: this.prefix + op.key, value: op.value, lease: op.lease } : { type: 'delete', key: this.prefix + op.key },
    );
    return { succeeded, revision: this.backend.commit(writes) };
  }

  private toEvent(ev: HistEvent, withPrev: boolean): WatchEvent {
    const base = { key: ev.key.slice(this.prefix.length), modRevision: ev.revision, ...(withPrev && ev.prev ? { prevValue: ev.prev.value } : {}) };
    if (ev.type === 'delete') return { type: 'delete', ...base };
    return { type: 'put', ...base, value: ev.rec!.value, createRevision: ev.rec!.createRevision, version: ev.rec!.version };
  }

  async watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    this.open('watch');
    const match = watchMatcher(this.prefix, options);
    const from = options.fromRevision;
    if (from !== undefined && (!Number.isSafeInteger(from) || from < 1)) {
      throw new KvError('GLUON_ERR_KV_BAD_REQUEST', `watch: fromRevision must be a positive integer (received ${String(from)})`);
    }
    const past = from === undefined ? [] : this.backend.eventsSince(from);
    let unsubscribe = (): void => undefined;
    const dispatcher = new WatchDispatcher({
      startRevision: from === undefined ? this.backend.revision : from - 1,
      handler,
      release: async () => {
        unsubscribe();
        this.watches.delete(dispatcher);
      },
      logger: this.logger,
    });
    if (options.onError) dispatcher.onError(options.onError);
    const deliver = (events: readonly HistEvent[]): void => {
      let mine: WatchEvent[] | undefined;
      for (const e of events) if (match(e.key)) (mine ??= []).push(this.toEvent(e, options.prevValue === true));
      if (mine) dispatcher.push(mine);
    };
    deliver(past);
    unsubscribe = this.backend.subscribe({ deliver }) as () => void;
    this.watches.add(dispatcher);
    return dispatcher;
  }

  async compact(revision: number): Promise<void> {
    this.open('compact');
    this.backend.compact(revision);
  }

  async currentRevision(): Promise<number> {
    this.open('currentRevision');
    return this.backend.revision;
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.open('grantLease');
    checkTtl(ttlSeconds);
    const lease = new MemoryLease(this, ttlSeconds);
    lease.id = this.backend.grantLease(ttlSeconds, (err) => lease.markLost(err));
    this.leases.add(lease);
    return lease;
  }

  /** @internal */
  forget(lease: MemoryLease): void {
    this.leases.delete(lease);
  }

  async revokeLease(id: string): Promise<void> {
    this.open('revokeLease');
    this.backend.revokeLease(id, true);
  }

  campaign(name: string, candidateId: string, options: { ttl: number; signal?: AbortSignal }): ReturnType<KeyValueStore['campaign']> {
    return campaign(this, { name, candidateId }, options);
  }

  observeLeader(name: string): ReturnType<KeyValueStore['observeLeader']> {
    return observeLeader(this, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeWatchesAndLeases(this.watches, this.leases);
  }
}

/** Builds the key filter of a watch (full keys). @internal */
export function watchMatcher(storePrefix: string, options: WatchOptions): (key: string) => boolean {
  if ((options.key === undefined) === (options.prefix === undefined)) {
    throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'watch: give exactly one of `key` or `prefix`');
  }
  if (options.key !== undefined) {
    checkKey(options.key);
    const full = storePrefix + options.key;
    return (k) => k === full;
  }
  if (typeof options.prefix !== 'string') throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'watch: prefix must be a string');
  const full = storePrefix + options.prefix;
  return (k) => k.startsWith(full);
}

/**
 * Creates the in-process key/value store: etcd's semantics (revisions, versions, guarded
 * transactions, watches from a revision, compaction, leases, election) in memory. It is
 * the embedded default when no `--etcd` URL is configured; data lives as long as the
 * process (the SQL store is the source of truth and the reconciler refills it).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyValueStore {
  return new MemoryStore(options);
}
