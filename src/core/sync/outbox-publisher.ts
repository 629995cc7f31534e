import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { GluonError } from '../errors/index.js';
import { MAX_TXN_OPS, type KeyValueStore, type TxnOp } from '../kv/index.js';
import type { MirrorSource, OutboxEntry } from '../store/index.js';
import { chunk, collapseOutbox } from './batch.js';
import { type Fence, type PublisherStats } from './types.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Options of {@link OutboxPublisher}. */
export interface OutboxPublisherOptions {
  /** Where the outbox rows come from (the SQL store). */
  readonly source: MirrorSource;
  /** Where they go (etcd or the in-process store). */
  readonly kv: Pick<KeyValueStore, 'txn'>;
  /** Logger (pino-compatible); errors of the background loop go here. Default: silent. */
  readonly logger?: Logger;
  /**
   * Leader fence added to every transaction. When a fenced transaction is refused, the
   * publisher stops at once and calls {@link OutboxPublisherOptions.onFenced}.
   */
  readonly fence?: Fence;
  /** Called once when a fenced transaction was refused (leadership gone). */
  readonly onFenced?: () => void;
  /** Outbox rows read per round (default 1024). */
  readonly batchSize?: number;
  /** etcd transactions in flight per round (default 8; keys of one round are distinct). */
  readonly concurrency?: number;
  /** Shortest idle poll interval in ms, and the pause after a partial batch (default 10); it doubles while the outbox stays empty. */
  readonly minPollMs?: number;
  /** Longest idle poll interval in ms: the safety poll (default 200). */
  readonly maxPollMs?: number;
  /** First retry delay in ms while etcd or SQL fail (default 100). */
  readonly retryInitialDelayMs?: number;
  /** Longest retry delay in ms (default 2000). */
  readonly retryMaxDelayMs?: number;
  /**
   * Ordered sources (SQLite): published rows are deleted by watermark at most this often,
   * in ms (default 1000), or sooner once `deleteEveryRows` rows were published; and on
   * {@link OutboxPublisher.flush}. A crash before the delete only republishes the same
   * latest values (idempotent puts).
   */
  readonly deleteIntervalMs?: number;
  /** Ordered sources: delete published rows once this many were published since the last delete (default 4 × batchSize). */
  readonly deleteEveryRows?: number;
  /** Most committed entries held in memory from the store's commit feed before falling back to table reads (default 16 × batchSize). */
  readonly maxBuffered?: number;
  /**
   * How long, in ms, a commit waits for company before its round starts (default 5): the
   * commits of that window go to etcd in one transaction. {@link OutboxPublisher.publishNow}
   * (a bind waiting for its shim) skips the wait; so does {@link OutboxPublisher.flush}.
   * 0 publishes on the next turn of the event loop.
   */
  readonly lingerMs?: number;
  /** Called after every published round (for metrics). */
  readonly onPublished?: (info: { readonly rows: number; readonly ops: number; readonly maxSeq: number }) => void;
  /** Called after every failed attempt (for metrics). */
  readonly onError?: (err: unknown) => void;
}

/** Thrown inside the loop when the fence refused a transaction. */
class FencedSignal extends Error {}
/** Thrown inside the loop when stop() was called between two transactions. */
class StoppedSignal extends Error {}

interface FlushWaiter {
  readonly afterRead: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Publishing has failed since `since` (epoch ms), `attempts` times in a row; `error` is the last cause. */
export interface PublisherFailure {
  readonly since: number;
  readonly attempts: number;
  readonly error: string;
}

/**
 * Drains the transactional outbox into etcd, continuously and in commit order.
 *
 * **Ordered sources** (SQLite, `seqOrderIsCommitOrder`: one writer at a time, seqs never
 * reused) are followed with a cursor: every row with seq ≤ cursor is in etcd. A round
 * takes this process's commits from the store's in-memory feed (`onCommitted`) when they
 * follow the cursor without a gap — no SQL read at all — and otherwise reads the table
 * after the cursor (start-up, another process's rows, a feed overflow while etcd is
 * down, a flush, the idle safety poll). One round is in flight at a time and the next
 * takes whatever committed meanwhile (natural batching, no timer at low load). Published
 * rows are deleted by watermark (`seq <= cursor`) at most once per `deleteIntervalMs` or
 * `deleteEveryRows`, and on flush; a crash before that only republishes the same latest
 * values (idempotent puts), and per-key order holds because rounds follow seq order.
 *
 * **Other sources** (MySQL: a lower seq may commit after a higher one with several
 * servers) use the original scheme. One round: read up to `batchSize` rows from seq 0 (published rows are deleted, so the
 * outbox only holds pending ones; reading from 0 never skips a row that committed late
 * on MySQL), collapse them to one operation per key (the key's last change), write the
 * operations in transactions of ≤ 128 (several in flight: their keys are distinct), and
 * only then delete exactly the rows read. A row is therefore deleted only after etcd
 * acknowledged its key's latest value; a crash between the two republishes the same
 * values (at-least-once, idempotent). A key's later changes are in later rows, read by
 * a later round, so etcd always ends with the latest committed value.
 *
 * Failures (etcd down, SQL busy) are retried forever with exponential backoff
 * (cockatiel); the loop never throws: errors are logged and counted. Idle, it polls with
 * an interval that grows from `minPollMs` to `maxPollMs`; {@link notify} wakes it at once.
 */
export class OutboxPublisher {
  private readonly source: MirrorSource;
  private readonly kv: Pick<KeyValueStore, 'txn'>;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly txnOps: number;
  private readonly concurrency: number;
  private readonly minPollMs: number;
  private readonly maxPollMs: number;
  private readonly policy: RetryPolicy;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private stopping = false;
  private pollMs: number;
  private wake: (() => void) | undefined;
  private notified = false;
  /** The wake-up scheduled by {@link OutboxPublisher.publishNow} (next turn). */
  private nowWake: NodeJS.Immediate | undefined;
  /** The wake-up scheduled by {@link OutboxPublisher.notify} (after `lingerMs`). */
  private lingerWake: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;
  private readsStarted = 0;
  private waiters: FlushWaiter[] = [];
  private counters = { lastPublishedSeq: 0, publishedOps: 0, publishedRows: 0, publishErrors: 0 };
  private lastErrorLog = 0;
  /** The failure of the attempts since the last successful round, if any. */
  private failing: PublisherFailure | undefined;
  /** The SQL delete of the last published batch, overlapping the next round. */
  private deletion: Promise<void> | undefined;
  private deleting = new Set<number>();
  private readonly deleteIntervalMs: number;
  private readonly deleteEveryRows: number;
  private readonly maxBuffered: number;
  /** 'ordered': cursor reads and watermark deletes (seq order is commit order); 'legacy': read from 0, exact deletes. Latched by the first read. */
  private mode: 'ordered' | 'legacy' | undefined;
  /** Ordered mode: every row with seq <= cursor is in etcd. */
  private cursor = 0;
  /** Ordered mode: rows with seq <= deletedUpTo were deleted (or a delete is in flight). */
  private deletedUpTo = 0;
  private lastDeleteAt = Date.now();
  /** Committed entries from the store's feed, in seq order, not yet published. */
  private buffer: OutboxEntry[] = [];
  private unsubscribe: (() => void) | undefined;
  /** Ordered mode with a feed: the next round with an empty buffer must read the table (start, overflow, flush, safety poll). */
  private mustRead = true;
  /** The idle interval ran out with no notify: the next round is the safety poll (reads the table). */
  private pollDue = false;

  constructor(private readonly options: OutboxPublisherOptions) {
    this.source = options.source;
    this.kv = options.kv;
    this.logger = options.logger ?? silentLogger;
    this.batchSize = positive('batchSize', options.batchSize ?? 1024);
    this.txnOps = options.fence === undefined ? MAX_TXN_OPS : MAX_TXN_OPS - 1;
    this.concurrency = positive('concurrency', options.concurrency ?? 8);
    this.minPollMs = positive('minPollMs', options.minPollMs ?? 10);
    this.maxPollMs = Math.max(this.minPollMs, positive('maxPollMs', options.maxPollMs ?? 200));
    this.pollMs = this.minPollMs;
    this.deleteIntervalMs = positive('deleteIntervalMs', options.deleteIntervalMs ?? 1000);
    this.lingerMs = options.lingerMs ?? 5;
    if (!Number.isFinite(this.lingerMs) || this.lingerMs < 0) throw new RangeError(`OutboxPublisher option lingerMs must be a number >= 0, received ${String(options.lingerMs)}`);
    this.deleteEveryRows = positive('deleteEveryRows', options.deleteEveryRows ?? 4 * this.batchSize);
    this.maxBuffered = positive('maxBuffered', options.maxBuffered ?? 16 * this.batchSize);
    this.policy = retry(
      handleWhen((err) => !(err instanceof FencedSignal) && !(err instanceof StoppedSignal)),
      {
        maxAttempts: Number.POSITIVE_INFINITY,
        backoff: new ExponentialBackoff({
          initialDelay: positive('retryInitialDelayMs', options.retryInitialDelayMs ?? 100),
          maxDelay: positive('retryMaxDelayMs', options.retryMaxDelayMs ?? 2000),
        }),
      },
    );
    this.policy.onRetry((event) => {
      if (!('error' in event)) return;
      this.counters.publishErrors += 1;
      const message = event.error instanceof Error ? event.error.message : String(event.error);
      this.failing = { since: this.failing?.since ?? Date.now(), attempts: (this.failing?.attempts ?? 0) + 1, error: message };
      this.options.onError?.(event.error);
      // one line per second at most: an etcd outage would otherwise flood the log
      const now = Date.now();
      if (now - this.lastErrorLog >= 1000) {
        this.lastErrorLog = now;
        this.logger.warn(
          { err: event.error, attempt: event.attempt, retryInMs: Math.round(event.delay), errors: this.counters.publishErrors },
          'outbox publisher: publishing failed; retrying with backoff (writes keep piling up in the outbox)',
        );
      }
    });
  }

  /** True while the background loop runs. */
  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.loop !== undefined) return;
    this.stopping = false;
    this.abort = new AbortController();
    // subscribe before the first read: every commit after this point is in the buffer,
    // every one before it in the table that the first round reads
    this.buffer = [];
    this.mustRead = true;
    this.unsubscribe = this.source.onCommitted?.((entries) => this.fed(entries));
    this.loop = this.run();
  }

  /** The store's commit feed: keep the entries (bounded) and wake the loop. */
  private fed(entries: readonly OutboxEntry[]): void {
    if (this.mode === 'legacy') return;
    if (this.buffer.length + entries.length > this.maxBuffered) {
      // etcd is slow or down: stop holding values in memory; the table has them all
      this.buffer = [];
      this.mustRead = true;
    } else {
      for (const e of entries) this.buffer.push(e);
    }
    this.notify();
  }

  /**
   * Stops the loop: no transaction starts after this call; resolves once the one in
   * flight (if any) settled. Pending {@link flush} calls reject with `GLUON_ERR_SYNC_STOPPED`.
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === undefined) return;
    this.stopping = true;
    this.abort.abort();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.buffer = [];
    this.cancelWakes();
    this.wake?.();
    await loop;
    await this.finishDeletion().catch(() => undefined);
    this.loop = undefined;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w.reject(new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the outbox publisher was stopped before the outbox was drained.'));
  }

  /**
   * Wakes the loop after a write committed, within `lingerMs`: the commits of that window
   * share one etcd transaction, and the writer's answer goes out before the publisher
   * spends CPU on it. Cheap; safe to call often.
   */
  notify(): void {
    if (this.lingerMs === 0) {
      this.publishNow();
      return;
    }
    this.pollMs = this.minPollMs;
    if (this.nowWake !== undefined || this.lingerWake !== undefined) return;
    this.lingerWake = setTimeout(() => {
      this.lingerWake = undefined;
      this.notified = true;
      this.wake?.();
    }, this.lingerMs);
  }

  /**
   * Wakes the loop on the next turn of the event loop, without lingering: for a commit
   * someone waits to see in etcd (a bind's pending port, which its shim must answer).
   * Whatever else committed is published with it.
   */
  publishNow(): void {
    this.notified = true;
    this.pollMs = this.minPollMs;
    if (this.lingerWake !== undefined) clearTimeout(this.lingerWake);
    this.lingerWake = undefined;
    this.nowWake ??= setImmediate(() => {
      this.nowWake = undefined;
      this.wake?.();
    });
  }

  private cancelWakes(): void {
    if (this.nowWake !== undefined) clearImmediate(this.nowWake);
    if (this.lingerWake !== undefined) clearTimeout(this.lingerWake);
    this.nowWake = undefined;
    this.lingerWake = undefined;
  }

  /**
   * Resolves once every change committed before the call is in etcd (a round started
   * after the call found the outbox drained). Rejects with `GLUON_ERR_SYNC_FLUSH_TIMEOUT`
   * after `timeoutMs` (default 60 s), `GLUON_ERR_SYNC_STOPPED` when not running.
   */
  flush(timeoutMs = 60_000): Promise<void> {
    if (!this.running) {
      return Promise.reject(new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the outbox publisher is not running (stopped, or this server is not the leader).'));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new GluonError('GLUON_ERR_SYNC_FLUSH_TIMEOUT', `flush(): the outbox was not drained within ${timeoutMs} ms (publish errors so far: ${this.counters.publishErrors}).`),
        );
      }, timeoutMs);
      timer.unref();
      const waiter: FlushWaiter = {
        afterRead: this.readsStarted,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
      // a flush also covers writes of other processes: read the table once more
      this.mustRead = true;
      this.publishNow();
    });
  }

  /**
   * Lag and counters; `pending`/`oldestAgeMs` come from the outbox table (in ordered
   * mode only the rows after the publisher's cursor: published rows wait for their lazy delete).
   */
  async stats(): Promise<PublisherStats> {
    const outbox = this.mode === 'ordered' ? await this.source.outboxStats(this.cursor) : await this.source.outboxStats();
    return {
      pending: outbox.pending,
      oldestAgeMs: outbox.oldest === undefined ? 0 : Math.max(0, Date.now() - outbox.oldest.getTime()),
      ...this.counters,
      running: this.running,
    };
  }

  /** The failure every attempt since the last successful round met, while publishing fails. */
  failure(): PublisherFailure | undefined {
    return this.failing;
  }

  /** Counters only (no database query). */
  counts(): Omit<PublisherStats, 'pending' | 'oldestAgeMs'> {
    return { ...this.counters, running: this.running };
  }

  private async run(): Promise<void> {
    this.logger.info({ batchSize: this.batchSize, fenced: this.options.fence !== undefined }, 'outbox publisher started');
    while (!this.stopping) {
      let rows = 0;
      try {
        rows = await this.policy.execute(() => this.round(), this.abort.signal);
        this.failing = undefined;
      } catch (err) {
        if (this.stopping || err instanceof StoppedSignal) break;
        if (err instanceof FencedSignal) {
          this.logger.warn({ fence: this.options.fence }, 'outbox publisher: etcd refused a fenced transaction (leadership lost); stopping');
          this.stopping = true;
          this.options.onFenced?.();
          break;
        }
        // not reachable with infinite retries; never let the loop die
        this.logger.error({ err }, 'outbox publisher: unexpected failure; continuing');
        await this.sleep(this.maxPollMs);
        continue;
      }
      if (rows === 0) await this.idle();
      // legacy mode, a small batch: let more writes gather (one round per write would
      // cost SQL reads and deletes competing with the API's own writes). Ordered mode
      // needs no pause: it reads nothing while fed and deletes lazily, so the next round
      // simply takes whatever committed while this one was in flight.
      else if (this.mode === 'legacy' && rows < this.batchSize) await this.sleep(this.minPollMs);
    }
    this.logger.info(this.counters, 'outbox publisher stopped');
  }

  /** One round; returns the number of outbox rows published. */
  private async round(): Promise<number> {
    if (this.stopping) throw new StoppedSignal();
    this.notified = false;
    // this round serves every commit so far: a wake-up scheduled for them is spent
    this.cancelWakes();
    if (this.mode === 'ordered') return this.orderedRound();
    const readNo = ++this.readsStarted;
    if (this.mode === undefined) {
      // the first read is the same in both modes (from 0); the source knows its ordering once connected
      const first = await this.source.readOutbox(0, this.batchSize);
      this.mode = this.source.seqOrderIsCommitOrder === true ? 'ordered' : 'legacy';
      if (this.mode === 'ordered') return this.publishOrdered(first, readNo, first.length < this.batchSize, true);
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.buffer = [];
    }
    // The previous round's rows may still be being deleted (that delete overlaps this
    // round): read past them and skip them. Their etcd writes were acknowledged before
    // this round started, so per-key order is kept.
    const deleting = this.deleting;
    const limit = this.batchSize + deleting.size;
    const read = await this.source.readOutbox(0, limit);
    const rows = deleting.size === 0 ? read : read.filter((r) => !deleting.has(r.seq));
    if (rows.length === 0) {
      if (read.length < limit) this.settle(readNo);
      if (this.deletion !== undefined) await this.finishDeletion();
      return 0;
    }
    const batch = collapseOutbox(rows);
    const chunks = chunk(batch.ops, this.txnOps);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const ops = chunks[next++] as TxnOp[];
        await this.publish(ops);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
    // published: etcd holds every key's latest value of this batch
    this.counters.publishedRows += rows.length;
    this.counters.publishedOps += batch.ops.length;
    if (batch.maxSeq > this.counters.lastPublishedSeq) this.counters.lastPublishedSeq = batch.maxSeq;
    this.options.onPublished?.({ rows: rows.length, ops: batch.ops.length, maxSeq: batch.maxSeq });
    if (read.length < limit) this.settle(readNo);
    // at most one delete in flight: wait for the previous one, then start this one
    if (this.deletion !== undefined) await this.finishDeletion();
    this.deleting = new Set(batch.seqs);
    const deletion = this.source.deleteOutbox(batch.seqs);
    deletion.catch(() => undefined);
    this.deletion = deletion;
    return rows.length;
  }

  /**
   * Ordered mode (seq order is commit order): take the buffered commits when they follow
   * the cursor without a gap, else read the table after the cursor. Nothing is skipped:
   * a buffered entry is used only when its seq is exactly the next one, so any row the
   * feed did not deliver (another process, an overflow) makes the round read the table.
   */
  private async orderedRound(): Promise<number> {
    const readNo = ++this.readsStarted;
    let drop = 0;
    while (drop < this.buffer.length && (this.buffer[drop] as OutboxEntry).seq <= this.cursor) drop++;
    if (drop > 0) this.buffer.splice(0, drop);
    const head = this.buffer[0];
    if (head !== undefined && head.seq === this.cursor + 1) {
      let n = 1;
      while (n < this.buffer.length && n < this.batchSize && (this.buffer[n] as OutboxEntry).seq === (this.buffer[n - 1] as OutboxEntry).seq + 1) n++;
      // peek, publish, then drop: a failed round retries the same entries
      const rows = this.buffer.slice(0, n);
      // the feed holds this process's commits only: a flush (mustRead) still reads the table once
      return this.publishOrdered(rows, readNo, n === this.buffer.length && !this.mustRead, false);
    }
    if (head === undefined && !this.mustRead && !this.pollDue && this.unsubscribe !== undefined) {
      // fed and caught up: every commit of this process was published from the feed
      this.settle(readNo);
      return 0;
    }
    this.pollDue = false;
    const rows = await this.source.readOutbox(this.cursor, this.batchSize);
    if (rows.length === 0) {
      this.mustRead = false;
      this.settle(readNo);
      await this.maybeDelete(false);
      return 0;
    }
    return this.publishOrdered(rows, readNo, rows.length < this.batchSize, true);
  }

  /** Publishes rows read after the cursor (in seq order), advances it, and deletes lazily. */
  private async publishOrdered(rows: readonly OutboxEntry[], readNo: number, drained: boolean, fromTable: boolean): Promise<number> {
    if (rows.length === 0) {
      if (drained) {
        if (fromTable) this.mustRead = false;
        this.settle(readNo);
      }
      return 0;
    }
    const batch = collapseOutbox(rows);
    await this.publishAll(batch.ops);
    this.cursor = Math.max(this.cursor, batch.maxSeq);
    let drop = 0;
    while (drop < this.buffer.length && (this.buffer[drop] as OutboxEntry).seq <= this.cursor) drop++;
    if (drop > 0) this.buffer.splice(0, drop);
    this.counters.publishedRows += rows.length;
    this.counters.publishedOps += batch.ops.length;
    if (batch.maxSeq > this.counters.lastPublishedSeq) this.counters.lastPublishedSeq = batch.maxSeq;
    this.options.onPublished?.({ rows: rows.length, ops: batch.ops.length, maxSeq: batch.maxSeq });
    if (drained) {
      if (fromTable) this.mustRead = false;
      this.settle(readNo);
    }
    await this.maybeDelete(false);
    return rows.length;
  }

  /**
   * Ordered mode: deletes every row up to the cursor (all published) when enough rows or
   * time accumulated, or when `force`d. At most one delete in flight; it overlaps the
   * next rounds (they read after the cursor, so they never see those rows).
   */
  private async maybeDelete(force: boolean): Promise<void> {
    const upTo = this.cursor;
    if (upTo <= this.deletedUpTo) {
      if (force) await this.finishDeletion();
      return;
    }
    const due = force || upTo - this.deletedUpTo >= this.deleteEveryRows || Date.now() - this.lastDeleteAt >= this.deleteIntervalMs;
    if (!due) return;
    if (this.deletion !== undefined) {
      if (!force) return;
      await this.finishDeletion();
    }
    this.lastDeleteAt = Date.now();
    const previous = this.deletedUpTo;
    this.deletedUpTo = upTo;
    const deletion = this.source.deleteOutbox(upTo).catch((err: unknown) => {
      // the rows stay; a later delete covers them (or a restart republishes them: idempotent)
      if (this.deletedUpTo === upTo) this.deletedUpTo = previous;
      this.logger.warn({ err, upTo }, 'outbox publisher: deleting published outbox rows failed; will retry');
    });
    this.deletion = deletion;
    if (force) await this.finishDeletion();
  }

  /** Writes operations in transactions of ≤ 128, `concurrency` in flight (the keys of one batch are distinct). */
  private async publishAll(ops: readonly TxnOp[]): Promise<void> {
    const chunks = chunk(ops, this.txnOps);
    if (chunks.length === 1) return this.publish(chunks[0] as TxnOp[]);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const part = chunks[next++] as TxnOp[];
        await this.publish(part);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
  }

  /** Waits for the delete in flight; on failure its rows are simply published again. */
  private async finishDeletion(): Promise<void> {
    const deletion = this.deletion;
    if (deletion === undefined) return;
    try {
      await deletion;
    } finally {
      this.deletion = undefined;
      this.deleting = new Set();
    }
  }

  private async publish(ops: readonly TxnOp[]): Promise<void> {
    if (this.stopping) throw new StoppedSignal();
    const fence = this.options.fence;
    const res = await this.kv.txn({ compare: fence === undefined ? [] : [fence], success: ops });
    if (!res.succeeded) throw new FencedSignal('fenced');
  }

  /**
   * Resolves the flushes that started before read number `readNo`. In ordered mode the
   * published rows are deleted first, so a flushed outbox is empty.
   */
  private settle(readNo: number): void {
    if (this.waiters.length === 0) return;
    const done = this.waiters.filter((w) => w.afterRead < readNo);
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.afterRead >= readNo);
    if (this.mode !== 'ordered') {
      for (const w of done) w.resolve();
      return;
    }
    const resolveDone = (): void => {
      for (const w of done) w.resolve();
    };
    this.maybeDelete(true).then(resolveDone, resolveDone);
  }

  private async idle(): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return;
    }
    const delay = this.pollMs;
    this.pollMs = Math.min(this.maxPollMs, this.pollMs * 2);
    if (!(await this.sleep(delay))) this.pollDue = true;
  }

  /** Sleeps `ms`; resolves true when {@link notify} (or stop) woke it earlier. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(woken);
      };
      this.wake = () => done(true);
    });
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`OutboxPublisher option ${name} must be a number >= 1, received ${String(value)}`);
  return value;
}
