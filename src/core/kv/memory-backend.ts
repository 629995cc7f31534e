import { randomBytes } from 'node:crypto';
import { KvCompactedError, KvError } from './errors.js';
import { compareKeys, lowerBound } from './key-order.js';
import type { CompareOp } from './types.js';

/** A key's stored record (full key, including any store prefix). @internal */
export interface Rec {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lease?: string;
}

/** One change in the history. @internal */
export interface HistEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  /** The record after a put. */
  readonly rec?: Rec;
  /** The record before the change. */
  readonly prev?: Rec;
}

/** A write applied by {@link MemoryBackend.commit}. @internal */
export type Write = { type: 'put'; key: string; value: string; lease?: string } | { type: 'delete'; key: string };

/** A subscriber to committed events. @internal */
export interface Subscriber {
  /** Receives the events of one revision. */
  deliver(events: readonly HistEvent[]): void;
}

interface LeaseRec {
  readonly id: string;
  readonly ttl: number;
  readonly keys: Set<string>;
  timer?: NodeJS.Timeout;
  lost?: (err: KvError) => void;
}

/** Options of {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * How many events of history to keep for watches that start in the past (default
   * 100,000). Older history is compacted automatically, like etcd's
   * `--auto-compaction-retention`.
   */
  readonly historyLimit?: number;
}

/**
 * The state of one in-process key/value store: what an etcd cluster is to its clients.
 * Several {@link createMemoryStore} instances (e.g. with different prefixes, or two
 * "servers" in one test) can share one backend.
 *
 * @internal exposed as the opaque {@link MemoryBackend}
 */
export class MemoryBackendImpl {
  /** Current revision (a fresh store is at 1, like etcd). */
  revision = 1;
  /** Oldest revision still readable and watchable. */
  compactRevision = 0;
  private readonly kvs = new Map<string, Rec>();
  private readonly sorted: string[] = [];
  private history: HistEvent[] = [];
  private readonly leases = new Map<string, LeaseRec>();
  private readonly subscribers = new Set<Subscriber>();
  private nextLease = BigInt(`0x${randomBytes(7).toString('hex')}`) + 1n;
  private readonly historyLimit: number;

  constructor(options: MemoryBackendOptions = {}) {
    this.historyLimit = Math.max(1, options.historyLimit ?? 100_000);
  }

  /** The current record of a key. */
  get(key: string): Rec | undefined {
    return this.kvs.get(key);
  }

  /** Records whose keys are in [start, …) and start with `prefix`, at `revision`, at most `limit` + 1. */
  range(prefix: string, start: string, revision: number, limit: number): Rec[] {
    this.checkReadable(revision, 'range');
    const out: Rec[] = [];
    if (revision === this.revision) {
      for (let i = lowerBound(this.sorted, start); i < this.sorted.length && out.length < limit; i++) {
        const k = this.sorted[i]!;
        if (!k.startsWith(prefix)) break;
        out.push(this.kvs.get(k)!);
      }
      return out;
    }
    // roll the newer history back: the earliest change after `revision` holds the old state
    const overrides = new Map<string, Rec | undefined>();
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.revision > revision; i--) {
      const ev = this.history[i]!;
      overrides.set(ev.key, ev.prev);
    }
    const keys = new Set<string>();
    for (let i = lowerBound(this.sorted, start); i < this.sorted.length; i++) {
      const k = this.sorted[i]!;
      if (!k.startsWith(prefix)) break;
      keys.add(k);
    }
    for (const k of overrides.keys()) if (k.startsWith(prefix) && compareKeys(k, start) >= 0) keys.add(k);
    for (const k of [...keys].sort(compareKeys)) {
      if (out.length >= limit) break;
      const rec = overrides.has(k) ? overrides.get(k) : this.kvs.get(k);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** Keys under a prefix now. */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length; i++) {
      const k = this.sorted[i]!;
      if (!k.startsWith(prefix)) break;
      out.push(k);
    }
    return out;
  }

  /** Evaluates one transaction guard against the current state (etcd's rules). */
  compare(key: string, target: 'modRevision' | 'createRevision' | 'version' | 'value', op: CompareOp, expected: number | string): boolean {
    const rec = this.kvs.get(key);
    let cmp: number;
    if (target === 'value') {
      if (!rec) return false;
      cmp = compareKeys(rec.value, expected as string);
    } else {
      const actual = rec ? rec[target] : 0;
      cmp = actual === expected ? 0 : actual < (expected as number) ? -1 : 1;
    }
    switch (op) {
      case '=':
        return cmp === 0;
      case '!=':
        return cmp !== 0;
      case '<':
        return cmp < 0;
      case '>':
        return cmp > 0;
    }
  }

  /** Applies writes atomically as one revision (none if nothing changes). Returns the revision after. */
  commit(writes: readonly Write[]): number {
    for (const w of writes) {
      if (w.type === 'put' && w.lease !== undefined && !this.leases.has(w.lease)) {
        throw new KvError('GLUON_ERR_KV_LEASE_NOT_FOUND', `put ${JSON.stringify(w.key)}: lease ${w.lease} does not exist (expired or revoked); grant a new lease`);
      }
    }
    const effective = writes.filter((w) => w.type === 'put' || this.kvs.has(w.key));
    if (effective.length === 0) return this.revision;
    const revision = this.revision + 1;
    const events: HistEvent[] = [];
    for (const w of effective) {
      const prev = this.kvs.get(w.key);
      if (prev?.lease !== undefined) this.leases.get(prev.lease)?.keys.delete(w.key);
      if (w.type === 'put') {
        const rec: Rec = {
          key: w.key,
          value: w.value,
          createRevision: prev ? prev.createRevision : revision,
          modRevision: revision,
          version: prev ? prev.version + 1 : 1,
          ...(w.lease === undefined ? {} : { lease: w.lease }),
        };
        if (!prev) this.sorted.splice(lowerBound(this.sorted, w.key), 0, w.key);
        this.kvs.set(w.key, rec);
        if (w.lease !== undefined) this.leases.get(w.lease)!.keys.add(w.key);
        events.push({ type: 'put', key: w.key, revision, rec, ...(prev ? { prev } : {}) });
      } else {
        this.kvs.delete(w.key);
        this.sorted.splice(lowerBound(this.sorted, w.key), 1);
        events.push({ type: 'delete', key: w.key, revision, ...(prev ? { prev } : {}) });
      }
    }
    this.revision = revision;
    this.history.push(...events);
    if (this.history.length > this.historyLimit) {
      const keepFrom = this.history[this.history.length - this.historyLimit]!.revision;
      this.dropHistoryBefore(keepFrom);
    }
    for (const s of this.subscribers) s.deliver(events);
    return revision;
  }

  /** History events at or after `fromRevision` (throws if compacted). */
  eventsSince(fromRevision: number): HistEvent[] {
    if (fromRevision < this.compactRevision) {
      throw new KvCompactedError(fromRevision, this.compactRevision, 'watch');
    }
    const i = this.history.findIndex((e) => e.revision >= fromRevision);
    return i < 0 ? [] : this.history.slice(i);
  }

  /** Compacts: revisions before `revision` can no longer be read or watched. */
  compact(revision: number): void {
    if (revision > this.revision) {
      throw new KvError('GLUON_ERR_KV_FUTURE_REVISION', `compact: revision ${revision} is newer than the current revision ${this.revision}`);
    }
    if (revision <= this.compactRevision) {
      throw new KvCompactedError(revision, this.compactRevision, 'compact');
    }
    this.dropHistoryBefore(revision);
  }

  private dropHistoryBefore(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, revision);
    const i = this.history.findIndex((e) => e.revision >= revision);
    this.history = i < 0 ? [] : this.history.slice(i);
  }

  /** Throws unless `revision` can be read. */
  checkReadable(revision: number, what: string): void {
    if (revision > this.revision) {
      throw new KvError('GLUON_ERR_KV_FUTURE_REVISION', `${what}: revision ${revision} is newer than the current revision ${this.revision}`);
    }
    if (revision < this.compactRevision) throw new KvCompactedError(revision, this.compactRevision, what);
  }

  /** Registers a subscriber to every committed revision. */
  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Grants a lease; `lost` is called if someone else revokes it. */
  grantLease(ttl: number, lost: (err: KvError) => void): string {
    const id = String(this.nextLease++);
    this.leases.set(id, { id, ttl, keys: new Set(), lost });
    return id;
  }

  /** True while the lease exists. */
  hasLease(id: string): boolean {
    return this.leases.has(id);
  }

  /** Stops renewing: the lease expires (and its keys go) after its TTL. */
  releaseLease(id: string): void {
    const rec = this.leases.get(id);
    if (!rec || rec.timer) return;
    delete rec.lost;
    rec.timer = setTimeout(() => this.revokeLease(id, false), rec.ttl * 1000);
    rec.timer.unref();
  }

  /** Deletes a lease and its keys (one revision); tells its holder when `notify`. */
  revokeLease(id: string, notify: boolean): void {
    const rec = this.leases.get(id);
    if (!rec) return;
    if (rec.timer) clearTimeout(rec.timer);
    this.leases.delete(id);
    this.commit([...rec.keys].map((key) => ({ type: 'delete', key })));
    if (notify && rec.lost) {
      rec.lost(new KvError('GLUON_ERR_KV_LEASE_LOST', `lease ${id} was revoked; its keys were deleted`));
    }
  }
}

/**
 * Opaque handle on the state of an in-process store; pass one to several
 * {@link createMemoryStore} calls to make them share data (like clients of one etcd).
 */
export interface MemoryBackend {
  /** @internal */
  readonly impl: MemoryBackendImpl;
}

/** Creates the shared state of in-process stores. */
export function createMemoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  return { impl: new MemoryBackendImpl(options) };
}
