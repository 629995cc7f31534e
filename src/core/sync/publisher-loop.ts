import { handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { GluonError } from '../errors/index.js';
import { MAX_TXN_OPS } from '../kv/index.js';
import { executeAfterFirst, exponentialBackoff, type BackoffDefaults } from '../retry/index.js';
import type { CommitNotice } from '../store/index.js';
import type { OutboxPublisher, PublisherSettings } from './outbox-publisher.js';
import { FencedSignal, StoppedSignal, type PublishCounters, type PublishTarget } from './publish-ops.js';
import type { PublisherFailure, PublisherStats } from './types.js';

/** The factor of the publisher's retry backoff (its delays are settings). */
const PUBLISH_RETRY_BACKOFF: BackoffDefaults = { initialMs: 100, maxMs: 2000, factor: 2 };

/** What one round of a publisher did. @internal */
export interface RoundResult {
  /** Outbox rows published. */
  readonly rows: number;
  /** The round saw nothing more pending: flushes that started before it are served. */
  readonly drained: boolean;
}

/** The algorithm of a publisher: how a round finds its rows and deletes published ones. @internal */
export interface PublisherRounds {
  /** The publisher starts (again): forget what an earlier run held in memory. */
  started(): void;
  /** One round: publishes what is pending with `publishOps`. Throws to be retried with backoff. */
  round(): Promise<RoundResult>;
  /** A commit of this process, from the store's commit feed. */
  fed(notice: CommitNotice): void;
  /** The next round reads the table (a flush, the idle safety poll): other processes' commits are only there. */
  readTable(): void;
  /** Rows with a seq above this are still pending (undefined: every row in the table is). */
  pendingAfter(): number | undefined;
  /** Runs before flushes resolve; the ordered publisher deletes every published row first. */
  beforeSettle(): Promise<void>;
  /** The loop stopped: settle the delete in flight. */
  stopped(): Promise<void>;
  /** After a round that published less than a batch, pause `minPollMs` to let writes gather. */
  readonly pausesAfterPartialBatch: boolean;
}

interface FlushWaiter {
  readonly afterRead: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The loop both publishers share: started by {@link OutboxPublisher.start}, woken by the
 * store's commit feed (within `lingerMs`, or on the next turn for an urgent commit), a
 * round at a time under one cockatiel retry policy (forever, exponential backoff), an
 * idle safety poll growing from `minPollMs` to `maxPollMs`, and flush waiters served by
 * the first round that started after them and found the outbox drained.
 * @internal
 */
export class PublisherLoop implements OutboxPublisher {
  readonly #settings: PublisherSettings;
  readonly #rounds: PublisherRounds;
  readonly #policy: RetryPolicy;
  readonly #counters: PublishCounters = { lastPublishedSeq: 0, publishedOps: 0, publishedRows: 0, publishErrors: 0 };
  #loop: Promise<void> | undefined;
  #abort = new AbortController();
  #stopping = false;
  #pollMs: number;
  #wake: (() => void) | undefined;
  #notified = false;
  /** An urgent commit or a flush came in since the round started: no pause before the next round. */
  #hurried = false;
  #nowWake: NodeJS.Immediate | undefined;
  #lingerWake: NodeJS.Timeout | undefined;
  #readsStarted = 0;
  #waiters: FlushWaiter[] = [];
  #lastErrorLog = 0;
  #failing: PublisherFailure | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(settings: PublisherSettings, rounds: (target: PublishTarget) => PublisherRounds) {
    this.#settings = settings;
    this.#pollMs = settings.minPollMs;
    this.#rounds = rounds({
      kv: settings.kv,
      fence: settings.fence,
      txnOps: settings.fence === undefined ? MAX_TXN_OPS : MAX_TXN_OPS - 1,
      concurrency: settings.concurrency,
      counters: this.#counters,
      stopped: () => this.#stopping,
      onPublished: settings.onPublished,
    });
    this.#policy = retry(
      handleWhen((err) => !(err instanceof FencedSignal) && !(err instanceof StoppedSignal)),
      { maxAttempts: Number.POSITIVE_INFINITY, backoff: exponentialBackoff({ initialMs: settings.retryInitialDelayMs, maxMs: settings.retryMaxDelayMs }, PUBLISH_RETRY_BACKOFF) },
    );
    this.#policy.onRetry((event) => {
      if ('error' in event) this.#failed(event.error, event.attempt, event.delay);
    });
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    // subscribe before the first read: every commit after this point reaches the feed,
    // every one before it is in the table that the first round reads
    this.#rounds.started();
    this.#unsubscribe = this.#settings.source.onCommitted?.((notice) => {
      this.#rounds.fed(notice);
      this.#wakeFor(notice.urgent);
    });
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    const loop = this.#loop;
    if (loop === undefined) return;
    this.#stopping = true;
    this.#abort.abort();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#cancelWakes();
    this.#wake?.();
    await loop;
    await this.#rounds.stopped().catch(() => undefined);
    this.#loop = undefined;
    for (const w of this.#waiters.splice(0)) w.reject(new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the outbox publisher was stopped before the outbox was drained.'));
  }

  flush(timeoutMs = 60_000): Promise<void> {
    if (!this.#running) {
      return Promise.reject(new GluonError('GLUON_ERR_SYNC_STOPPED', 'flush(): the outbox publisher is not running (stopped, or this server is not the leader).'));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new GluonError('GLUON_ERR_SYNC_FLUSH_TIMEOUT', `flush(): the outbox was not drained within ${timeoutMs} ms (publish errors so far: ${this.#counters.publishErrors}).`));
      }, timeoutMs);
      timer.unref();
      const waiter: FlushWaiter = {
        afterRead: this.#readsStarted,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
      // a flush also covers writes of other processes: read the table once more
      this.#rounds.readTable();
      this.#wakeNow();
    });
  }

  async stats(): Promise<PublisherStats> {
    const outbox = await this.#settings.source.outboxStats(this.#rounds.pendingAfter());
    return {
      pending: outbox.pending,
      oldestAgeMs: outbox.oldest === undefined ? 0 : Math.max(0, Date.now() - outbox.oldest.getTime()),
      ...this.#counters,
      running: this.#running,
      ...(this.#failing === undefined ? {} : { failure: this.#failing }),
    };
  }

  get #running(): boolean {
    return this.#loop !== undefined && !this.#stopping;
  }

  #failed(error: unknown, attempt: number, delayMs: number): void {
    this.#counters.publishErrors += 1;
    const message = error instanceof Error ? error.message : String(error);
    this.#failing = { since: this.#failing?.since ?? Date.now(), attempts: (this.#failing?.attempts ?? 0) + 1, error: message };
    this.#settings.onError?.(error);
    // one line per second at most: an etcd outage would otherwise flood the log
    const now = Date.now();
    if (now - this.#lastErrorLog < 1000) return;
    this.#lastErrorLog = now;
    this.#settings.logger.warn(
      { err: error, attempt, retryInMs: Math.round(delayMs), errors: this.#counters.publishErrors },
      'outbox publisher: publishing failed; retrying with backoff (writes keep piling up in the outbox)',
    );
  }

  /** A commit is waiting: publish it within `lingerMs` (its company shares the transaction), or at once when urgent. */
  #wakeFor(urgent: boolean): void {
    if (urgent || this.#settings.lingerMs === 0) {
      this.#wakeNow();
      return;
    }
    this.#pollMs = this.#settings.minPollMs;
    if (this.#nowWake !== undefined || this.#lingerWake !== undefined) return;
    this.#lingerWake = setTimeout(() => {
      this.#lingerWake = undefined;
      this.#notified = true;
      this.#wake?.();
    }, this.#settings.lingerMs);
  }

  /** Wakes the loop on the next turn of the event loop; whatever else committed goes with it. */
  #wakeNow(): void {
    this.#notified = true;
    this.#hurried = true;
    this.#pollMs = this.#settings.minPollMs;
    if (this.#lingerWake !== undefined) clearTimeout(this.#lingerWake);
    this.#lingerWake = undefined;
    this.#nowWake ??= setImmediate(() => {
      this.#nowWake = undefined;
      this.#wake?.();
    });
  }

  #cancelWakes(): void {
    if (this.#nowWake !== undefined) clearImmediate(this.#nowWake);
    if (this.#lingerWake !== undefined) clearTimeout(this.#lingerWake);
    this.#nowWake = undefined;
    this.#lingerWake = undefined;
  }

  async #run(): Promise<void> {
    const { logger, batchSize, fence } = this.#settings;
    logger.info({ batchSize, fenced: fence !== undefined }, 'outbox publisher started');
    while (!this.#stopping) {
      let rows = 0;
      try {
        // one round per commit: the policy only after a failed round (executeAfterFirst)
        rows = await executeAfterFirst(() => this.#round(), (run) => this.#policy.execute(run, this.#abort.signal));
        this.#failing = undefined;
      } catch (err) {
        if (this.#stopping || err instanceof StoppedSignal) break;
        if (err instanceof FencedSignal) {
          logger.warn({ fence }, 'outbox publisher: etcd refused a fenced transaction (leadership lost); stopping');
          this.#stopping = true;
          this.#settings.onFenced?.();
          break;
        }
        // not reachable with infinite retries; never let the loop die
        logger.error({ err }, 'outbox publisher: unexpected failure; continuing');
        await this.#sleep(this.#settings.maxPollMs);
        continue;
      }
      if (rows === 0) await this.#idle();
      else if (this.#rounds.pausesAfterPartialBatch && rows < batchSize && !this.#hurried) await this.#sleep(this.#settings.minPollMs);
    }
    logger.info(this.#counters, 'outbox publisher stopped');
  }

  /** One round; returns the number of outbox rows published. */
  async #round(): Promise<number> {
    if (this.#stopping) throw new StoppedSignal();
    this.#notified = false;
    this.#hurried = false;
    // this round serves every commit so far: a wake-up scheduled for them is spent
    this.#cancelWakes();
    const readNo = ++this.#readsStarted;
    const result = await this.#rounds.round();
    if (result.drained) this.#settle(readNo);
    return result.rows;
  }

  /** Resolves the flushes that started before round number `readNo`. */
  #settle(readNo: number): void {
    const done = this.#waiters.filter((w) => w.afterRead < readNo);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.afterRead >= readNo);
    const resolveDone = (): void => {
      for (const w of done) w.resolve();
    };
    this.#rounds.beforeSettle().then(resolveDone, resolveDone);
  }

  async #idle(): Promise<void> {
    if (this.#notified) {
      this.#notified = false;
      return;
    }
    const delay = this.#pollMs;
    this.#pollMs = Math.min(this.#settings.maxPollMs, this.#pollMs * 2);
    // the interval ran out with no commit: the next round is the safety poll
    if (!(await this.#sleep(delay))) this.#rounds.readTable();
  }

  /** Sleeps `ms`; resolves true when a commit (or stop) woke it earlier. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(woken);
      };
      this.#wake = () => done(true);
    });
  }
}
