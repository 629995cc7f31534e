import { wholeNumberOption } from '../core/errors/index.js';
import { delayAfter, exponentialBackoff, type Backoff, type BackoffOptions } from '../core/retry/index.js';
import { WORK_QUEUE_BACKOFF } from './backoff.js';
import { silentLogger, type Logger } from '../core/log/index.js';

/** What a work-queue handler gets besides its key. */
export interface WorkItemContext {
  /** How many times this key failed in a row before this attempt (0 = first try). */
  readonly failures: number;
  /** Aborted when the queue is shut down without drain or paused (e.g. leadership lost). */
  readonly signal: AbortSignal;
}

/** Handles one key; throw (or reject) to have it retried with backoff. */
export type WorkHandler<K> = (key: K, ctx: WorkItemContext) => Promise<void> | void;

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** The handler run for each key. */
  readonly handler: WorkHandler<K>;
  /** Most handlers running at once (default 4). */
  readonly concurrency?: number;
  /** Per-key exponential backoff after failures (default 5 ms doubling up to 30 s). */
  readonly backoff?: BackoffOptions;
  /** Start paused (handlers run only after {@link WorkQueue.resume}). Default false. */
  readonly paused?: boolean;
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
}

/** Options of {@link WorkQueue.shutdown}. */
export interface ShutdownOptions {
  /** Wait for the handlers in flight to finish (default true). Queued keys are dropped either way. */
  readonly drain?: boolean;
}

/**
 * A per-key work queue with client-go's guarantees:
 * - a key is never queued twice (adding a queued key does nothing), and never handled
 *   by two workers at once (a key added while it is being handled is handled again
 *   once, after the running handler finishes) — so bursts for one key coalesce and
 *   the handler, reading the latest state, sees each key's changes in order;
 * - at most `concurrency` handlers run at once;
 * - a handler that throws is logged and retried after a per-key exponential backoff
 *   (capped); success resets the key's failure count. Never fatal.
 * - {@link shutdown} with `drain` lets the handlers in flight finish.
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failureCounts = new Map<K, number>();
  private readonly retryTimers = new Map<K, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private abort = new AbortController();
  private paused: boolean;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkQueueOptions<K>) {
    this.concurrency = wholeNumberOption('concurrency', options.concurrency ?? 4, { min: 1 });
    this.paused = options.paused ?? false;
    this.logger = options.logger ?? silentLogger;
    this.backoff = exponentialBackoff(options.backoff, WORK_QUEUE_BACKOFF);
  }

  /** Queues `key` unless it is already queued; a key being handled is handled again afterwards. */
  add(key: K): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs` (a later {@link add} does not wait for it). */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    const existing = this.retryTimers.get(key);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      this.add(key);
    }, delayMs);
    this.retryTimers.set(key, timer);
  }

  /** Failures in a row of `key` (0 after a success). */
  numRequeues(key: K): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** Keys waiting to be handled. */
  get length(): number {
    return this.queue.length;
  }

  /** Handlers running now. */
  get active(): number {
    return this.processing.size;
  }

  /** Keys waiting for a backoff retry. */
  get retrying(): number {
    return this.retryTimers.size;
  }

  /** True while handlers are held back. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Holds back new handlers (queued keys stay queued) and aborts the signal of those
   * in flight, e.g. when leadership is lost. Resolves once those in flight finished.
   */
  async pause(): Promise<void> {
    this.paused = true;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Lets handlers run again after {@link pause}. */
  resume(): void {
    if (!this.paused || this.shuttingDown) return;
    this.paused = false;
    this.abort = new AbortController();
    this.pump();
  }

  /** Resolves once nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops the queue: nothing new is queued or started, retries are cancelled; with
   * `drain` (the default) it resolves once the handlers in flight finished, without it
   * their signal is aborted and it resolves at once.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.shuttingDown = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    if (options.drain === false) {
      this.abort.abort();
      this.notifyIdle();
      return;
    }
    await Promise.allSettled([...this.inFlight]);
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.retryTimers.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.shuttingDown) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private pump(): void {
    while (!this.paused && !this.shuttingDown && this.processing.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as K;
      this.dirty.delete(key);
      this.processing.add(key);
      const timer = this.retryTimers.get(key);
      if (timer) {
        // this run supersedes the pending retry
        clearTimeout(timer);
        this.retryTimers.delete(key);
      }
      const run = this.run(key);
      this.inFlight.add(run);
      const forget = (): boolean => this.inFlight.delete(run);
      run.then(forget, forget);
    }
  }

  private async run(key: K): Promise<void> {
    const failures = this.failureCounts.get(key) ?? 0;
    try {
      await this.options.handler(key, { failures, signal: this.abort.signal });
      this.failureCounts.delete(key);
    } catch (err) {
      const count = failures + 1;
      this.failureCounts.set(key, count);
      const delay = delayAfter(this.backoff, count);
      this.logger.error({ key, failures: count, retryInMs: delay, err: err instanceof Error ? err.message : String(err) }, 'work queue: handler failed; will retry');
      if (!this.shuttingDown) this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      if (this.dirty.has(key) && !this.shuttingDown) this.queue.push(key);
      this.pump();
      this.notifyIdle();
    }
  }
}
