import type { CommitNotice, OutboxEntry } from '../store/index.js';
import { collapseOutbox } from './batch.js';
import type { OutboxPublisher, PublisherSettings } from './outbox-publisher.js';
import { publishOps, type PublishTarget } from './publish-ops.js';
import { PublisherLoop, type PublisherRounds, type RoundResult } from './publisher-loop.js';

/**
 * The publisher for sources whose seq order is commit order (SQLite: one writer at a
 * time, seqs never reused), followed with a cursor: every row with seq ≤ cursor is in
 * etcd. A round takes this process's commits from the store's commit feed when they
 * follow the cursor without a gap — no SQL read at all — and otherwise reads the table
 * after the cursor (start-up, another process's rows, a feed overflow while etcd is
 * down, a flush, the idle safety poll). One round is in flight at a time and the next
 * takes whatever committed meanwhile. Published rows are deleted by watermark
 * (`seq <= cursor`) at most once per `deleteIntervalMs` or `deleteEveryRows`, and on
 * flush; a crash before that only republishes the same latest values (idempotent puts),
 * and per-key order holds because rounds follow seq order.
 * @internal
 */
export function createOrderedPublisher(settings: PublisherSettings): OutboxPublisher {
  return new PublisherLoop(settings, (target) => new OrderedRounds(settings, target));
}

class OrderedRounds implements PublisherRounds {
  readonly pausesAfterPartialBatch = false;
  /** Every row with seq <= cursor is in etcd. */
  #cursor = 0;
  /** Rows with seq <= deletedUpTo were deleted (or their delete is in flight). */
  #deletedUpTo = 0;
  #lastDeleteAt = Date.now();
  #deletion: Promise<void> | undefined;
  /** Committed entries from the store's feed, in seq order, not yet published. */
  #buffer: OutboxEntry[] = [];
  /** The next round with an empty buffer reads the table (start, overflow, flush, safety poll). */
  #mustRead = true;

  constructor(
    private readonly settings: PublisherSettings,
    private readonly target: PublishTarget,
  ) {}

  started(): void {
    this.#buffer = [];
    this.#mustRead = true;
  }

  fed(notice: CommitNotice): void {
    if (this.#buffer.length + notice.entries.length > this.settings.maxBuffered) {
      // etcd is slow or down: stop holding values in memory; the table has them all
      this.#buffer = [];
      this.#mustRead = true;
      return;
    }
    for (const e of notice.entries) this.#buffer.push(e);
  }

  readTable(): void {
    this.#mustRead = true;
  }

  pendingAfter(): number {
    return this.#cursor;
  }

  beforeSettle(): Promise<void> {
    return this.#maybeDelete(true);
  }

  async stopped(): Promise<void> {
    this.#buffer = [];
    await this.#deletion;
  }

  /**
   * Takes the buffered commits when they follow the cursor without a gap, else reads the
   * table after the cursor. Nothing is skipped: a buffered entry is used only when its seq
   * is exactly the next one, so any row the feed did not deliver makes the round read.
   */
  async round(): Promise<RoundResult> {
    this.#dropPublished();
    const buffer = this.#buffer;
    const head = buffer[0];
    if (head !== undefined && head.seq === this.#cursor + 1) {
      let n = 1;
      while (n < buffer.length && n < this.settings.batchSize && (buffer[n] as OutboxEntry).seq === (buffer[n - 1] as OutboxEntry).seq + 1) n++;
      // peek, publish, then drop: a failed round retries the same entries; the feed holds
      // this process's commits only, so a pending table read still happens once
      return this.#publish(buffer.slice(0, n), n === buffer.length && !this.#mustRead, false);
    }
    if (head === undefined && !this.#mustRead) return { rows: 0, drained: true };
    const rows = await this.settings.source.readOutbox(this.#cursor, this.settings.batchSize);
    return this.#publish(rows, rows.length < this.settings.batchSize, true);
  }

  /** Publishes rows that follow the cursor (in seq order), advances it, and deletes lazily. */
  async #publish(rows: readonly OutboxEntry[], drained: boolean, fromTable: boolean): Promise<RoundResult> {
    if (rows.length > 0) {
      const batch = collapseOutbox(rows);
      await publishOps(this.target, batch, rows.length);
      this.#cursor = Math.max(this.#cursor, batch.maxSeq);
      this.#dropPublished();
    }
    if (drained && fromTable) this.#mustRead = false;
    await this.#maybeDelete(false);
    return { rows: rows.length, drained };
  }

  /** Drops the buffered entries the cursor has passed. */
  #dropPublished(): void {
    let drop = 0;
    while (drop < this.#buffer.length && (this.#buffer[drop] as OutboxEntry).seq <= this.#cursor) drop++;
    if (drop > 0) this.#buffer.splice(0, drop);
  }

  /**
   * Deletes every row up to the cursor (all published) when enough rows or time
   * accumulated, or when `force`d. At most one delete in flight; it overlaps the next
   * rounds (they read after the cursor, so they never see those rows).
   */
  async #maybeDelete(force: boolean): Promise<void> {
    const upTo = this.#cursor;
    if (upTo <= this.#deletedUpTo) {
      if (force) await this.#deletion;
      return;
    }
    const due = force || upTo - this.#deletedUpTo >= this.settings.deleteEveryRows || Date.now() - this.#lastDeleteAt >= this.settings.deleteIntervalMs;
    if (!due) return;
    if (this.#deletion !== undefined) {
      if (!force) return;
      await this.#deletion;
    }
    this.#lastDeleteAt = Date.now();
    const previous = this.#deletedUpTo;
    this.#deletedUpTo = upTo;
    const deletion = this.settings.source.deleteOutbox(upTo).catch((err: unknown) => {
      // the rows stay; a later delete covers them (or a restart republishes them: idempotent)
      if (this.#deletedUpTo === upTo) this.#deletedUpTo = previous;
      this.settings.logger.warn({ err, upTo }, 'outbox publisher: deleting published outbox rows failed; will retry');
    });
    this.#deletion = deletion.finally(() => {
      if (this.#deletion === settled) this.#deletion = undefined;
    });
    const settled = this.#deletion;
    if (force) await settled;
  }
}
