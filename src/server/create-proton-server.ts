import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createKeyValueStore, type KeyValueStore } from '../core/kv/index.js';
import { loadModels } from '../core/model/index.js';
import { ProtonRegistry } from '../core/registry/index.js';
import { createStore, databaseStartupError, maskDbUrl, type ProtonStore } from '../core/store/index.js';
import { Registry } from 'prom-client';
import { bundledModelsDir } from './bundled-models.js';
import type { Server as TlsServer } from 'node:tls';
import { serverBaseUrl } from './base-url.js';
import { readTlsServerOptions, reloadTlsIdentity } from './tls.js';
import { builtInMirror } from './mirror.js';
import { checkOptionValues } from './config/index.js';
import { createServerContainer } from './container.js';
import { createServerLogger } from './logger.js';
import { buildServerAuth } from './auth.js';
import { buildServerBinding, startBindingWatches, type ServerBinding } from './binding.js';
import { etcdCheck } from './health.js';
import { combineHooks, servedVersionsStore, type ConnectionLimits } from '../core/http/index.js';
import { TOKENS } from './tokens.js';
import { pluginServerHooks } from './plugin-hooks.js';
import { serverCapabilities, serverWatchOptions } from './watch.js';
import type { ProtonServer, ProtonServerOptions, ResolvedServerOptions, ServerMirror } from './types.js';

/**
 * Builds the reference Proton server: loads the models, opens the store (creating
 * missing tables) and the key/value store, and assembles the fastify app (the Proton
 * REST API, `/proton/openapi.json`, `/proton/docs`, `/healthz`, `/readyz`) in a
 * container of its own. Call `listen()` to serve; `close()` to shut down gracefully.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` for an invalid option (named, with the value
 * and what is allowed); model, store and key/value errors as their parts raise them.
 *
 * @example
 * ```ts
 * const server = await createProtonServer({ db: 'sqlite:./gluon.db', port: 0 });
 * const url = await server.listen(); // "http://127.0.0.1:41234"
 * process.once('SIGTERM', () => void server.close());
 * ```
 */
export async function createProtonServer(options: ProtonServerOptions = {}): Promise<ProtonServer> {
  return assembleProtonServer(options);
}

/**
 * A Proton server whose background parts (bind-result watches, in-process shims, the
 * mirror) start and stop apart from listening: what `gluonPlugin` mounts in an
 * embedder's app, whose own `listen()` and `close()` drive them.
 * @internal
 */
export interface AssembledProtonServer extends ProtonServer {
  /** Opens the bind-result watches, starts the in-process shims and the mirror. */
  start(): Promise<void>;
  /** Stops the binding, the mirror, the store and the key/value store (not the HTTP server). */
  stop(): Promise<void>;
}

/**
 * Builds a Proton server; with `host`, its routes are mounted in that fastify app instead
 * of an app of its own.
 * @internal
 */
export async function assembleProtonServer(options: ProtonServerOptions, host?: FastifyInstance): Promise<AssembledProtonServer> {
  let resolved = resolveServerOptions(options);
  if (resolved.port === 0 && resolved.advertisedUrl === undefined) {
    // The advertised URL (written into etcd by the store) must name the real port, which
    // must therefore be known before the store opens: reserve a free one now.
    resolved = { ...resolved, port: await reserveFreePort(resolved.host) };
  }
  const logger = createServerLogger(options.logger);
  const cleanups: (() => Promise<void>)[] = [];
  let boundUrl: string | undefined;
  const scheme = options.tls === undefined ? 'http' : 'https';
  const configuredUrl = serverBaseUrl(resolved.host, resolved.port, scheme);
  if (options.tls !== undefined) resolved = { ...resolved, fastify: { ...resolved.fastify, https: await readTlsServerOptions(options.tls) } as ResolvedServerOptions['fastify'] };
  const currentUrl = (): string => boundUrl ?? configuredUrl;
  const advertisedUrl = (): string => resolved.advertisedUrl ?? currentUrl();

  try {
    const registry = new ProtonRegistry(await loadModels(resolved.models));
    const store = createStore({
      url: resolved.db,
      advertisedUrl: advertisedUrl(),
      logger: logger.child({ part: 'store' }),
      mirror: options.mirror !== false,
    });
    cleanups.push(() => store.close());
    await store.init(registry.storageModels(), options.migrate === undefined ? {} : { migrate: options.migrate }).catch((err: unknown) => {
      throw databaseStartupError(err, resolved.db);
    });
    // every served version of an API reads and writes its one storage through this view
    const servedStore = servedVersionsStore(store, registry);
    const kv: KeyValueStore = createKeyValueStore(resolved.etcd?.join(','), {
      prefix: resolved.etcdPrefix,
      ...(options.etcdAccess === undefined ? {} : { access: options.etcdAccess }),
      logger: logger.child({ part: 'kv' }),
    });
    cleanups.push(() => kv.close());
    const metrics = new Registry();
    const mirrorLogger = logger.child({ part: 'mirror' });
    const mirror: ServerMirror | null =
      options.mirror === false
        ? null
        : typeof options.mirror === 'function'
          ? options.mirror({ store, kv, registry, logger: mirrorLogger, advertisedUrl })
          : builtInMirror({ store, kv, registry, logger: mirrorLogger, advertisedUrl: advertisedUrl(), metrics, leaseTtlSeconds: options.leaseTtlSeconds, stallSeconds: options.mirrorStallSeconds });

    const auth = await buildServerAuth({ auth: options.auth, policyFile: options.policyFile, models: registry.list(), logger: logger.child({ part: 'auth' }), store: servedStore });
    cleanups.push(() => auth.authenticator.close?.() ?? Promise.resolve());
    const binding = buildServerBinding({
      registry,
      store: servedStore,
      kv,
      logger: logger.child({ part: 'binding' }),
      bindTimeoutMs: options.bindTimeoutMs,
      maxBindTimeoutMs: options.maxBindTimeoutMs,
      inProcessShim: options.inProcessShim,
    });
    const bindingWatches = startBindingWatches(binding, kv, logger.child({ part: 'binding' }));
    const lifecycle = { draining: false };
    // plugins' hooks wrap the binding's: a bind patch they decide is the one the shims see
    const hooks = combineHooks(auth.hooks, pluginServerHooks(options.serverHooks ?? [], logger.child({ part: 'plugins' })), binding.hooks);
    // The watch stream reads the kv mirror: without a mirror nothing would ever arrive.
    const watch = mirror === null ? undefined : serverWatchOptions({ kv, metrics, heartbeatSeconds: options.watchHeartbeatSeconds, bufferBytes: options.watchBufferBytes });
    const capabilities = serverCapabilities({ auth: options.auth, authenticator: auth.authenticator, bindTimeoutMs: options.bindTimeoutMs, maxBindTimeoutMs: options.maxBindTimeoutMs });
    const container = createServerContainer({
      options: resolved, logger, registry, store, kv, mirror, lifecycle, metrics, hooks, advertisedUrl, capabilities, ...(watch === undefined ? {} : { watch }),
      readiness: [etcdCheck(kv, resolved.etcd, bindingWatches), ...(options.readiness ?? [])],
      ...(host === undefined ? {} : { host }),
    });
    const app = container.resolve(TOKENS.app);
    let closing: Promise<void> | undefined;
    let mirrorStarted = false;

    const startParts = async (): Promise<void> => {
      await bindingWatches.start();
      if (mirror !== null && !mirrorStarted) {
        mirrorStarted = true;
        await mirror.start();
      }
    };
    const stopParts = (closeApp: () => Promise<void>): Promise<void> => {
      lifecycle.draining = true;
      closing ??= shutDown({ app: closeApp, mirror: mirrorStarted ? mirror : null, binding, store, kv, logger, container: () => container.dispose() }).finally(() => auth.authenticator.close?.());
      return closing;
    };
    const server: AssembledProtonServer = {
      app,
      get url() {
        return currentUrl();
      },
      get advertisedUrl() {
        return advertisedUrl();
      },
      registry,
      store,
      kv,
      mirror,
      metrics,
      authenticator: auth.authenticator,
      policy: auth.policy,
      async listen() {
        // etcd may be down: SQL is the source of truth, so the server serves anyway (the
        // outbox keeps every write); the bind-result watches open once etcd answers.
        await bindingWatches.start();
        await app.listen({ host: resolved.host, port: resolved.port });
        const address = app.server.address() as AddressInfo | null;
        boundUrl = serverBaseUrl(resolved.host, address?.port ?? resolved.port, scheme);
        if (mirror !== null && !mirrorStarted) {
          mirrorStarted = true;
          await mirror.start();
        }
        app.log.info({ url: boundUrl, advertisedUrl: advertisedUrl(), db: maskDbUrl(resolved.db), apis: registry.list().map((a) => `${a.name}/${a.versionId}`) }, `gluon proton server listening on ${boundUrl}`);
        return boundUrl;
      },
      async reloadTls() {
        if (options.tls === undefined) return;
        await reloadTlsIdentity(app.server as unknown as TlsServer, options.tls);
        app.log.info({ cert: options.tls.cert }, 'TLS certificate reloaded: new connections get it, open ones keep theirs');
      },
      close() {
        return stopParts(() => app.close());
      },
      start: startParts,
      stop() {
        return stopParts(() => Promise.resolve());
      },
    };
    return server;
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw err;
  }
}

async function shutDown(parts: {
  app: () => Promise<void>;
  mirror: ServerMirror | null;
  binding: ServerBinding;
  store: ProtonStore;
  kv: KeyValueStore;
  logger: Logger;
  container: () => Promise<void> | void;
}): Promise<void> {
  const errors: unknown[] = [];
  const step = async (name: string, run: () => Promise<void> | void): Promise<void> => {
    try {
      await run();
    } catch (err) {
      parts.logger.error({ err, step: name }, `shutdown: ${name} failed`);
      errors.push(err);
    }
  };
  parts.logger.info('shutting down: finishing in-flight requests');
  // Stops accepting connections and waits for in-flight requests to finish.
  await step('http', parts.app);
  await step('binding', () => parts.binding.stop());
  if (parts.mirror !== null) {
    const mirror = parts.mirror;
    await step('mirror', () => mirror.stop());
  }
  await step('store', () => parts.store.close());
  await step('kv', () => parts.kv.close());
  await step('container', parts.container);
  parts.logger.info('shut down');
  if (errors.length > 0) throw errors[0];
}

/** Asks the OS for a free port on `host` and releases it at once. */
function reserveFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Applies defaults to the programmatic options and validates them like config values. */
function resolveServerOptions(options: ProtonServerOptions): ResolvedServerOptions {
  const limits = options.connectionLimits ?? {};
  const values = checkOptionValues({
    models: options.models,
    db: options.db,
    host: options.host,
    port: options.port,
    advertisedUrl: options.advertisedUrl,
    etcd: options.etcd,
    etcdPrefix: options.etcdPrefix,
    idleTimeoutMs: limits.idleTimeoutMs,
    headersTimeoutMs: limits.headersTimeoutMs,
    requestTimeoutMs: limits.requestTimeoutMs,
    maxConnections: limits.maxConnections,
    maxJsonDepth: options.maxJsonDepth,
    migrate: options.migrate,
  });
  const { models, db, host, port, advertisedUrl, etcd, etcdPrefix, maxJsonDepth } = values;
  const connectionLimits: ConnectionLimits = {
    idleTimeoutMs: values.idleTimeoutMs,
    headersTimeoutMs: values.headersTimeoutMs,
    requestTimeoutMs: values.requestTimeoutMs,
    maxConnections: values.maxConnections,
  };
  return {
    models: models ?? [bundledModelsDir()],
    db,
    host,
    port,
    ...(advertisedUrl === undefined ? {} : { advertisedUrl }),
    ...(etcd === undefined ? {} : { etcd }),
    etcdPrefix,
    docs: options.docs ?? true,
    ui: options.ui ?? true,
    fastify: options.fastify ?? {},
    connectionLimits,
    ...(options.maxJsonDepth === undefined ? {} : { maxJsonDepth }),
  };
}
