import { GluonError, isGluonError } from '../errors/index.js';
import { KvCompactedError, isKvError, listPages, type KeyValueStore, type Watch, type WatchEvent } from '../kv/index.js';
import type { StoredObject } from '../store/index.js';
import { classifyChange, parseStored, type VisibilityCheck } from './watch-events.js';
import type { SseEvent, SseStream } from './sse-stream.js';

/** What one watch stream follows and how it shapes what it sends. */
export interface WatchSessionPlan {
  /** The key/value store the objects are mirrored in. */
  readonly kv: KeyValueStore;
  /** The kv prefix of the watched object (`/proton/<api>/<Object>/`). */
  readonly prefix: string;
  /** Whether the caller may see a state of an object (filters, parent scope, policy). */
  readonly visible: VisibilityCheck;
  /** The `data:` of an object event: the object as GET returns it. */
  readonly render: (object: StoredObject) => string;
  /** Send only changes after this revision (no initial list). */
  readonly resumeAfter?: number;
  /** Keys per page of the initial list. */
  readonly pageSize?: number;
  /** Reports a failure the client only sees as a closed stream. */
  readonly log: (err: unknown, message: string) => void;
}

function expired(after: number, cause?: unknown): GluonError {
  return new GluonError(
    'GLUON_ERR_WATCH_EXPIRED',
    `The changes after revision ${after} are no longer available (the store compacted its history). List again, then watch from the new revision.`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * One watch stream: optionally the current objects as `ADDED` events and a `BOOKMARK`,
 * then every change after that revision, as the caller may see it.
 *
 * Events are sent per revision: the events of one revision (one transaction may write
 * several objects) go out together and only the last carries `id: <revision>`, so a
 * client resuming from its last event id never skips the rest of a revision.
 */
export class WatchSession {
  private watch: Watch | undefined;
  private pending: SseEvent[] = [];
  private pendingRevision = 0;
  private flushScheduled = false;

  constructor(
    private readonly stream: SseStream,
    private readonly plan: WatchSessionPlan,
  ) {
    stream.onEnd(() => {
      this.stop().catch(() => undefined);
    });
  }

  /** Opens the stream and runs it until the client leaves, the server closes or the watch fails. */
  async run(): Promise<void> {
    this.stream.open();
    let after = this.plan.resumeAfter;
    try {
      if (after === undefined) {
        after = await this.sendInitialList();
        if (after === undefined) return;
        this.stream.send({ event: 'BOOKMARK', id: String(after), data: '{}' });
      }
      const from = after;
      const watch = await this.plan.kv.watch(
        { prefix: this.plan.prefix, fromRevision: from + 1, prevValue: true, onError: (err) => this.onWatchError(err, from) },
        (event) => this.onEvent(event),
      );
      this.watch = watch;
      if (this.stream.closed) await watch.close();
    } catch (err) {
      this.onWatchError(err, after ?? 0);
    }
  }

  /** Stops the kv watch (the stream is ending). */
  async stop(): Promise<void> {
    const watch = this.watch;
    this.watch = undefined;
    this.pending = [];
    await watch?.close().catch((err: unknown) => this.plan.log(err, 'watch stream: closing the kv watch failed'));
  }

  /** Sends every visible object as ADDED, page by page at one revision; resolves with that revision (undefined if the client left). */
  private async sendInitialList(): Promise<number | undefined> {
    let revision = 0;
    for await (const page of listPages(this.plan.kv, this.plan.prefix, this.plan.pageSize === undefined ? {} : { pageSize: this.plan.pageSize })) {
      revision = page.revision;
      for (const kv of page.kvs) {
        const object = parseStored(kv.value);
        if (object === undefined || !(await this.plan.visible(object))) continue;
        if (!(await this.stream.sendPaced({ event: 'ADDED', data: this.plan.render(object) }))) return undefined;
      }
      if (this.stream.closed) return undefined;
    }
    if (revision === 0) revision = await this.plan.kv.currentRevision();
    return revision;
  }

  private async onEvent(event: WatchEvent): Promise<void> {
    if (this.stream.closed) return;
    if (event.modRevision !== this.pendingRevision) this.flush();
    this.pendingRevision = event.modRevision;
    const change = await classifyChange(event, this.plan.visible);
    if (change === undefined || this.stream.closed) return;
    this.pending.push({ event: change.type, data: this.plan.render(change.object) });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Sends the pending events of one revision, the last one with the revision as its id. */
  private flush(): void {
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    const last = events.length - 1;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as SseEvent;
      const sent = this.stream.send(i === last ? { ...event, id: String(this.pendingRevision) } : event);
      if (!sent) return;
    }
  }

  private onWatchError(err: unknown, after: number): void {
    if (this.stream.closed) return;
    if (err instanceof KvCompactedError || (isKvError(err) && err.code === 'GLUON_ERR_KV_COMPACTED')) {
      this.stream.fail(expired(after, err), 'expired');
      return;
    }
    this.plan.log(err, 'watch stream: the kv watch failed');
    const failure = isGluonError(err) && err.status < 500 ? err : new GluonError('GLUON_ERR_KV_WATCH_FAILED', 'The server lost its watch on the key/value store; reconnect with Last-Event-ID to resume.', { cause: err });
    this.stream.fail(failure, 'error');
  }
}
