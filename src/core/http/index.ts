/**
 * The HTTP part: `protonPlugin`, a fastify plugin serving the Proton REST API generated
 * from the registered models, with Gluon's wire format and fault bodies.
 * @packageDocumentation
 */
export { protonPlugin } from './proton-plugin.js';
export { createAuthHooks, combineHooks } from './auth-hooks.js';
export type { AuthHooksOptions } from './auth-hooks.js';
export type { ProtonPluginOptions, ProtonHooks, GluonRequestContext } from './types.js';
export { renderFault, toHttpError } from './fault.js';
export type { FaultBody } from './fault.js';
export { parseIfMatch } from './if-match.js';
export { ROOT_DESCRIPTION } from './discovery-routes.js';
export { servedVersionsStore } from './served-store.js';
export { deprecationHeader } from './deprecation.js';
