import type { KvError } from './errors.js';
import { listPages } from './list-all.js';
import type { KeyValue, KeyValueStore, Watch, WatchEvent } from './types.js';
import { withValues } from './reflector-values.js';
import type { Logger } from '../log/index.js';
import { delayAfter, exponentialBackoff, type Backoff, type BackoffDefaults, type BackoffOptions } from '../retry/index.js';

/** Receives one listing of a {@link Reflector}, key by key. */
export interface ReflectorListing {
  /** One listed key (page by page, in key order, all read at one revision). */
  add(kv: KeyValue): void;
  /**
   * The whole prefix was read at `revision`; the reflector's revision is already
   * `max(previous, revision)`. Make the cache equal to the listing here. Not called when
   * the reflector was stopped while listing (the listing is then dropped). A returned
   * promise is awaited before the reflector watches again.
   */
  finish(revision: number): void | Promise<void>;
  /**
   * Optional, for relists: whether a listed key's value is needed, judged from its key and
   * revisions alone (`value` is `''` here). When given, a relist reads keys only and
   * fetches the values of just the keys this accepts, at the listing's revision; every
   * other key reaches {@link add} with an empty value (e.g. a key the cache already holds
   * at that `modRevision`).
   */
  needsValue?(kv: KeyValue): boolean;
}

/** What a {@link Reflector} feeds: a cache of the keys under its prefix. */
export interface ReflectorTarget {
  /**
   * A listing begins: the first one (`relist` false) or one after the watch ended
   * (`relist` true: compaction or any other watch error). Returns where its keys go.
   */
  beginList(relist: boolean): ReflectorListing;
  /**
   * One watch event newer than the cache (events of one transaction share a revision;
   * older ones are dropped before this). The reflector's revision is already the
   * event's. A returned promise is awaited before the next event.
   */
  onEvent(event: WatchEvent): void | Promise<void>;
}

/** Options of {@link Reflector}. */
export interface ReflectorOptions {
  /** The key prefix to follow. */
  readonly prefix: string;
  /** Keys per page when listing (default 4,000, `DEFAULT_PAGE_SIZE`). */
  readonly pageSize?: number;
  /** Backoff between failed relists (default 100 ms doubling up to 5 s). */
  readonly relistBackoff?: BackoffOptions;
  /** Logger for watch ends and failed relists (default none). */
  readonly logger?: Logger;
  /** Names the owner in log messages (`informer: watch ended; relisting`). Default `reflector`. */
  readonly name?: string;
}

/** 100 ms doubling up to 5 s. */
const RELIST_BACKOFF: BackoffDefaults = { initialMs: 100, maxMs: 5000, factor: 2 };

/**
 * The list-then-watch loop behind every cache of a prefix (the shim SDK's informer, the
 * arbiter's port registry): list the prefix (paged, at one revision R), then watch from
 * R + 1, handing each listing and each newer event to a {@link ReflectorTarget}.
 *
 * - Disconnects from etcd are absorbed by the watch, which resumes from the last
 *   revision it delivered; {@link stop} then {@link start} resumes the same way.
 * - Before watching, the reflector reads the prefix at its revision: etcd keeps the
 *   compaction revision itself watchable but drops the deletes made at exactly that
 *   revision, so a watch from `R + 1` would miss them when `R + 1` is the compaction
 *   revision; the read fails in exactly the cases where needed history may be gone.
 * - When the watch ends (compaction, or any other error) or cannot open, the reflector
 *   lists again (`beginList(true)`) and watches from the new revision; a failing relist
 *   is retried with a growing delay.
 *
 * Works the same on etcd and on the in-process store.
 */
export class Reflector {
  private readonly prefix: string;
  private readonly name: string;
  private readonly relistBackoff: Backoff;
  private watch: Watch | undefined;
  private rev = 0;
  private synced = false;
  private running = false;
  private generation = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private relisting: Promise<void> | undefined;
  private relistCount = 0;

  /**
   * @param kv - The store to follow.
   * @param target - Receives the listings and events.
   * @param options - Prefix, paging, relist backoff, logging.
   */
  constructor(
    private readonly kv: KeyValueStore,
    private readonly target: ReflectorTarget,
    private readonly options: ReflectorOptions,
  ) {
    this.prefix = options.prefix;
    this.name = options.name ?? 'reflector';
    this.relistBackoff = exponentialBackoff(options.relistBackoff, RELIST_BACKOFF);
  }

  /** The last revision the cache reflects (0 before the first list). */
  get revision(): number {
    return this.rev;
  }

  /** True once the first list was handed over. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** True between {@link start} and {@link stop}. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Number of relists after the first list (compaction or watch failure). */
  get relists(): number {
    return this.relistCount;
  }

  /**
   * Starts following the prefix. The first start lists it and resolves once the
   * listing was handed over and the watch runs (rejecting, and staying stopped, when
   * that list fails); a start after {@link stop} resumes from the last revision seen.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    if (!this.synced) {
      try {
        await this.list(generation, false);
      } catch (err) {
        this.running = false; // store unreachable at start-up: the caller may start() again
        throw err;
      }
      this.synced = true;
    }
    await this.openWatch(generation);
  }

  /**
   * Stops following: closes the watch and waits for a relist in progress (nothing is
   * handed over after this resolves). The revision is kept, so {@link start} resumes.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.close();
    await this.relisting?.catch(() => undefined);
  }

  private async openWatch(generation: number): Promise<void> {
    try {
      // fails with GLUON_ERR_KV_COMPACTED when history from `rev` on may be gone (see the class comment)
      await this.kv.range({ prefix: this.prefix, limit: 1, revision: this.rev });
      const watch = await this.kv.watch(
        { prefix: this.prefix, fromRevision: this.rev + 1, onError: (err) => this.onWatchError(generation, err) },
        (event) => this.onWatchEvent(generation, event),
      );
      if (generation !== this.generation) {
        await watch.close();
        return;
      }
      this.watch = watch;
      this.failures = 0;
    } catch (err) {
      // compacted past our revision (or the store is unreachable): relist, then watch again
      this.onWatchError(generation, err as KvError);
    }
  }

  private onWatchError(generation: number, err: KvError): void {
    if (generation !== this.generation || !this.running) return;
    this.options.logger?.warn({ prefix: this.prefix, revision: this.rev, code: err.code, err: err.message }, `${this.name}: watch ended; relisting`);
    this.watch = undefined;
    this.scheduleRelist(generation, 0);
  }

  private scheduleRelist(generation: number, delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (generation !== this.generation || !this.running) return;
      this.relisting = (async () => {
        try {
          await this.list(generation, true);
          if (generation !== this.generation || !this.running) return;
          this.relistCount++;
          await this.openWatch(generation);
        } catch (err) {
          if (generation !== this.generation || !this.running) return;
          this.failures++;
          const delay = delayAfter(this.relistBackoff, this.failures);
          this.options.logger?.warn({ prefix: this.prefix, err: (err as Error).message, retryInMs: delay }, `${this.name}: relist failed; retrying`);
          this.scheduleRelist(generation, delay);
        }
      })();
    }, delayMs);
  }

  /**
   * Lists the prefix at one revision and hands the listing over. A relist whose target
   * tells which values it needs reads keys only, then fetches just those values.
   */
  private async list(generation: number, relist: boolean): Promise<void> {
    const listing = this.target.beginList(relist);
    const needsValue = relist && listing.needsValue !== undefined ? (kv: KeyValue) => listing.needsValue?.(kv) === true : undefined;
    let revision = this.rev;
    const paging = { ...(this.options.pageSize === undefined ? {} : { pageSize: this.options.pageSize }), ...(needsValue === undefined ? {} : { keysOnly: true }) };
    for await (const page of listPages(this.kv, this.prefix, paging)) {
      revision = page.revision;
      const kvs = needsValue === undefined ? page.kvs : await withValues(this.kv, { prefix: this.prefix, page, needsValue });
      for (const kv of kvs) listing.add(kv);
    }
    if (generation !== this.generation) return;
    this.rev = Math.max(this.rev, revision);
    await listing.finish(revision);
  }

  private async onWatchEvent(generation: number, event: WatchEvent): Promise<void> {
    if (generation !== this.generation) return;
    // events of one transaction share a revision; anything older is already in the cache
    if (event.modRevision < this.rev) return;
    this.rev = event.modRevision;
    await this.target.onEvent(event);
  }
}
