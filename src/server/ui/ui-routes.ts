import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GluonError } from '../../core/errors/index.js';
import { faultErrorHandler, ignoresTrailingSlash, type CapabilitiesAuth, type ProtonHooks } from '../../core/http/index.js';
import type { KeyValueStore } from '../../core/kv/index.js';
import type { ProtonRegistry } from '../../core/registry/index.js';
import { loadUiAssets, type UiAsset, type UiAssets } from './ui-assets.js';
import { uiOverview } from './ui-overview.js';
import { readShims } from './shims-view.js';

/** Where the live view is served. */
export const UI_PATH = '/proton/ui';

/**
 * What the page may do: load its own script and style sheet, and talk to this server
 * only. No inline script or style, no frames, no forms posting elsewhere.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of {@link uiPlugin}. */
export interface UiPluginOptions {
  /** The served APIs (the overview, and the APIs whose shims are read). */
  readonly registry: ProtonRegistry;
  /** The key/value store the shims' bind results and elections are read from. */
  readonly kv: KeyValueStore;
  /** The protonPlugin hooks: their `authenticate` guards the page's data as it guards the API. */
  readonly hooks?: ProtonHooks | undefined;
  /** The authentication strategy, as `GET /proton/capabilities` announces it. */
  readonly auth?: CapabilitiesAuth | undefined;
  /** True when the server streams changes (it has a mirror). */
  readonly watch: boolean;
  /** The page's files (default: the package's `ui/` directory). */
  readonly assets?: UiAssets;
}

function sendAsset(reply: FastifyReply, asset: UiAsset): FastifyReply {
  return reply
    .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .type(asset.type)
    .send(asset.body);
}

function requireAdmin(request: FastifyRequest): void {
  if (request.identity?.isAdmin === true) return;
  throw new GluonError('GLUON_ERR_AUTH_FORBIDDEN', 'Only an admin may read the shims of every API (rule "context_is_admin" does not hold for the caller).', {
    details: [{ field: 'context_is_admin', rule: 'policy', message: '"context_is_admin" is not satisfied by the caller\'s roles' }],
  });
}

/**
 * The live view of the reference server at `/proton/ui`: a page and its script module
 * (served to anyone: they hold no data), `/proton/ui/overview` (the APIs and objects,
 * the model only, like the OpenAPI document) and `/proton/ui/shims` (every shim with
 * its hosts, admin only). The page reads objects and ports through the API itself
 * (lists with `?watch=true`), sending the caller's token like any client, so the API's
 * authentication and policy apply to everything it shows.
 */
export const uiPlugin: FastifyPluginAsync<UiPluginOptions> = async (app, options) => {
  const assets = options.assets ?? (await loadUiAssets());
  const authenticate = options.hooks?.authenticate;
  app.setErrorHandler(faultErrorHandler);
  if (!app.hasRequestDecorator('identity')) app.decorateRequest('identity', null);
  app.get(UI_PATH, async (_request, reply) => sendAsset(reply, assets.page));
  // `/proton/ui/` too (its links are absolute), unless the router already treats it as the same path
  if (!ignoresTrailingSlash(app)) app.get(`${UI_PATH}/`, async (_request, reply) => sendAsset(reply, assets.page));
  app.get(`${UI_PATH}/app.js`, async (_request, reply) => sendAsset(reply, assets.script));
  app.get(`${UI_PATH}/app.css`, async (_request, reply) => sendAsset(reply, assets.style));
  app.get(`${UI_PATH}/overview`, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(uiOverview(options.registry, options.auth, options.watch)),
  );
  app.get(`${UI_PATH}/shims`, {
    onRequest: async (request, reply) => {
      await authenticate?.(request, reply);
      if (authenticate !== undefined) requireAdmin(request);
    },
    handler: async (_request, reply) => reply.header('cache-control', 'no-store').send(await readShims(options.kv, options.registry.storageModels())),
  });
};

Object.defineProperty(uiPlugin, Symbol.for('fastify.display-name'), { value: 'gluon-net:ui' });
