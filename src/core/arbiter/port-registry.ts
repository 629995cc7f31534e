import { listPages, type KeyValueStore, type KvError, type Watch, type WatchEvent } from '../kv/index.js';
import { silentLogger } from './silent-logger.js';
import type { ArbiterLogger, PortRegistration } from './types.js';

/** The etcd prefix of Gluon port registrations. */
export const PORT_REGISTRY_PREFIX = '/gluon/port/';

/** Options of {@link PortRegistry}. */
export interface PortRegistryOptions {
  /** Registration prefix (default {@link PORT_REGISTRY_PREFIX}). */
  readonly prefix?: string;
  /** Keys per page when listing (default 1,000). */
  readonly pageSize?: number;
  /** Logger (default silent). */
  readonly logger?: ArbiterLogger;
  /** Longest wait between failed relists, ms (default 5,000). */
  readonly maxRelistDelayMs?: number;
}

/** A change of the registry, for listeners (tests, metrics). */
export interface PortRegistryChange {
  /** `put` (added or changed) or `delete`. */
  readonly type: 'put' | 'delete';
  /** The port id. */
  readonly id: string;
  /** The registry revision after the change. */
  readonly revision: number;
}

/**
 * The cached port registry: every `/gluon/port/<id>` registration, listed once (paged,
 * at one revision R) and then followed by a watch from R + 1, so lookups never read
 * etcd. The watch resumes by itself across etcd reconnections; when it ends (history
 * compacted, or any other watch error) the registry relists, replaces its cache with
 * the new snapshot (dropping ports deleted meanwhile) and watches again, retrying
 * failed relists with a doubling delay.
 *
 * A value that is not a JSON object with string `service` and `url` is logged and
 * ignored (the id is then not a Gluon port).
 */
export class PortRegistry {
  private readonly ports = new Map<string, PortRegistration>();
  private readonly listeners: ((change: PortRegistryChange) => void)[] = [];
  private readonly prefix: string;
  private readonly logger: ArbiterLogger;
  private watch: Watch | undefined;
  private rev = 0;
  private synced = false;
  private running = false;
  private generation = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Number of relists after the first list (compaction or watch failure). */
  relists = 0;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: PortRegistryOptions = {},
  ) {
    this.prefix = options.prefix ?? PORT_REGISTRY_PREFIX;
    this.logger = options.logger ?? silentLogger;
  }

  /** True once the first list is in the cache. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The etcd revision the cache reflects. */
  get revision(): number {
    return this.rev;
  }

  /** Number of registered Gluon ports. */
  get size(): number {
    return this.ports.size;
  }

  /** The registration of port `id`, when it is a Gluon port. */
  get(id: string): PortRegistration | undefined {
    return this.ports.get(id);
  }

  /** Every registration, in no particular order. */
  list(): PortRegistration[] {
    return [...this.ports.values()];
  }

  /** Calls `listener` after each change applied to the cache. Returns an unsubscribe function. */
  onChange(listener: (change: PortRegistryChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Lists the registry and starts watching it. Resolves when the cache is loaded; rejects
   * when the first list fails (etcd unreachable), leaving the registry stopped.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    try {
      if (!this.synced) {
        await this.relist(generation);
        this.synced = true;
      }
    } catch (err) {
      this.running = false;
      throw err;
    }
    await this.openWatch(generation);
  }

  /** Stops the watch; the cache is kept and a later {@link start} resumes from its revision. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.close();
  }

  private async openWatch(generation: number): Promise<void> {
    try {
      const watch = await this.kv.watch(
        { prefix: this.prefix, fromRevision: this.rev + 1, onError: (err) => this.onWatchError(generation, err) },
        (event) => this.onEvent(generation, event),
      );
      if (generation !== this.generation) {
        await watch.close();
        return;
      }
      this.watch = watch;
      this.failures = 0;
    } catch (err) {
      this.onWatchError(generation, err as KvError);
    }
  }

  private onWatchError(generation: number, err: KvError): void {
    if (generation !== this.generation || !this.running) return;
    this.logger.warn({ prefix: this.prefix, revision: this.rev, code: err.code, err: err.message }, 'port registry: watch ended; relisting');
    this.watch = undefined;
    this.scheduleRelist(generation, 0);
  }

  private scheduleRelist(generation: number, delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (generation !== this.generation || !this.running) return;
      void (async () => {
        try {
          await this.relist(generation);
          if (generation !== this.generation || !this.running) return;
          this.relists++;
          await this.openWatch(generation);
        } catch (err) {
          if (generation !== this.generation || !this.running) return;
          this.failures++;
          const delay = Math.min(this.options.maxRelistDelayMs ?? 5000, 100 * 2 ** (this.failures - 1));
          this.logger.warn({ prefix: this.prefix, err: (err as Error).message, retryInMs: delay }, 'port registry: relist failed; retrying');
          this.scheduleRelist(generation, delay);
        }
      })();
    }, delayMs);
  }

  /** Reads the whole registry at one revision and makes the cache equal to it. */
  private async relist(generation: number): Promise<void> {
    const fresh = new Map<string, PortRegistration>();
    let revision = this.rev;
    for await (const page of listPages(this.kv, this.prefix, this.options.pageSize === undefined ? {} : { pageSize: this.options.pageSize })) {
      revision = page.revision;
      for (const kv of page.kvs) {
        const reg = this.parse(kv.key, kv.value, kv.modRevision);
        if (reg) fresh.set(reg.id, reg);
      }
    }
    if (generation !== this.generation) return;
    const changed: PortRegistryChange[] = [];
    for (const id of this.ports.keys()) if (!fresh.has(id)) changed.push({ type: 'delete', id, revision });
    for (const [id, reg] of fresh) if (this.ports.get(id)?.modRevision !== reg.modRevision) changed.push({ type: 'put', id, revision });
    this.ports.clear();
    for (const [id, reg] of fresh) this.ports.set(id, reg);
    this.rev = Math.max(this.rev, revision);
    for (const change of changed) this.emit(change);
  }

  private onEvent(generation: number, event: WatchEvent): void {
    if (generation !== this.generation) return;
    if (event.modRevision < this.rev) return;
    this.rev = event.modRevision;
    const id = event.key.slice(this.prefix.length);
    if (event.type === 'delete') {
      if (this.ports.delete(id)) this.emit({ type: 'delete', id, revision: event.modRevision });
      return;
    }
    const reg = this.parse(event.key, event.value ?? '', event.modRevision);
    if (reg) this.ports.set(id, reg);
    else this.ports.delete(id);
    this.emit({ type: reg ? 'put' : 'delete', id, revision: event.modRevision });
  }

  private parse(key: string, value: string, modRevision: number): PortRegistration | undefined {
    const id = key.slice(this.prefix.length);
    if (id === '' || id.includes('/')) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const v = parsed as Record<string, unknown> | undefined;
    if (typeof v !== 'object' || v === null || typeof v['service'] !== 'string' || typeof v['url'] !== 'string') {
      this.logger.error({ key, value: value.slice(0, 200) }, 'port registry: registration is not {tenant_id, service, url} JSON; ignored');
      return undefined;
    }
    const tenant = v['tenant_id'];
    return { id, tenantId: typeof tenant === 'string' ? tenant : '', service: v['service'], url: v['url'], modRevision };
  }

  private emit(change: PortRegistryChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.logger.error({ id: change.id, err: (err as Error).message }, 'port registry: change listener failed');
      }
    }
  }
}
