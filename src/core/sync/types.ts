import type { Compare } from '../kv/index.js';

/**
 * A leader's fence: a guard added to every transaction the leader writes, so a deposed
 * leader's in-flight transaction cannot land once its election key is gone
 * (`{ key: <election key>, op: '=', createRevision: <its create revision> }`).
 */
export type Fence = Compare;

/** Publisher lag and counters (for `/readyz`, `/metrics` and tests). */
export interface PublisherStats {
  /** Outbox rows not yet published. */
  readonly pending: number;
  /** Age in ms of the oldest pending change (0 when nothing is pending). */
  readonly oldestAgeMs: number;
  /** Highest outbox sequence number published so far by this publisher (0 before the first). */
  readonly lastPublishedSeq: number;
  /** etcd operations published (after collapsing several changes of one key into one). */
  readonly publishedOps: number;
  /** Outbox rows published and removed. */
  readonly publishedRows: number;
  /** Failed publishing attempts (each is retried with backoff). */
  readonly publishErrors: number;
  /** True while the publisher's loop runs. */
  readonly running: boolean;
  /** While publishing fails: since when, how many attempts in a row, the last cause. */
  readonly failure?: PublisherFailure;
}

/** Publishing has failed since `since` (epoch ms), `attempts` times in a row; `error` is the last cause. */
export interface PublisherFailure {
  readonly since: number;
  readonly attempts: number;
  readonly error: string;
}
