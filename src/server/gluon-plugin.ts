import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { assembleProtonServer } from './create-proton-server.js';
import type { ProtonServer, ProtonServerOptions } from './types.js';

/**
 * Options of {@link gluonPlugin}: the options of `createProtonServer` except those of the
 * HTTP server itself (`host`, `port`, `fastify`, `connectionLimits`), which stay your app's.
 */
export type GluonPluginOptions = Omit<ProtonServerOptions, 'host' | 'port' | 'fastify' | 'connectionLimits'>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The Proton server {@link gluonPlugin} mounted (registry, store, kv, mirror, metrics,
     * authenticator, policy); its `listen()`/`close()` are not to be called: your app's are.
     */
    gluon: ProtonServer;
  }
}

const mountGluon: FastifyPluginAsync<GluonPluginOptions> = async (app: FastifyInstance, options: GluonPluginOptions) => {
  const logger = options.logger ?? pinoOf(app) ?? { level: 'silent' };
  const server = await assembleProtonServer({ ...options, logger }, app);
  app.decorate('gluon', server);
  // the bind-result watches, in-process shims and mirror run while your app does
  app.addHook('onReady', () => server.start());
  app.addHook('onClose', () => server.stop());
};

/**
 * Everything `gluon serve` serves, mounted in **your** fastify app: the Proton REST API,
 * `/healthz`, `/readyz`, `/metrics`, the live view, the etcd mirror, port binding (a
 * `PUT {host_id, device_id}` waits for the shim's answer), authentication and policy,
 * and server hooks. The background parts start when your app is ready and stop when it
 * closes (after in-flight requests). Not encapsulated: the health routes are your app's.
 *
 * @throws as `createProtonServer` does, from `app.register()`/`app.ready()`
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(gluonPlugin, { db: 'sqlite:./app.db', etcd: ['http://127.0.0.1:2379'], advertisedUrl: 'http://10.0.0.5:3000' });
 * await app.listen({ port: 3000 });
 * ```
 */
export const gluonPlugin: FastifyPluginAsync<GluonPluginOptions> = Object.assign(mountGluon, {
  // fastify's own marks for a plugin that decorates the app it is registered in (what fastify-plugin sets)
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'gluon-net',
});

/** The app's logger when it is a pino logger (fastify's no-op logger is not). */
function pinoOf(app: FastifyInstance): Logger | undefined {
  return 'levels' in app.log ? (app.log as unknown as Logger) : undefined;
}
