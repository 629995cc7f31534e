import { Reflector, type KeyValue, type KeyValueStore, type ReflectorListing, type WatchEvent } from '../kv/index.js';

import type { PortRegistration } from './types.js';
import { PORT_REGISTRY_PREFIX } from '../wire/index.js';
import { silentLogger, type Logger } from '../log/index.js';

/** The etcd prefix of Gluon port registrations. */
export { PORT_REGISTRY_PREFIX };

/** Options of {@link PortRegistry}. */
export interface PortRegistryOptions {
  /** Registration prefix (default {@link PORT_REGISTRY_PREFIX}). */
  readonly prefix?: string;
  /** Keys per page when listing (default 4,000, `DEFAULT_PAGE_SIZE`). */
  readonly pageSize?: number;
  /** Logger (default silent). */
  readonly logger?: Logger;
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
 * failed relists with a doubling delay. The list-then-watch loop is the key/value
 * port's `Reflector`; the registry adds the cache, parsing and change listeners.
 *
 * A value that is not a JSON object with string `service` and `url` is logged and
 * ignored (the id is then not a Gluon port).
 */
export class PortRegistry {
  private readonly ports = new Map<string, PortRegistration>();
  private readonly listeners: ((change: PortRegistryChange) => void)[] = [];
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly reflector: Reflector;

  constructor(kv: KeyValueStore, options: PortRegistryOptions = {}) {
    this.prefix = options.prefix ?? PORT_REGISTRY_PREFIX;
    this.logger = options.logger ?? silentLogger;
    this.reflector = new Reflector(
      kv,
      { beginList: () => this.beginList(), onEvent: (event) => this.onEvent(event) },
      {
        prefix: this.prefix,
        name: 'port registry',
        logger: this.logger,
        ...(options.maxRelistDelayMs === undefined ? {} : { relistBackoff: { maxMs: options.maxRelistDelayMs } }),
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      },
    );
  }

  /** True once the first list is in the cache. */
  get hasSynced(): boolean {
    return this.reflector.hasSynced;
  }

  /** The etcd revision the cache reflects. */
  get revision(): number {
    return this.reflector.revision;
  }

  /** Number of relists after the first list (compaction or watch failure). */
  get relists(): number {
    return this.reflector.relists;
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
    await this.reflector.start();
  }

  /** Stops the watch; the cache is kept and a later {@link start} resumes from its revision. */
  async stop(): Promise<void> {
    await this.reflector.stop();
  }

  /** Makes the cache equal to one listing of the whole registry, then tells the listeners what changed. */
  private beginList(): ReflectorListing {
    const fresh = new Map<string, PortRegistration>();
    return {
      add: (kv: KeyValue) => {
        const reg = this.parse(kv.key, kv.value, kv.modRevision);
        if (reg) fresh.set(reg.id, reg);
      },
      finish: (revision: number) => {
        const changed: PortRegistryChange[] = [];
        for (const id of this.ports.keys()) if (!fresh.has(id)) changed.push({ type: 'delete', id, revision });
        for (const [id, reg] of fresh) if (this.ports.get(id)?.modRevision !== reg.modRevision) changed.push({ type: 'put', id, revision });
        this.ports.clear();
        for (const [id, reg] of fresh) this.ports.set(id, reg);
        for (const change of changed) this.emit(change);
      },
    };
  }

  private onEvent(event: WatchEvent): void {
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
