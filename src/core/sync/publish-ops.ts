import type { KeyValueStore, TxnOp } from '../kv/index.js';
import { chunk, type CollapsedBatch } from './batch.js';
import type { Fence } from './types.js';

/** Thrown inside a round when the fence refused a transaction (leadership gone). @internal */
export class FencedSignal extends Error {}

/** Thrown inside a round when stop() was called between two transactions. @internal */
export class StoppedSignal extends Error {}

/** A publisher's running totals (mutated by {@link publishOps} and the retry policy). @internal */
export interface PublishCounters {
  lastPublishedSeq: number;
  publishedOps: number;
  publishedRows: number;
  publishErrors: number;
}

/** Where {@link publishOps} writes and what it updates. @internal */
export interface PublishTarget {
  readonly kv: Pick<KeyValueStore, 'txn'>;
  /** Added to every transaction; a refused one throws {@link FencedSignal}. */
  readonly fence: Fence | undefined;
  /** Operations per transaction (one less than etcd's limit when fenced). */
  readonly txnOps: number;
  /** Transactions in flight at once (the keys of one batch are distinct). */
  readonly concurrency: number;
  readonly counters: PublishCounters;
  /** True once the publisher stops: no further transaction starts. */
  readonly stopped: () => boolean;
  readonly onPublished?: ((info: { readonly rows: number; readonly ops: number; readonly maxSeq: number }) => void) | undefined;
}

/**
 * Writes a collapsed batch of `rows` outbox rows into etcd, in transactions of at most
 * `txnOps` operations with `concurrency` of them in flight, then counts it. Resolves once
 * etcd acknowledged every operation; rejects on the first failure (the caller retries the
 * whole batch: puts and deletes are idempotent).
 */
export async function publishOps(target: PublishTarget, batch: CollapsedBatch, rows: number): Promise<void> {
  // one transaction (a bind, a few writes): no chunks, no workers
  if (batch.ops.length > 0 && batch.ops.length <= target.txnOps) await publishTxn(target, batch.ops);
  else await publishChunks(target, chunk(batch.ops, target.txnOps));
  const counters = target.counters;
  counters.publishedRows += rows;
  counters.publishedOps += batch.ops.length;
  if (batch.maxSeq > counters.lastPublishedSeq) counters.lastPublishedSeq = batch.maxSeq;
  target.onPublished?.({ rows, ops: batch.ops.length, maxSeq: batch.maxSeq });
}

/** The transactions of a large batch, `target.concurrency` of them in flight. */
async function publishChunks(target: PublishTarget, chunks: readonly (readonly TxnOp[])[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const ops = chunks[next++] as TxnOp[];
      await publishTxn(target, ops);
    }
  };
  await Promise.all(Array.from({ length: Math.min(target.concurrency, chunks.length) }, worker));
}

async function publishTxn(target: PublishTarget, ops: readonly TxnOp[]): Promise<void> {
  if (target.stopped()) throw new StoppedSignal();
  const fence = target.fence;
  const res = await target.kv.txn({ compare: fence === undefined ? [] : [fence], success: ops });
  if (!res.succeeded) throw new FencedSignal('fenced');
}
