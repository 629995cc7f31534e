import type { Logger } from 'pino';
import { BindingCoordinator, bindingHooks, type BindingHooks } from '../core/binding/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { ProtonStore } from '../core/store/index.js';
import { createDummyShim, type Shim } from '../shim-sdk/index.js';

/** What {@link buildServerBinding} needs. @internal */
export interface ServerBindingDeps {
  readonly registry: ProtonRegistry;
  readonly store: ProtonStore;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  /** Wakes the etcd publisher (`urgent`: a bind's pending port, which must reach the shims at once). */
  readonly onWrite?: ((urgent: boolean) => void) | undefined;
  readonly bindTimeoutMs?: number | undefined;
  readonly maxBindTimeoutMs?: number | undefined;
  /** Run the dummy shim in process (default: on with the in-process key/value store, off with etcd). */
  readonly inProcessShim?: boolean | undefined;
}

/** The binding part of a server: the coordinator, its protonPlugin hooks, and the optional in-process dummy shim. @internal */
export interface ServerBinding {
  readonly coordinator: BindingCoordinator;
  readonly hooks: BindingHooks;
  /** The in-process dummy shims (one per API with a port object), empty when off. */
  readonly shims: readonly Shim[];
  /** Opens the result watches, then starts the in-process shims. */
  start(): Promise<void>;
  /** Stops the in-process shims and closes the watches. */
  stop(): Promise<void>;
}

/** Builds the server's {@link BindingCoordinator} and, when enabled, its in-process dummy shims. @internal */
export function buildServerBinding(deps: ServerBindingDeps): ServerBinding {
  // one storage model per API: what the store holds and etcd mirrors, whichever version wrote it
  const apis = deps.registry.storageModels();
  const coordinator = new BindingCoordinator({
    store: deps.store,
    kv: deps.kv,
    apis,
    logger: deps.logger,
    ...(deps.onWrite === undefined ? {} : { onWrite: deps.onWrite }),
    ...(deps.bindTimeoutMs === undefined ? {} : { defaultTimeoutMs: deps.bindTimeoutMs }),
    ...(deps.maxBindTimeoutMs === undefined ? {} : { maxTimeoutMs: deps.maxBindTimeoutMs }),
  });
  const inProcess = deps.inProcessShim ?? deps.kv.kind === 'memory';
  const shims = inProcess
    ? apis
        .filter((api) => api.objects.some((o) => o.role === 'port'))
        .map((api) => createDummyShim(deps.kv, { api: api.name, model: api, name: `${api.name}-dummy`, logger: deps.logger.child({ part: 'dummy-shim', api: api.name }) }))
    : [];
  let started = false;
  return {
    coordinator,
    hooks: bindingHooks(coordinator),
    shims,
    async start() {
      if (started) return;
      started = true;
      await coordinator.start();
      await Promise.all(shims.map((shim) => shim.start()));
    },
    async stop() {
      await Promise.all(shims.map((shim) => shim.close().catch((err: unknown) => deps.logger.warn({ err }, 'in-process shim: close failed'))));
      await coordinator.close();
    },
  };
}
