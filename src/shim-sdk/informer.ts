import { Reflector, type KeyValue, type KeyValueStore, type ReflectorListing, type WatchEvent } from '../core/kv/index.js';
import type { BackoffOptions } from '../core/retry/index.js';
import { silentLogger, type Logger } from '../core/log/index.js';

/** One object held by an {@link Informer}'s cache. */
export interface CachedObject<T> {
  /** The etcd key (without the store's prefix). */
  readonly key: string;
  /** The parsed value. */
  readonly object: T;
  /** Revision of the write that produced this value. */
  readonly modRevision: number;
}

/** A change seen by an {@link Informer}. */
export interface InformerEvent<T> {
  /** `added` (new key), `updated` (new value of a known key), `deleted` (key gone). */
  readonly type: 'added' | 'updated' | 'deleted';
  /** The etcd key. */
  readonly key: string;
  /** The new object (`added`, `updated`); the last known object for `deleted`. */
  readonly object: T;
  /** The previous object (`updated`, `deleted`). */
  readonly oldObject?: T;
  /** Revision of the change (for synthetic events: the relist's revision). */
  readonly revision: number;
  /**
   * True when the event was derived by diffing a relist against the cache (after a
   * compaction or watch failure) rather than seen on the watch: a `deleted` event then
   * carries the last state the informer knew (client-go's DeletedFinalStateUnknown).
   */
  readonly synthetic: boolean;
}

/** Receives informer events one at a time; a returned promise is awaited before the next. */
export type InformerHandler<T> = (event: InformerEvent<T>) => void | Promise<void>;

/** Options of {@link Informer}. */
export interface InformerOptions<T> {
  /** The key prefix to follow (e.g. `/proton/net-l3vpn/`). */
  readonly prefix: string;
  /** Turns a value into an object; throw to reject it (logged, skipped). Default `JSON.parse`. */
  readonly parse?: (value: string, key: string) => T;
  /** Keys per page when listing (default 4,000, `DEFAULT_PAGE_SIZE`). */
  readonly pageSize?: number;
  /** Backoff between failed relists (default 100 ms doubling up to 5 s). */
  readonly relistBackoff?: BackoffOptions;
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
}

/**
 * Follows every key under a prefix: lists it (paged, one consistent revision R), then
 * watches from R + 1, keeping a local cache handlers can read. The list-then-watch loop
 * is the key/value port's `Reflector`; the informer adds the cache, parsing and events.
 *
 * - Disconnects from etcd are absorbed by the watch, which resumes from the last
 *   revision it delivered; {@link stop} then {@link start} resumes the same way.
 * - On compaction, or on ANY watch error, the informer relists, diffs the result
 *   against its cache and delivers synthetic `deleted` events for keys that vanished
 *   meanwhile (and `added`/`updated` for the others that changed), then watches again.
 *   A failing relist is retried with backoff.
 * - Values are JSON: a value that does not parse is logged and skipped (the key keeps
 *   its last good value), never fatal.
 *
 * Events are delivered in revision order, one at a time.
 */
export class Informer<T = unknown> {
  private readonly cache = new Map<string, CachedObject<T>>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly prefix: string;
  private readonly parse: (value: string, key: string) => T;
  private readonly logger: Logger;
  private readonly reflector: Reflector;

  constructor(kv: KeyValueStore, options: InformerOptions<T>) {
    this.prefix = options.prefix;
    this.parse = options.parse ?? ((value: string) => JSON.parse(value) as T);
    this.logger = options.logger ?? silentLogger;
    this.reflector = new Reflector(
      kv,
      { beginList: (relist) => this.beginList(relist), onEvent: (event) => this.onWatchEvent(event) },
      {
        prefix: options.prefix,
        name: 'informer',
        logger: this.logger,
        ...(options.relistBackoff === undefined ? {} : { relistBackoff: options.relistBackoff }),
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      },
    );
  }

  /** Registers a handler for every later event. */
  on(handler: InformerHandler<T>): this {
    this.handlers.push(handler);
    return this;
  }

  /** The last revision the cache reflects (0 before the first list). */
  get revision(): number {
    return this.reflector.revision;
  }

  /** True once the initial list was loaded into the cache. */
  get hasSynced(): boolean {
    return this.reflector.hasSynced;
  }

  /** True between {@link start} and {@link stop}. */
  get isRunning(): boolean {
    return this.reflector.isRunning;
  }

  /** Number of relists done after the initial list (compaction or watch failure). */
  get relists(): number {
    return this.reflector.relists;
  }

  /** The cached object at `key`. */
  get(key: string): T | undefined {
    return this.cache.get(key)?.object;
  }

  /** The cached entry (object and revision) at `key`. */
  entry(key: string): CachedObject<T> | undefined {
    return this.cache.get(key);
  }

  /** The cached entries whose key starts with `prefix` (default: all), in no particular order. */
  list(prefix = ''): CachedObject<T>[] {
    const out: CachedObject<T>[] = [];
    for (const entry of this.cache.values()) if (entry.key.startsWith(prefix)) out.push(entry);
    return out;
  }

  /** Number of cached keys. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Starts following the prefix. The first start lists it (an `added` event per key)
   * and resolves once the cache is loaded and the watch runs; a start after
   * {@link stop} resumes from the last revision seen (relisting and diffing when that
   * history was compacted meanwhile).
   */
  async start(): Promise<void> {
    await this.reflector.start();
  }

  /**
   * Stops following: closes the watch (no event is delivered after this resolves) and
   * keeps the cache and the revision, so {@link start} resumes where it stopped.
   */
  async stop(): Promise<void> {
    await this.reflector.stop();
  }

  /** Reconciles the cache with one listing, delivering the differences (synthetic on a relist). */
  private beginList(diff: boolean): ReflectorListing {
    const seen = new Set<string>();
    const pending: InformerEvent<T>[] = [];
    return {
      add: (kv: KeyValue) => {
        seen.add(kv.key);
        const old = this.cache.get(kv.key);
        if (old && old.modRevision === kv.modRevision) return;
        const object = this.tryParse(kv.value, kv.key);
        if (object === undefined) return;
        pending.push(
          old
            ? { type: 'updated', key: kv.key, object: object.value, oldObject: old.object, revision: kv.modRevision, synthetic: diff }
            : { type: 'added', key: kv.key, object: object.value, revision: kv.modRevision, synthetic: diff },
        );
      },
      // a relist reads keys only and fetches just the values the cache does not hold yet
      needsValue: (kv: KeyValue) => this.cache.get(kv.key)?.modRevision !== kv.modRevision,
      finish: async (revision: number) => {
        for (const [key, old] of this.cache) {
          if (!seen.has(key)) pending.push({ type: 'deleted', key, object: old.object, oldObject: old.object, revision, synthetic: true });
        }
        for (const event of pending) {
          if (event.type === 'deleted') this.cache.delete(event.key);
          else this.cache.set(event.key, { key: event.key, object: event.object, modRevision: event.revision });
        }
        if (diff && pending.length > 0) this.logger.info({ prefix: this.prefix, revision, changes: pending.length }, 'informer: relist delivered missed changes');
        for (const event of pending) await this.deliver(event);
      },
    };
  }

  private tryParse(value: string, key: string): { value: T } | undefined {
    try {
      return { value: this.parse(value, key) };
    } catch (err) {
      this.logger.error({ key, err: (err as Error).message, value: value.slice(0, 200) }, 'informer: value is not valid; skipped');
      return undefined;
    }
  }

  private async onWatchEvent(event: WatchEvent): Promise<void> {
    const old = this.cache.get(event.key);
    if (event.type === 'delete') {
      if (!old) return;
      this.cache.delete(event.key);
      await this.deliver({ type: 'deleted', key: event.key, object: old.object, oldObject: old.object, revision: event.modRevision, synthetic: false });
      return;
    }
    const parsed = this.tryParse(event.value ?? '', event.key);
    if (parsed === undefined) return;
    this.cache.set(event.key, { key: event.key, object: parsed.value, modRevision: event.modRevision });
    await this.deliver(
      old
        ? { type: 'updated', key: event.key, object: parsed.value, oldObject: old.object, revision: event.modRevision, synthetic: false }
        : { type: 'added', key: event.key, object: parsed.value, revision: event.modRevision, synthetic: false },
    );
  }

  private async deliver(event: InformerEvent<T>): Promise<void> {
    for (const handler of this.handlers) {
      try {
        await handler(event);
      } catch (err) {
        this.logger.error({ key: event.key, type: event.type, err: (err as Error).message }, 'informer: handler failed');
      }
    }
  }
}
