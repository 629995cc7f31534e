import { wholeNumberOption } from '../core/errors/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { MirrorSource } from '../core/store/index.js';
import { createMirror, registerMirrorMetrics, type Mirror } from '../core/sync/index.js';
import type { Registry } from 'prom-client';
import type { ServerMirror } from './types.js';
import type { Logger } from '../core/log/index.js';

/** What the built-in mirror needs. @internal */
export interface BuiltInMirrorDeps {
  readonly store: MirrorSource;
  readonly kv: KeyValueStore;
  readonly registry: ProtonRegistry;
  readonly logger: Logger;
  readonly advertisedUrl: string;
  readonly metrics: Registry;
  readonly leaseTtlSeconds?: number | undefined;
  /** The `mirrorStallSeconds` option of createProtonServer. */
  readonly stallSeconds?: number | undefined;
}

/**
 * The built-in etcd mirror of the reference server: the sync part's election,
 * reconciler and outbox publisher, with its metrics on the server's registry.
 * @internal
 */
export function builtInMirror(deps: BuiltInMirrorDeps): ServerMirror & { readonly inner: Mirror } {
  const ttl = deps.leaseTtlSeconds === undefined ? undefined : wholeNumberOption('leaseTtlSeconds', deps.leaseTtlSeconds, { min: 1, unit: 'seconds' });
  // one storage model per API: what the store holds and etcd mirrors, whichever version wrote it
  const apis = deps.registry.storageModels();
  const inner = createMirror({
    source: deps.store,
    kv: deps.kv,
    apis,
    logger: deps.logger,
    candidateId: `${deps.advertisedUrl}#${process.pid}`,
    ...(ttl === undefined ? {} : { leaseTtlSeconds: ttl }),
    ...(deps.stallSeconds === undefined ? {} : { stallMs: deps.stallSeconds * 1000 }),
  });
  registerMirrorMetrics(deps.metrics, inner);
  return {
    inner,
    start: () => inner.start(),
    stop: () => inner.stop(),
    check: () => inner.check(),
    flush: (timeoutMs?: number) => inner.flush(timeoutMs),
  };
}
