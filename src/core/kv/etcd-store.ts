import { Etcd3, type ICompare, type IKeyValue, type IOptions, type IRequestOp } from 'etcd3';
import { closeWatchesAndLeases } from './close-store.js';
import { etcdClientAccess, type EtcdAccessOptions } from './etcd-access.js';
import { campaign, observeLeader } from './election.js';
import { KvCompactedError, KvError, closedError } from './errors.js';
import { isCompactedMessage, translateEtcdError } from './etcd-errors.js';
import { EtcdLease } from './etcd-lease.js';
import { openEtcdWatch, prefixEnd } from './etcd-watch.js';
import { MAX_RESPONSE_BYTES, checkKey, checkRange, checkTtl, checkTxn, checkValue, compareTarget } from './limits.js';
import type { WatchDispatcher } from './watch-dispatcher.js';
import type {
  CampaignOptions,
  CompareOp,
  DeleteResult,
  KeyValue,
  KeyValueStore,
  LeaderObserver,
  Leadership,
  Lease,
  PutOptions,
  RangeOptions,
  RangeResult,
  TxnRequest,
  TxnResult,
  Watch,
  WatchHandler,
  WatchOptions,
  WriteResult,
} from './types.js';
import type { Logger } from '../log/index.js';
import { exponentialBackoff, type BackoffDefaults } from '../retry/index.js';

/** Options of {@link createEtcdStore}. */
export interface EtcdStoreOptions {
  /** etcd client URLs (`http://127.0.0.1:2379`), as an array or one comma-separated string. */
  readonly hosts: readonly string[] | string;
  /**
   * Prefix added to every key (e.g. `/site-a`), so several deployments can share one
   * etcd. Keys seen by callers never include it.
   */
  readonly prefix?: string;
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
  /** How long to wait for a connection to etcd, in ms (default 5,000). */
  readonly dialTimeoutMs?: number;
  /** Deadline of each unary request, in ms (default 5,000); watches and keepalives have none. */
  readonly requestTimeoutMs?: number;
  /** TLS material and etcd user (default: plain connection, no authentication). */
  readonly access?: EtcdAccessOptions;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/** Backoff between watch reconnects after an outage: 100 ms, doubling up to 2 s (etcd3's default waits up to 30 s). */
const WATCH_RECONNECT_BACKOFF: BackoffDefaults = { initialMs: 100, maxMs: 2000, factor: 2 };

const OPS: Record<CompareOp, 'Equal' | 'NotEqual' | 'Less' | 'Greater'> = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' };
const TARGETS = { modRevision: 'Mod', createRevision: 'Create', version: 'Version', value: 'Value' } as const;
const FIELDS = { modRevision: 'mod_revision', createRevision: 'create_revision', version: 'version' } as const;

/** Splits and validates host URLs. @internal */
export function normalizeHosts(hosts: readonly string[] | string): string[] {
  const list = (typeof hosts === 'string' ? hosts.split(',') : [...hosts]).map((h) => h.trim()).filter((h) => h.length > 0);
  if (list.length === 0) throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'createEtcdStore: hosts is empty; give at least one etcd client URL');
  return list;
}

class EtcdStore implements KeyValueStore {
  readonly kind = 'etcd' as const;
  readonly client: Etcd3;
  private readonly prefix: Buffer;
  private readonly logger: Logger | undefined;
  private readonly watches = new Set<WatchDispatcher>();
  private readonly leases = new Set<EtcdLease>();
  private closed = false;

  constructor(options: EtcdStoreOptions) {
    const requestTimeout = options.requestTimeoutMs ?? 5000;
    const etcdOptions: IOptions = {
      hosts: normalizeHosts(options.hosts),
      dialTimeout: options.dialTimeoutMs ?? 5000,
      ...etcdClientAccess(options.access),
      grpcOptions: { 'grpc.max_receive_message_length': MAX_RESPONSE_BYTES },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeout }),
      faultHandling: {
        // reconnect watches quickly after an outage (etcd3's default waits up to 30 s)
        watchBackoff: exponentialBackoff(undefined, WATCH_RECONNECT_BACKOFF) as unknown as WatchBackoff,
      },
    };
    this.client = new Etcd3(etcdOptions);
    this.prefix = Buffer.from(options.prefix ?? '');
    this.logger = options.logger;
  }

  private open(op: string): void {
    if (this.closed) throw closedError(op);
  }

  /**
   * The one key read to learn revisions and compaction: the prefix itself (`/` without
   * one), a key no one writes that every etcd role of the deployment may read
   * (see `etcdRolePlan`).
   */
  private probeKey(): Buffer {
    return this.prefix.length === 0 ? Buffer.from('/') : this.prefix;
  }

  private full(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key)]);
  }

  private toKv(kv: IKeyValue): KeyValue {
    const lease = kv.lease && kv.lease !== '0' ? String(kv.lease) : undefined;
    return {
      key: kv.key.subarray(this.prefix.length).toString('utf8'),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
      ...(lease === undefined ? {} : { lease }),
    };
  }

  private async call<T>(operation: string, fn: () => Promise<T>, revision?: number): Promise<T> {
    this.open(operation);
    try {
      return await fn();
    } catch (err) {
      if (revision !== undefined && isCompactedMessage(err)) {
        throw new KvCompactedError({ requestedRevision: revision, compactRevision: await this.findCompactRevision(revision).catch(() => revision + 1), what: operation }, { cause: err });
      }
      throw translateEtcdError(err, operation);
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    const res = await this.call('get', () => this.client.kv.range({ key: this.full(key) }));
    const kv = res.kvs[0];
    return kv && this.toKv(kv);
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    checkRange(options);
    const start = this.full(options.prefix);
    const from = options.fromKey === undefined ? start : this.full(options.fromKey);
    const res = await this.call(
      'range',
      () =>
        this.client.kv.range({
          key: from.length === 0 ? Buffer.from([0]) : from,
          range_end: prefixEnd(start),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
          ...(options.revision === undefined ? {} : { revision: options.revision }),
          ...(options.keysOnly === true ? { keys_only: true } : {}),
        }),
      options.revision,
    );
    return {
      kvs: res.kvs.map((kv) => this.toKv(kv)),
      more: res.more,
      revision: options.revision ?? Number(res.header.revision),
    };
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<WriteResult> {
    checkKey(key);
    checkValue(value);
    const res = await this.call('put', () =>
      this.client.kv.put({ key: this.full(key), value: Buffer.from(value), ...(options.lease === undefined ? {} : { lease: options.lease }) }),
    );
    return { revision: Number(res.header.revision) };
  }

  async delete(key: string): Promise<DeleteResult> {
    checkKey(key);
    const res = await this.call('delete', () => this.client.kv.deleteRange({ key: this.full(key) }));
    return { deleted: Number(res.deleted), revision: Number(res.header.revision) };
  }

  async deletePrefix(prefix: string): Promise<DeleteResult> {
    if (typeof prefix !== 'string') throw new KvError('GLUON_ERR_KV_BAD_REQUEST', `deletePrefix: prefix must be a string (received ${typeof prefix})`);
    const start = this.full(prefix);
    const res = await this.call('deletePrefix', () =>
      this.client.kv.deleteRange({ key: start.length === 0 ? Buffer.from([0]) : start, range_end: prefixEnd(start) }),
    );
    return { deleted: Number(res.deleted), revision: Number(res.header.revision) };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    checkTxn(request);
    const compare: ICompare[] = request.compare.map((c) => {
      const [target, expected] = compareTarget(c);
      const base: ICompare = { key: this.full(c.key), target: TARGETS[target], result: OPS[c.op] };
      return target === 'value' ? { ...base, value: Buffer.from(expected as string) } : { ...base, [FIELDS[target]]: expected };
    });
    const toOps = (ops: TxnRequest['success']): IRequestOp[] =>
      ops.map((op) =>
        op.type === 'put'
          ? { request_put: { key: this.full(op.key), value: Buffer.from(op.value), ...(op.lease === undefined ? {} : { lease: op.lease }) } }
          : { request_delete_range: { key: this.full(op.key) } },
      );
    const res = await this.call('txn', () =>
      this.client.kv.txn({ compare, success: toOps(request.success), failure: toOps(request.failure ?? []) }),
    );
    return { succeeded: res.succeeded, revision: Number(res.header.revision) };
  }

  async watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    this.open('watch');
    const from = options.fromRevision;
    if (from !== undefined && Number.isSafeInteger(from) && from >= 1) {
      // etcd accepts a watch on compacted history and cancels it just after; fail early
      // like the in-process store (a compaction racing this check still ends in onError)
      try {
        await this.client.kv.range({ key: this.probeKey(), revision: from, count_only: true });
      } catch (err) {
        if (isCompactedMessage(err)) throw new KvCompactedError({ requestedRevision: from, compactRevision: await this.findCompactRevision(from), what: 'watch' }, { cause: err });
        const kvErr = translateEtcdError(err, 'watch');
        if (kvErr.code !== 'GLUON_ERR_KV_FUTURE_REVISION') throw kvErr;
      }
      // closed during the probe: a watch opened now would never be ended by close()
      this.open('watch');
    }
    return openEtcdWatch(
      {
        client: this.client,
        prefix: this.prefix,
        logger: this.logger,
        currentRevision: () => this.currentRevision(),
        findCompactRevision: (r) => this.findCompactRevision(r),
        track: (w) => this.watches.add(w),
        forget: (w) => this.watches.delete(w),
      },
      options,
      handler,
    );
  }

  async compact(revision: number): Promise<void> {
    if (!Number.isSafeInteger(revision) || revision < 1) {
      throw new KvError('GLUON_ERR_KV_BAD_REQUEST', `compact: revision must be a positive integer (received ${String(revision)})`);
    }
    await this.call('compact', () => this.client.kv.compact({ revision, physical: true }), revision);
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('currentRevision', () =>
      this.client.kv.range({ key: this.probeKey(), count_only: true }),
    );
    return Number(res.header.revision);
  }

  /** The oldest readable revision, given that reading `revision` may fail as compacted. @internal */
  async findCompactRevision(revision: number): Promise<number> {
    const readable = async (r: number): Promise<boolean> => {
      try {
        await this.client.kv.range({ key: this.probeKey(), revision: r, count_only: true });
        return true;
      } catch (err) {
        if (isCompactedMessage(err)) return false;
        throw translateEtcdError(err, 'findCompactRevision');
      }
    };
    if (await readable(revision)) return revision;
    let lo = revision; // not readable
    let hi = await this.currentRevision(); // readable
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.open('grantLease');
    checkTtl(ttlSeconds);
    const sentAt = Date.now();
    const inner = this.client.lease(ttlSeconds);
    inner.on('lost', () => undefined); // handled by EtcdLease; avoid unhandled 'lost' noise
    const id = await inner.grant().catch((err: unknown) => {
      inner.release();
      throw translateEtcdError(err, 'grantLease');
    });
    const lease = new EtcdLease({ id: String(id), ttl: ttlSeconds, inner, grantSentAt: sentAt, onDone: (l) => this.leases.delete(l), logger: this.logger });
    this.leases.add(lease);
    return lease;
  }

  async revokeLease(id: string): Promise<void> {
    try {
      await this.call('revokeLease', () => this.client.leaseClient.leaseRevoke({ ID: id }));
    } catch (err) {
      if (err instanceof KvError && err.code === 'GLUON_ERR_KV_LEASE_NOT_FOUND') return;
      throw err;
    }
  }

  campaign(name: string, candidateId: string, options: CampaignOptions): Promise<Leadership> {
    return campaign(this, { name, candidateId }, options);
  }

  observeLeader(name: string): Promise<LeaderObserver> {
    return observeLeader(this, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeWatchesAndLeases(this.watches, this.leases);
    this.client.close();
  }
}

/**
 * Creates a key/value store on etcd (v3 API, through the `etcd3` client). Requests have
 * a deadline and fail with the retryable `GLUON_ERR_KV_UNAVAILABLE` while etcd is
 * unreachable; watches reconnect by themselves and resume from the last revision they
 * delivered; ranges should be paged ({@link listAll}) to stay under gRPC's 4 MiB limit.
 *
 * @example
 * ```ts
 * const kv = createEtcdStore({ hosts: 'http://127.0.0.1:2379', prefix: '/site-a' });
 * await kv.put('/gluon/port/p1', JSON.stringify({ tenant_id: 't' }));
 * ```
 */
export function createEtcdStore(options: EtcdStoreOptions): KeyValueStore {
  return new EtcdStore(options);
}
