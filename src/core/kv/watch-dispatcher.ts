import type { KvError } from './errors.js';
import type { Watch, WatchErrorHandler, WatchEvent, WatchHandler } from './types.js';
import type { Logger } from '../log/index.js';

type Item = { kind: 'event'; event: WatchEvent } | { kind: 'progress'; revision: number } | { kind: 'error'; error: KvError };

/** What a {@link WatchDispatcher} is made of. @internal */
export interface WatchDispatcherParts {
  /** The initial `lastRevision` (everything up to it counts as delivered). */
  readonly startRevision: number;
  /** The caller's event handler. */
  readonly handler: WatchHandler;
  /** Frees the underlying watch (called once, on close or failure). */
  readonly release: () => Promise<void>;
  /** Where handler exceptions are reported. */
  readonly logger?: Logger | undefined;
}

/**
 * Delivers a watch's events to its handler one at a time, in the order they were pushed
 * (the stores push whole revisions, in revision order), awaiting the handler's promise
 * before the next event. Shared by both stores so their watches behave identically.
 * A handler that throws is logged and the watch goes on (the handler owns its retries).
 *
 * @internal
 */
export class WatchDispatcher implements Watch {
  private revision: number;
  private isClosed = false;
  private readonly queue: Item[] = [];
  private draining: Promise<void> | undefined;
  private failure: KvError | undefined;
  private readonly errorHandlers: WatchErrorHandler[] = [];

  private readonly handler: WatchHandler;
  private readonly release: () => Promise<void>;
  private readonly logger: Logger | undefined;

  constructor(parts: WatchDispatcherParts) {
    this.revision = parts.startRevision;
    this.handler = parts.handler;
    this.release = parts.release;
    this.logger = parts.logger;
  }

  /** @inheritDoc */
  get lastRevision(): number {
    return this.revision;
  }

  /** @inheritDoc */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues the events of one or more complete revisions. */
  push(events: readonly WatchEvent[]): void {
    if (this.isClosed || this.failure) return;
    for (const event of events) this.queue.push({ kind: 'event', event });
    this.kick();
  }

  /** Records that nothing matching happened up to `revision` (etcd progress notification). */
  progress(revision: number): void {
    if (this.isClosed || this.failure) return;
    this.queue.push({ kind: 'progress', revision });
    this.kick();
  }

  /** Ends the watch with `error` once the events already queued were delivered. */
  fail(error: KvError): void {
    if (this.isClosed || this.failure) return;
    this.failure = error;
    this.queue.push({ kind: 'error', error });
    this.kick();
  }

  /** @inheritDoc */
  onError(cb: WatchErrorHandler): void {
    if (this.isClosed && this.failure) {
      const err = this.failure;
      queueMicrotask(() => cb(err));
      return;
    }
    this.errorHandlers.push(cb);
  }

  /**
   * Ends the watch at once with `error` (queued events are dropped): used when the store
   * itself is closed, so code waiting on a watch learns it will get nothing more.
   */
  async terminate(error: KvError): Promise<void> {
    if (this.isClosed) return;
    this.failure = error;
    this.isClosed = true;
    this.queue.length = 0;
    await this.release().catch(() => undefined);
    await this.draining;
    for (const cb of this.errorHandlers.splice(0)) {
      try {
        cb(error);
      } catch (err) {
        this.logger?.error({ err }, 'kv watch: onError callback threw');
      }
    }
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    await this.release();
    await this.draining;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const item = this.queue.shift();
      if (!item || this.isClosed) return;
      if (item.kind === 'progress') {
        if (item.revision > this.revision) this.revision = item.revision;
      } else if (item.kind === 'error') {
        this.isClosed = true;
        this.queue.length = 0;
        try {
          await this.release();
        } catch {
          // the watch is gone either way
        }
        for (const cb of this.errorHandlers.splice(0)) {
          try {
            cb(item.error);
          } catch (err) {
            this.logger?.error({ err }, 'kv watch: onError callback threw');
          }
        }
        return;
      } else {
        const ev = item.event;
        try {
          await this.handler(ev);
        } catch (err) {
          this.logger?.warn({ err, key: ev.key, revision: ev.modRevision }, 'kv watch: handler threw; the watch goes on');
        }
        const next = this.queue[0];
        if (!(next?.kind === 'event' && next.event.modRevision === ev.modRevision) && ev.modRevision > this.revision) {
          this.revision = ev.modRevision;
        }
      }
    }
  }
}
