// tsyringe needs a Reflect polyfill before it is evaluated; this is the only module importing it.
import 'reflect-metadata';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import {
  applyConnectionLimits,
  faultNotFoundHandler,
  protonPlugin,
  protonServerOptions,
  type CapabilitiesOptions,
  type ProtonHooks,
  type ProtonWatchOptions,
} from '../core/http/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { ProtonStore } from '../core/store/index.js';
import type { Registry } from 'prom-client';
import { databaseCheck, registerHealthRoutes, schemaCheck } from './health.js';
import { registerMetricsRoutes } from './metrics.js';
import { TOKENS } from './tokens.js';
import { uiPlugin } from './ui/index.js';
import type { ReadinessCheck, ResolvedServerOptions, ServerLifecycle, ServerMirror } from './types.js';

/** The parts created asynchronously before the container is wired. @internal */
export interface ServerParts {
  readonly options: ResolvedServerOptions;
  readonly logger: Logger;
  readonly registry: ProtonRegistry;
  readonly store: ProtonStore;
  readonly kv: KeyValueStore;
  readonly mirror: ServerMirror | null;
  readonly lifecycle: ServerLifecycle;
  /** The server's own Prometheus registry. */
  readonly metrics: Registry;
  /** The protonPlugin hooks (authentication and policy; binding). */
  readonly hooks?: ProtonHooks;
  /** The advertised base URL (for links of requests without `Host`). */
  readonly advertisedUrl?: () => string;
  /** The watch stream's options (none without a mirror: nothing to watch). */
  readonly watch?: ProtonWatchOptions;
  /** What `GET /proton/capabilities` tells about this server. */
  readonly capabilities?: CapabilitiesOptions;
  /** Readiness checks added to `database` and `mirror` (e.g. `etcd`, or a part's own). */
  readonly readiness?: readonly ReadinessCheck[];
  /**
   * An embedder's fastify app to mount the routes in (`gluonPlugin`), instead of a new
   * app of the server's own; its server-level settings stay the embedder's.
   */
  readonly host?: FastifyInstance;
}

/**
 * One child container per server instance (never the global container): the parts
 * are registered as values under explicit tokens, and the readiness checks and the
 * fastify app as cached factories over them.
 * @internal
 */
export function createServerContainer(parts: ServerParts): DependencyContainer {
  const container = rootContainer.createChildContainer();
  container.register(TOKENS.options, { useValue: parts.options });
  container.register(TOKENS.logger, { useValue: parts.logger });
  container.register(TOKENS.registry, { useValue: parts.registry });
  container.register(TOKENS.store, { useValue: parts.store });
  container.register(TOKENS.kv, { useValue: parts.kv });
  container.register(TOKENS.lifecycle, { useValue: parts.lifecycle });
  container.register(TOKENS.mirror, { useValue: { mirror: parts.mirror } });
  container.register(TOKENS.metrics, { useValue: parts.metrics });
  if (parts.hooks !== undefined) container.register(TOKENS.hooks, { useValue: parts.hooks });
  container.register(TOKENS.readiness, {
    useFactory: instanceCachingFactory((c) => {
      const checks: ReadinessCheck[] = [databaseCheck(c.resolve(TOKENS.store))];
      const schema = schemaCheck(c.resolve(TOKENS.store));
      if (schema !== undefined) checks.push(schema);
      const { mirror } = c.resolve(TOKENS.mirror);
      const mirrorCheck = mirror?.check?.bind(mirror);
      if (mirrorCheck !== undefined) checks.push({ name: 'mirror', run: mirrorCheck });
      checks.push(...(parts.readiness ?? []));
      return checks;
    }),
  });
  container.register(TOKENS.app, { useFactory: instanceCachingFactory((c) => buildApp(c, parts)) });
  return container;
}

function buildApp(c: DependencyContainer, parts: Pick<ServerParts, 'watch' | 'capabilities' | 'advertisedUrl' | 'host'>): FastifyInstance {
  if (parts.host !== undefined) return registerServerRoutes(parts.host, c, parts);
  const options = c.resolve(TOKENS.options);
  const registry = c.resolve(TOKENS.registry);
  const limits = options.connectionLimits;
  const app: FastifyInstance = Fastify({ ...protonServerOptions(registry.list(), limits), ...options.fastify, loggerInstance: c.resolve(TOKENS.logger) as FastifyBaseLogger });
  applyConnectionLimits(app.server, limits);
  // An unknown path (or method) outside /proton is answered with a Gluon fault too.
  app.setNotFoundHandler(faultNotFoundHandler);
  const lifecycle = c.resolve(TOKENS.lifecycle);
  // While draining, every response closes its connection, so keep-alive clients cannot
  // hold the shutdown open once their in-flight request is answered.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle.draining) void reply.header('connection', 'close');
    return payload;
  });
  return registerServerRoutes(app, c, parts);
}

/** The routes of a Proton server: `/healthz`, `/readyz`, `/metrics`, the Proton API and the live view. */
function registerServerRoutes(app: FastifyInstance, c: DependencyContainer, parts: Pick<ServerParts, 'watch' | 'capabilities' | 'advertisedUrl'>): FastifyInstance {
  const advertisedUrl = parts.advertisedUrl;
  const options = c.resolve(TOKENS.options);
  const registry = c.resolve(TOKENS.registry);
  registerHealthRoutes(app, c.resolve(TOKENS.readiness));
  registerMetricsRoutes(app, c.resolve(TOKENS.metrics));
  const hooks = c.isRegistered(TOKENS.hooks) ? c.resolve(TOKENS.hooks) : undefined;
  void app.register(protonPlugin, {
    registry,
    store: c.resolve(TOKENS.store),
    docs: options.docs,
    ...(hooks === undefined ? {} : { hooks }),
    ...(advertisedUrl === undefined ? {} : { advertisedUrl }),
    ...(options.maxJsonDepth === undefined ? {} : { maxJsonDepth: options.maxJsonDepth }),
    ...(parts.watch === undefined ? {} : { watch: parts.watch }),
    ...(parts.capabilities === undefined ? {} : { capabilities: parts.capabilities }),
  });
  if (options.ui) void app.register(uiPlugin, { registry, kv: c.resolve(TOKENS.kv), hooks, auth: parts.capabilities?.auth, watch: parts.watch !== undefined });
  return app;
}
