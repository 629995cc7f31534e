import { wholeNumberOption } from '../errors/index.js';
import { MAX_TXN_OPS, type TxnOp } from '../kv/index.js';
import type { OutboxEntry } from '../store/index.js';

/** A batch of outbox rows reduced to one etcd operation per key. */
export interface CollapsedBatch {
  /** One put or delete per key: the key's last change in the batch, in first-seen key order. */
  readonly ops: readonly TxnOp[];
  /** Sequence numbers of every row the batch covers (to delete once published). */
  readonly seqs: readonly number[];
  /** Highest sequence number in the batch (0 for an empty batch). */
  readonly maxSeq: number;
}

/**
 * Collapses outbox rows (read in seq order) into one operation per key: the last change
 * wins, so a put followed by a delete of one key publishes just the delete, and two
 * updates publish just the second. The value each key ends with is the one it would
 * have had after applying every row in order.
 */
export function collapseOutbox(entries: readonly OutboxEntry[]): CollapsedBatch {
  const last = new Map<string, OutboxEntry>();
  const seqs: number[] = [];
  let maxSeq = 0;
  for (const entry of entries) {
    // delete + set moves a re-touched key to the end: keys stay ordered by their last change
    last.delete(entry.key);
    last.set(entry.key, entry);
    seqs.push(entry.seq);
    if (entry.seq > maxSeq) maxSeq = entry.seq;
  }
  const ops: TxnOp[] = [];
  for (const entry of last.values()) {
    ops.push(entry.value === null ? { type: 'delete', key: entry.key } : { type: 'put', key: entry.key, value: entry.value });
  }
  return { ops, seqs, maxSeq };
}

/** Splits operations into chunks of at most `size` (default {@link MAX_TXN_OPS}). */
export function chunk<T>(items: readonly T[], size: number = MAX_TXN_OPS): T[][] {
  wholeNumberOption('txnOps', size, { min: 1 });
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
