import type { Logger } from 'pino';
import { BindingCoordinator, bindingHooks, type BindingHooks } from '../core/binding/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { ProtonStore } from '../core/store/index.js';
import { createDummyShim, type Shim } from '../shim-sdk/index.js';
import { retrying, type BackoffDefaults } from '../core/retry/index.js';

/** What {@link buildServerBinding} needs. @internal */
export interface ServerBindingDeps {
  readonly registry: ProtonRegistry;
  readonly store: ProtonStore;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
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
      await coordinator.start();
      await Promise.all(shims.map((shim) => shim.start()));
      started = true;
    },
    async stop() {
      await Promise.all(shims.map((shim) => shim.close().catch((err: unknown) => deps.logger.warn({ err }, 'in-process shim: close failed'))));
      await coordinator.close();
    },
  };
}

/** How long `listen()` waits for the bind-result watches before serving without them. */
const WATCH_GRACE_MS = 3000;

/** The state of the bind-result watches, as the `etcd` readiness check reports it. @internal */
export interface BindingWatches {
  /** Starts the watches; resolves once they are open or after a short grace period (they keep trying). */
  start(): Promise<void>;
  /** True once every bind-result watch is open. */
  readonly open: boolean;
  /** The last reason the watches could not be opened, while they are not. */
  readonly error: string | undefined;
}

/** Between tries to open the bind-result watches: 500 ms doubling up to 30 s. */
const WATCH_BACKOFF: BackoffDefaults = { initialMs: 500, maxMs: 30_000, factor: 2 };

/**
 * Opens the binding's watches without letting an unreachable etcd hold the server's
 * start-up: `start()` waits at most a few seconds, then the watches keep being retried
 * in the background with an exponential backoff (each failure logged with the delay).
 * @internal
 */
export function startBindingWatches(binding: ServerBinding, kv: KeyValueStore, logger: Logger): BindingWatches {
  let open = false;
  let error: string | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const openWatches = async (attempt: number): Promise<void> => {
    if (stopped) return;
    await binding.start();
    open = true;
    error = undefined;
    if (attempt > 1) logger.info({ attempts: attempt }, 'bind-result watches open: etcd answers again');
  };
  const run = async (): Promise<void> => {
    await retrying(openWatches, {
      backoff: WATCH_BACKOFF,
      retryIf: (err) => !stopped && !isClosed(err),
      unref: true,
      onRetry: ({ err, attempt, delayMs }) => {
        error = err instanceof Error ? err.message : String(err);
        logger.warn({ err, attempt, retryInMs: delayMs }, 'bind-result watches could not be opened (etcd unreachable?); retrying with backoff');
      },
    }).catch(() => undefined); // the retries end only when stopped or the store closed: nothing to report
  };
  return {
    get open() {
      return open;
    },
    get error() {
      return error ?? (open ? undefined : 'the bind-result watches are not open yet (etcd has not answered)');
    },
    async start() {
      if (kv.kind === 'memory') {
        await binding.start();
        open = true;
        return;
      }
      starting ??= run().finally(() => (stopped = true));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, WATCH_GRACE_MS);
        timer.unref();
      });
      await Promise.race([starting, grace]);
      clearTimeout(timer);
      if (!open) logger.warn({ graceMs: WATCH_GRACE_MS }, 'etcd does not answer: serving without the bind-result watches (writes wait in the outbox; /readyz says etcd is not ready)');
    },
  };
}

function isClosed(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'GLUON_ERR_KV_CLOSED';
}
