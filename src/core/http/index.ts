/**
 * The HTTP part: `protonPlugin`, a fastify plugin serving the Proton REST API generated
 * from the registered models, with Gluon's wire format and fault bodies.
 * @packageDocumentation
 */
export { protonPlugin, ignoresTrailingSlash } from './proton-plugin.js';
export { createAuthHooks, combineHooks } from './auth-hooks.js';
export type { AuthHooksOptions } from './auth-hooks.js';
export type { ProtonPluginOptions, ProtonHooks, GluonRequestContext, UpdateChange, UpdateWrite } from './types.js';
export { renderFault, toHttpError, faultErrorHandler, faultNotFoundHandler } from './fault.js';
export type { FaultBody } from './fault.js';
export { parseIfMatch } from './if-match.js';
export { ROOT_DESCRIPTION } from './discovery-routes.js';
export { protonServerOptions, maxParamLengthFor } from './server-options.js';
export { applyConnectionLimits, connectionServerOptions, DEFAULT_CONNECTION_LIMITS } from './connection-limits.js';
export type { ConnectionLimits } from './connection-limits.js';
export { protocolClientErrorHandler, protocolFrameworkErrors } from './protocol-errors.js';
export { DEFAULT_MAX_JSON_DEPTH } from './json-body.js';
export { DEFAULT_WATCH_BUFFER_BYTES, DEFAULT_WATCH_HEARTBEAT_SECONDS } from './watch-routes.js';
export type { ProtonWatchOptions, WatchMonitor } from './watch-routes.js';
export type { SseEndReason } from './sse-stream.js';
export type { CapabilitiesOptions, CapabilitiesAuth, CapabilitiesBind } from './capabilities-routes.js';
export { servedVersionsStore } from './served-store.js';
export { deprecationHeader } from './deprecation.js';
