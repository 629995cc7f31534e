import { randomBytes } from 'node:crypto';
import { KvCompactedError, KvError } from './errors.js';
import { compareKeys } from './key-order.js';
import { OrderedKeys } from './ordered-keys.js';
import type { CompareOp } from './types.js';

/** A key's stored record (full key, including any store prefix). @internal */
export interface Rec {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** The lease the key is attached to (always present, so every record has one shape). */
  readonly lease: string | undefined;
}

/** One change in the history. @internal */
export interface HistEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  /** The record after a put. */
  readonly rec: Rec | undefined;
  /** The record before the change. */
  readonly prev: Rec | undefined;
}

/** A write applied by {@link MemoryBackend.commit}. @internal */
export type Write = { type: 'put'; key: string; value: string; lease?: string | undefined } | { type: 'delete'; key: string };

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
  /** The current keys in key order. */
  private readonly sorted = new OrderedKeys();
  /**
   * The kept history is `history[head…]`, in revision order. Trimming clears slots and
   * moves `head` on; the array is shifted down only once the cleared part is at least as
   * long as the kept part, so trimming costs O(1) per event, amortised.
   */
  private readonly history: (HistEvent | undefined)[] = [];
  private head = 0;
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

  /** Records whose keys are in [start, …) and start with `prefix`, at `revision`, at most `limit`. */
  range(span: { prefix: string; start: string }, revision: number, limit: number): Rec[] {
    const { prefix, start } = span;
    this.checkReadable(revision, 'range');
    const out: Rec[] = [];
    const cursor = this.sorted.from(start);
    if (revision === this.revision) {
      for (let k = cursor.key; k !== undefined && out.length < limit && k.startsWith(prefix); cursor.next(), k = cursor.key) {
        out.push(this.kvs.get(k)!);
      }
      return out;
    }
    // roll the newer history back: the earliest change after `revision` holds the old state
    const overrides = new Map<string, Rec | undefined>();
    const h = this.history;
    for (let i = h.length - 1; i >= this.head && h[i]!.revision > revision; i--) {
      const ev = h[i]!;
      overrides.set(ev.key, ev.prev);
    }
    const changed: string[] = [];
    for (const k of overrides.keys()) if (k.startsWith(prefix) && compareKeys(k, start) >= 0) changed.push(k);
    changed.sort(compareKeys);
    // merge today's keys with the changed ones, in key order, until `limit` records
    let j = 0;
    while (out.length < limit) {
      const now = cursor.key !== undefined && cursor.key.startsWith(prefix) ? cursor.key : undefined;
      const then = changed[j];
      let k: string;
      if (now === undefined) {
        if (then === undefined) break;
        k = then;
        j++;
      } else if (then === undefined) {
        k = now;
        cursor.next();
      } else {
        const d = compareKeys(now, then);
        k = d <= 0 ? now : then;
        if (d <= 0) cursor.next();
        if (d >= 0) j++;
      }
      const rec = overrides.has(k) ? overrides.get(k) : this.kvs.get(k);
      if (rec) out.push(rec);
    }
    return out;
  }

  /** Keys under a prefix now. */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const c = this.sorted.from(prefix); c.key !== undefined && c.key.startsWith(prefix); c.next()) out.push(c.key);
    return out;
  }

  /** Evaluates one transaction guard against the current state (etcd's rules). */
  compare(key: string, guard: { target: 'modRevision' | 'createRevision' | 'version' | 'value'; op: CompareOp; expected: number | string }): boolean {
    const { target, op, expected } = guard;
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

  /** Applies writes (distinct keys) atomically as one revision (none if nothing changes). Returns the revision after. */
  commit(writes: readonly Write[]): number {
    for (const w of writes) {
      if (w.type === 'put' && w.lease !== undefined && !this.leases.has(w.lease)) {
        throw new KvError('GLUON_ERR_KV_LEASE_NOT_FOUND', `put ${JSON.stringify(w.key)}: lease ${w.lease} does not exist (expired or revoked); grant a new lease`);
      }
    }
    const revision = this.revision + 1;
    const events: HistEvent[] = [];
    for (const w of writes) {
      const prev = this.kvs.get(w.key);
      if (w.type === 'delete' && prev === undefined) continue;
      if (prev?.lease !== undefined) this.leases.get(prev.lease)?.keys.delete(w.key);
      if (w.type === 'put') {
        const lease = w.lease;
        const rec: Rec = {
          key: w.key,
          value: w.value,
          createRevision: prev ? prev.createRevision : revision,
          modRevision: revision,
          version: prev ? prev.version + 1 : 1,
          lease,
        };
        if (!prev) this.sorted.add(w.key);
        this.kvs.set(w.key, rec);
        if (lease !== undefined) this.leases.get(lease)!.keys.add(w.key);
        events.push({ type: 'put', key: w.key, revision, rec, prev });
      } else {
        this.kvs.delete(w.key);
        this.sorted.delete(w.key);
        events.push({ type: 'delete', key: w.key, revision, rec: undefined, prev });
      }
    }
    if (events.length === 0) return this.revision;
    this.revision = revision;
    const h = this.history;
    for (const ev of events) h.push(ev);
    if (h.length - this.head > this.historyLimit) this.dropHistoryBefore(h[h.length - this.historyLimit]!.revision);
    for (const s of this.subscribers) s.deliver(events);
    return revision;
  }

  /** History events at or after `fromRevision` (throws if compacted). */
  eventsSince(fromRevision: number): HistEvent[] {
    if (fromRevision < this.compactRevision) {
      throw new KvCompactedError({ requestedRevision: fromRevision, compactRevision: this.compactRevision, what: 'watch' });
    }
    const h = this.history;
    let lo = this.head;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (h[mid]!.revision < fromRevision) lo = mid + 1;
      else hi = mid;
    }
    return h.slice(lo) as HistEvent[];
  }

  /** Compacts: revisions before `revision` can no longer be read or watched. */
  compact(revision: number): void {
    if (revision > this.revision) {
      throw new KvError('GLUON_ERR_KV_FUTURE_REVISION', `compact: revision ${revision} is newer than the current revision ${this.revision}`);
    }
    if (revision <= this.compactRevision) {
      throw new KvCompactedError({ requestedRevision: revision, compactRevision: this.compactRevision, what: 'compact' });
    }
    this.dropHistoryBefore(revision);
  }

  private dropHistoryBefore(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, revision);
    const h = this.history;
    let i = this.head;
    while (i < h.length && h[i]!.revision < revision) h[i++] = undefined;
    if (i === h.length) {
      h.length = 0;
      i = 0;
    } else if (i >= 64 && i >= h.length - i) {
      h.copyWithin(0, i);
      h.length -= i;
      i = 0;
    }
    this.head = i;
  }

  /** Throws unless `revision` can be read. */
  checkReadable(revision: number, what: string): void {
    if (revision > this.revision) {
      throw new KvError('GLUON_ERR_KV_FUTURE_REVISION', `${what}: revision ${revision} is newer than the current revision ${this.revision}`);
    }
    if (revision < this.compactRevision) throw new KvCompactedError({ requestedRevision: revision, compactRevision: this.compactRevision, what });
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
