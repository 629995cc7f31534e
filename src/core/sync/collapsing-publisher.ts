import { collapseOutbox } from './batch.js';
import type { OutboxPublisher, PublisherSettings } from './outbox-publisher.js';
import { publishOps, type PublishTarget } from './publish-ops.js';
import { PublisherLoop, type PublisherRounds, type RoundResult } from './publisher-loop.js';

/**
 * The publisher for sources where a lower seq may commit after a higher one (MySQL with
 * several servers). One round reads up to `batchSize` rows from seq 0 (published rows are
 * deleted, so the outbox only holds pending ones, and reading from 0 never skips a row
 * that committed late), collapses them to one operation per key (the key's last change),
 * writes the operations to etcd, and only then deletes exactly the rows read. A row is
 * therefore deleted only after etcd acknowledged its key's latest value; a crash between
 * the two republishes the same values (at-least-once, idempotent). A key's later changes
 * are in later rows, read by a later round, so etcd always ends with the latest value.
 * @internal
 */
export function createCollapsingPublisher(settings: PublisherSettings): OutboxPublisher {
  return new PublisherLoop(settings, (target) => new CollapsingRounds(settings, target));
}

class CollapsingRounds implements PublisherRounds {
  /** A small batch lets more writes gather: one round per write would cost SQL reads and deletes competing with the API's writes. */
  readonly pausesAfterPartialBatch = true;
  /** The delete of the last published batch, overlapping the next round. */
  #deletion: Promise<void> | undefined;
  /** The seqs that delete removes: the next round reads past them and skips them. */
  #deleting: ReadonlySet<number> = new Set();

  constructor(
    private readonly settings: PublisherSettings,
    private readonly target: PublishTarget,
  ) {}

  started(): void {}

  /** Commits only wake the loop: every round reads the table. */
  fed(): void {}

  readTable(): void {}

  pendingAfter(): undefined {
    return undefined;
  }

  beforeSettle(): Promise<void> {
    return Promise.resolve();
  }

  stopped(): Promise<void> {
    return this.#finishDeletion();
  }

  async round(): Promise<RoundResult> {
    // the previous round's rows may still be being deleted: read past them and skip them
    // (their etcd writes were acknowledged before this round started: per-key order holds)
    const deleting = this.#deleting;
    const limit = this.settings.batchSize + deleting.size;
    const read = await this.settings.source.readOutbox(0, limit);
    const rows = deleting.size === 0 ? read : read.filter((r) => !deleting.has(r.seq));
    const drained = read.length < limit;
    if (rows.length === 0) {
      await this.#finishDeletion();
      return { rows: 0, drained };
    }
    const batch = collapseOutbox(rows);
    await publishOps(this.target, batch, rows.length);
    // at most one delete in flight: wait for the previous one, then start this one
    await this.#finishDeletion();
    this.#deleting = new Set(batch.seqs);
    const deletion = this.settings.source.deleteOutbox(batch.seqs);
    deletion.catch(() => undefined);
    this.#deletion = deletion;
    return { rows: rows.length, drained };
  }

  /** Waits for the delete in flight; on failure its rows are simply published again. */
  async #finishDeletion(): Promise<void> {
    const deletion = this.#deletion;
    if (deletion === undefined) return;
    try {
      await deletion;
    } finally {
      this.#deletion = undefined;
      this.#deleting = new Set();
    }
  }
}
