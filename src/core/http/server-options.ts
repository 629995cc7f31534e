import type { FastifyServerOptions } from 'fastify';
import type { ApiModel } from '../model/index.js';
import { connectionServerOptions, type ConnectionLimits } from './connection-limits.js';
import { protocolClientErrorHandler, protocolFrameworkErrors } from './protocol-errors.js';

/** Characters one code point may take in a %-encoded URL (4 UTF-8 bytes × `%XX`). */
const ENCODED_CHARS_PER_CODE_POINT = 12;
/** fastify's own default of `maxParamLength`. */
const FASTIFY_MAX_PARAM_LENGTH = 100;

/**
 * The longest URL parameter the APIs' routes need: every primary key a body may create
 * (its length in code points) must fit once %-encoded, so that whatever is created is
 * addressable (fastify's default of 100 characters cut longer keys with a 414).
 */
export function maxParamLengthFor(apis: readonly ApiModel[]): number {
  let longest = 36;
  for (const api of apis) {
    for (const object of api.objects) {
      const pk = object.attributes.find((a) => a.name === object.primaryKey);
      longest = Math.max(longest, pk?.length ?? 255);
    }
  }
  return Math.max(FASTIFY_MAX_PARAM_LENGTH, longest * ENCODED_CHARS_PER_CODE_POINT);
}

/**
 * The fastify **server** options a host app should use with {@link protonPlugin} (they
 * cannot be set from inside a plugin): protocol errors answered as Gluon faults
 * (`clientErrorHandler`, `frameworkErrors`), URL parameters long enough for every key
 * the models allow (`routerOptions.maxParamLength`), and the header/request timeouts'
 * checking interval (`http`). Apply the rest of the limits with `applyConnectionLimits`
 * once the app exists.
 *
 * @example
 * ```ts
 * const app = fastify({ ...protonServerOptions(registry.list(), DEFAULT_CONNECTION_LIMITS) });
 * applyConnectionLimits(app.server, DEFAULT_CONNECTION_LIMITS);
 * ```
 */
export function protonServerOptions(apis: readonly ApiModel[], limits: ConnectionLimits): FastifyServerOptions {
  return {
    clientErrorHandler: protocolClientErrorHandler,
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler returns the (thenable) reply it sent; fastify ignores the value
    frameworkErrors: protocolFrameworkErrors,
    routerOptions: { maxParamLength: maxParamLengthFor(apis) },
    http: connectionServerOptions(limits),
  } as FastifyServerOptions;
}
