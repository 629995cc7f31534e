import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { ConfigError } from '../errors/index.js';
import { baseUrl, registerDiscoveryRoutes, rememberHostlessBase, rootDocument } from './discovery-routes.js';
import { checkJsonValues, DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds, jsonTooDeepError } from './json-body.js';
import { faultErrorHandler, faultNotFoundHandler, methodNotAllowed } from './fault.js';
import { registerObjectRoutes } from './object-routes.js';
import { buildOpenApi, registerOpenApiRoute, registerSwaggerUi } from './openapi-routes.js';
import { registerCapabilitiesRoute } from './capabilities-routes.js';
import { withWatchAndCapabilities } from './openapi-watch.js';
import { WatchStreams, createWatchHandler } from './watch-routes.js';
import type { ProtonPluginOptions } from './types.js';
import { createValidatorCompiler } from './validator.js';
import { servedVersionsStore } from './served-store.js';
import { registerDeprecationHeaders } from './deprecation.js';

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

function registerNotAllowed(instance: FastifyInstance, path: string, allowed: readonly string[]): void {
  const handler = methodNotAllowed(allowed);
  for (const method of ALL_METHODS) {
    if (!allowed.includes(method)) instance.route({ method, url: path, handler });
  }
}

/** True when the app's router treats `/a/` as `/a` (fastify's `ignoreTrailingSlash`, top level or in `routerOptions`). */
export function ignoresTrailingSlash(app: FastifyInstance): boolean {
  const config = app.initialConfig as { ignoreTrailingSlash?: boolean; routerOptions?: { ignoreTrailingSlash?: boolean } };
  return config.ignoreTrailingSlash === true || config.routerOptions?.ignoreTrailingSlash === true;
}

/**
 * The Proton REST API as a fastify plugin: discovery documents, collection and member
 * routes (and child routes at every depth) for every object of every registered API,
 * the watch stream (`?watch=true` on every list, Server-Sent Events, with the `watch`
 * option), `GET /proton/capabilities`, the OpenAPI document and the Swagger UI page.
 *
 * Encapsulated: it brings its own Ajv (formats `mac` and `json` included, no type
 * coercion), its own error handler (every error is a Gluon fault body with `code` and
 * `details`) and its own not-found handler for `/proton/*`, so it neither changes nor
 * depends on the host app's settings. Do not wrap it with `fastify-plugin`.
 *
 * It serves `GET /` (the API root document) unless the host already has that route
 * when the plugin registers; everything else lives under `/proton`. `hooks` are
 * experimental extension points (port binding and authorization plug in there).
 *
 * @example
 * ```ts
 * const app = fastify();
 * await app.register(protonPlugin, { registry, store });
 * ```
 */
export const protonPlugin: FastifyPluginAsync<ProtonPluginOptions> = async (app, options) => {
  const { registry } = options;
  if (typeof registry?.list !== 'function' || typeof options.store?.get !== 'function') {
    throw new ConfigError('protonPlugin needs options { registry: ProtonRegistry, store: ProtonStore }; received ' +
      `registry=${typeof registry}, store=${typeof options.store}.`);
  }
  const store = servedVersionsStore(options.store, registry);
  const hooks = options.hooks ?? {};
  const mountPrefix = app.prefix;
  const bothSlashes = !ignoresTrailingSlash(app);

  app.decorateRequest('gluon', null);
  if (!app.hasRequestDecorator('identity')) app.decorateRequest('identity', null);
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(faultErrorHandler);
  // Bodies are JSON (and the JavaScript media types the original also took), whatever
  // parsers the host has; anything else is a 415.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const maxDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  app.addContentTypeParser(
    ['application/json', 'text/javascript', 'application/javascript'],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      // The depth is bounded before any recursive step (parse, validation, error text).
      if (jsonDepthExceeds(text, maxDepth)) {
        done(jsonTooDeepError(maxDepth), undefined);
        return;
      }
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- fastify types its parser as callback-or-promise; called with a callback it returns nothing
      parseJson(request, text, (err, value) => {
        if (err !== null) {
          done(err, undefined);
          return;
        }
        try {
          checkJsonValues(value);
          done(null, value);
        } catch (bad) {
          done(bad as Error, undefined);
        }
      });
    },
  );

  const advertisedUrl = options.advertisedUrl;
  app.addHook('onRequest', (request, _reply, done) => {
    rememberHostlessBase(request, advertisedUrl);
    done();
  });

  if (!app.hasRoute({ method: 'GET', url: '/' })) {
    app.get('/', async (request) => rootDocument(baseUrl(request, mountPrefix)));
  }

  // built on demand (the first GET of /proton/openapi.json or /proton/docs), from the APIs served now
  const apis = registry.list();
  const document = options.docs === false ? undefined : () => withWatchAndCapabilities(buildOpenApi(apis), '/proton/capabilities', options.watch !== undefined);
  const streams = new WatchStreams();
  // A watch stream never finishes on its own: end them all before the server waits for requests.
  app.addHook('preClose', (done) => {
    streams.endAll();
    done();
  });

  await app.register(
    async (scope) => {
      scope.setNotFoundHandler(faultNotFoundHandler);
      const authenticate = hooks.authenticate;
      if (authenticate !== undefined) scope.addHook('onRequest', async (request, reply) => authenticate(request, reply));
      registerDeprecationHeaders(scope, registry, mountPrefix);
      registerDiscoveryRoutes(scope, { registry, mountPrefix, bothSlashes, notAllowed: registerNotAllowed });
      registerCapabilitiesRoute(scope, { registry, mountPrefix, capabilities: options.capabilities, watch: options.watch, notAllowed: registerNotAllowed });
      const watch = createWatchHandler(options.watch, hooks, streams);
      registerObjectRoutes(scope, registry.list(), { store, hooks, notAllowed: registerNotAllowed, watch });
      if (document !== undefined) registerOpenApiRoute(scope, document);
    },
    { prefix: '/proton' },
  );

  if (document !== undefined) registerSwaggerUi(app, document);
};

Object.defineProperty(protonPlugin, Symbol.for('fastify.display-name'), { value: 'gluon-net:proton' });
