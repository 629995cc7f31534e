import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { GluonError } from '../errors/index.js';
import { MAX_TXN_OPS, type KeyValueStore, type TxnOp } from '../kv/index.js';
import type { MirrorSource } from '../store/index.js';
import { chunk, collapseOutbox } from './batch.js';
import { silentSyncLogger, type Fence, type PublisherStats, type SyncLogger } from './types.js';

/** Options of {@link OutboxPublisher}. */
export interface OutboxPublisherOptions {
  /** Where the outbox rows come from (the SQL store). */
  readonly source: MirrorSource;
  /** Where they go (etcd or the in-process store). */
  readonly kv: Pick<KeyValueStore, 'txn'>;
  /** Logger (pino-compatible); errors of the background loop go here. Default: silent. */
  readonly logger?: SyncLogger;
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

/**
 * Drains the transactional outbox into etcd, continuously and in commit order.
 *
 * One round: read up to `batchSize` rows from seq 0 (published rows are deleted, so the
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
  private readonly logger: SyncLogger;
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
  private readsStarted = 0;
  private waiters: FlushWaiter[] = [];
  private counters = { lastPublishedSeq: 0, publishedOps: 0, publishedRows: 0, publishErrors: 0 };
  private lastErrorLog = 0;
  /** The SQL delete of the last published batch, overlapping the next round. */
  private deletion: Promise<void> | undefined;
  private deleting = new Set<number>();

  constructor(private readonly options: OutboxPublisherOptions) {
    this.source = options.source;
    this.kv = options.kv;
    this.logger = options.logger ?? silentSyncLogger;
    this.batchSize = positive('batchSize', options.batchSize ?? 1024);
    this.txnOps = options.fence === undefined ? MAX_TXN_OPS : MAX_TXN_OPS - 1;
    this.concurrency = positive('concurrency', options.concurrency ?? 8);
    this.minPollMs = positive('minPollMs', options.minPollMs ?? 10);
    this.maxPollMs = Math.max(this.minPollMs, positive('maxPollMs', options.maxPollMs ?? 200));
    this.pollMs = this.minPollMs;
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
    this.loop = this.run();
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
    this.wake?.();
    await loop;
    await this.finishDeletion().catch(() => undefined);
    this.loop = undefined;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w.reject(new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the outbox publisher was stopped before the outbox was drained.'));
  }

  /** Wakes the loop now (call after a write committed). Cheap; safe to call often. */
  notify(): void {
    this.notified = true;
    this.pollMs = this.minPollMs;
    this.wake?.();
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
      this.notify();
    });
  }

  /** Lag and counters; `pending`/`oldestAgeMs` come from the outbox table. */
  async stats(): Promise<PublisherStats> {
    const outbox = await this.source.outboxStats();
    return {
      pending: outbox.pending,
      oldestAgeMs: outbox.oldest === undefined ? 0 : Math.max(0, Date.now() - outbox.oldest.getTime()),
      ...this.counters,
      running: this.running,
    };
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
      // a small batch: let more writes gather (one round per write would cost SQL
      // reads and deletes competing with the API's own writes)
      else if (rows < this.batchSize) await this.sleep(this.minPollMs);
    }
    this.logger.info(this.counters, 'outbox publisher stopped');
  }

  /** One round; returns the number of outbox rows published. */
  private async round(): Promise<number> {
    if (this.stopping) throw new StoppedSignal();
    this.notified = false;
    const readNo = ++this.readsStarted;
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

  /** Resolves the flushes that started before read number `readNo`. */
  private settle(readNo: number): void {
    if (this.waiters.length === 0) return;
    const done = this.waiters.filter((w) => w.afterRead < readNo);
    this.waiters = this.waiters.filter((w) => w.afterRead >= readNo);
    for (const w of done) w.resolve();
  }

  private async idle(): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return;
    }
    const delay = this.pollMs;
    this.pollMs = Math.min(this.maxPollMs, this.pollMs * 2);
    await this.sleep(delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`OutboxPublisher option ${name} must be a number >= 1, received ${String(value)}`);
  return value;
}
