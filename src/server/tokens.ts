import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { InjectionToken } from 'tsyringe';
import type { Registry } from 'prom-client';
import type { ProtonRegistry } from '../core/registry/index.js';
import type { ProtonStore } from '../core/store/index.js';
import type { KeyValueStore } from '../core/kv/index.js';
import type { ProtonHooks } from '../core/http/index.js';
import type { ReadinessCheck, ResolvedServerOptions, ServerLifecycle, ServerMirror } from './types.js';

/**
 * Explicit injection tokens of the server's container. esbuild emits no decorator
 * metadata, so every registration names its token; nothing relies on `@injectable()`.
 * @internal
 */
export const TOKENS = {
  options: Symbol('gluon.server.options') as InjectionToken<ResolvedServerOptions>,
  logger: Symbol('gluon.server.logger') as InjectionToken<Logger>,
  registry: Symbol('gluon.server.registry') as InjectionToken<ProtonRegistry>,
  store: Symbol('gluon.server.store') as InjectionToken<ProtonStore>,
  kv: Symbol('gluon.server.kv') as InjectionToken<KeyValueStore>,
  /**
   * The etcd publisher seam: a slot holding a {@link ServerMirror}, or `null` while none is
   * configured (tsyringe cannot register a bare `null` value, hence the slot object).
   */
  mirror: Symbol('gluon.server.mirror') as InjectionToken<{ readonly mirror: ServerMirror | null }>,
  /** Shared lifecycle state: `draining` turns true when `close()` begins. */
  lifecycle: Symbol('gluon.server.lifecycle') as InjectionToken<ServerLifecycle>,
  /** The server's own Prometheus registry (`/metrics`). */
  metrics: Symbol('gluon.server.metrics') as InjectionToken<Registry>,
  /** The protonPlugin hooks (auth, binding), when any. */
  hooks: Symbol('gluon.server.hooks') as InjectionToken<ProtonHooks>,
  readiness: Symbol('gluon.server.readiness') as InjectionToken<readonly ReadinessCheck[]>,
  app: Symbol('gluon.server.app') as InjectionToken<FastifyInstance>,
} as const;
