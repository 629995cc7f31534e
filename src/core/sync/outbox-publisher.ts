import { wholeNumberOption } from '../errors/index.js';
import type { KeyValueStore } from '../kv/index.js';
import type { MirrorSource } from '../store/index.js';
import { createCollapsingPublisher } from './collapsing-publisher.js';
import { createOrderedPublisher } from './ordered-publisher.js';
import { type Fence, type PublisherStats } from './types.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Options of {@link createOutboxPublisher}. */
export interface OutboxPublisherOptions {
  /** Where the outbox rows come from (the SQL store); its commit feed wakes the publisher. */
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
   * commits of that window go to etcd in one transaction. An urgent commit (a write with
   * the store's `urgent` option: a bind waiting for its shim) skips the wait; so does
   * {@link OutboxPublisher.flush}. 0 publishes on the next turn of the event loop.
   */
  readonly lingerMs?: number;
  /** Called after every published round (for metrics). */
  readonly onPublished?: (info: { readonly rows: number; readonly ops: number; readonly maxSeq: number }) => void;
  /** Called after every failed attempt (for metrics). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Drains the transactional outbox into etcd, continuously and in commit order. Woken by
 * one input, the store's commit feed; failures (etcd down, SQL busy) are retried forever
 * with exponential backoff, and the loop never throws: errors are logged and counted.
 */
export interface OutboxPublisher {
  /** Starts the background loop (idempotent). */
  start(): void;
  /**
   * Stops the loop: no transaction starts after this call; resolves once the one in
   * flight (if any) settled. Pending flushes reject with `GLUON_ERR_SYNC_STOPPED`.
   */
  stop(): Promise<void>;
  /**
   * Resolves once every change committed before the call is in etcd (a round started
   * after the call found the outbox drained). Rejects with `GLUON_ERR_SYNC_FLUSH_TIMEOUT`
   * after `timeoutMs` (default 60 s), `GLUON_ERR_SYNC_STOPPED` when not running.
   */
  flush(timeoutMs?: number): Promise<void>;
  /**
   * Lag, counters and the failure of the attempts since the last successful round;
   * `pending`/`oldestAgeMs` come from the outbox table (rows not yet published).
   */
  stats(): Promise<PublisherStats>;
}

/** Validated options with their defaults. @internal */
export interface PublisherSettings extends Omit<OutboxPublisherOptions, 'logger' | 'fence'> {
  readonly logger: Logger;
  readonly fence: Fence | undefined;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly minPollMs: number;
  readonly maxPollMs: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly deleteIntervalMs: number;
  readonly deleteEveryRows: number;
  readonly maxBuffered: number;
  readonly lingerMs: number;
}

/**
 * Creates the publisher that fits the source, chosen once from what it reports about its
 * ordering: the ordered publisher (cursor, commit feed, watermark deletes) when seq order
 * is commit order (`seqOrderIsCommitOrder`, SQLite), else the collapsing publisher (reads
 * from seq 0, deletes exactly the rows it published). Create it once the store is
 * connected: a store that does not know its ordering yet gets the collapsing publisher,
 * which is correct for every source.
 * @throws ConfigError `GLUON_ERR_CONFIG` naming a numeric option that is out of range.
 */
export function createOutboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
  const settings = publisherSettings(options);
  return options.source.seqOrderIsCommitOrder === true ? createOrderedPublisher(settings) : createCollapsingPublisher(settings);
}

function publisherSettings(options: OutboxPublisherOptions): PublisherSettings {
  const batchSize = positive('batchSize', options.batchSize ?? 1024);
  const minPollMs = positive('minPollMs', options.minPollMs ?? 10);
  const lingerMs = wholeNumberOption('lingerMs', options.lingerMs ?? 5, { min: 0, unit: 'ms' });
  return {
    ...options,
    logger: options.logger ?? silentLogger,
    fence: options.fence,
    batchSize,
    concurrency: positive('concurrency', options.concurrency ?? 8),
    minPollMs,
    maxPollMs: Math.max(minPollMs, positive('maxPollMs', options.maxPollMs ?? 200)),
    retryInitialDelayMs: positive('retryInitialDelayMs', options.retryInitialDelayMs ?? 100),
    retryMaxDelayMs: positive('retryMaxDelayMs', options.retryMaxDelayMs ?? 2000),
    deleteIntervalMs: positive('deleteIntervalMs', options.deleteIntervalMs ?? 1000),
    deleteEveryRows: positive('deleteEveryRows', options.deleteEveryRows ?? 4 * batchSize),
    maxBuffered: positive('maxBuffered', options.maxBuffered ?? 16 * batchSize),
    lingerMs,
  };
}

function positive(name: string, value: number): number {
  return wholeNumberOption(name, value, { min: 1 });
}
