import type { FastifyInstance } from 'fastify';
import type { ApiModel } from '../model/index.js';
import type { ProtonRegistry } from '../registry/index.js';

/** The headers every answer of one deprecated version carries. */
interface DeprecationHeaders {
  /** RFC 9745: `@<unix seconds>` of `info.deprecated_since`. */
  readonly deprecation: string;
  /** Path of the CURRENT version (RFC 5829 `successor-version`), when there is one. */
  readonly successor?: string;
}

/** The `Deprecation` header value (RFC 9745, a structured-field date) of a deprecated version. */
export function deprecationHeader(api: ApiModel): string | undefined {
  if (api.deprecatedSince === undefined) return undefined;
  const millis = Date.parse(api.deprecatedSince);
  return Number.isNaN(millis) ? undefined : `@${Math.floor(millis / 1000)}`;
}

/**
 * Adds `Deprecation` (RFC 9745) and `Link: <…/CURRENT version>; rel="successor-version"`
 * to every answer under `/proton/<api>/<versionId>` of a DEPRECATED version, errors
 * included. Keyed by the matched route, so it costs one map lookup per request.
 */
export function registerDeprecationHeaders(scope: FastifyInstance, registry: ProtonRegistry, mountPrefix: string): void {
  const byVersion = new Map<string, DeprecationHeaders>();
  for (const api of registry.list()) {
    const value = registry.status(api) === 'DEPRECATED' ? deprecationHeader(api) : undefined;
    if (value === undefined) continue;
    const current = registry.defaultVersion(api.name);
    const successor = current === undefined || current === api ? undefined : `${mountPrefix}/proton/${api.name}/${current.versionId}`;
    byVersion.set(`${api.name}/${api.versionId}`, successor === undefined ? { deprecation: value } : { deprecation: value, successor });
  }
  if (byVersion.size === 0) return;
  scope.addHook('onSend', async (request, reply, payload) => {
    const segments = (request.routeOptions.url ?? request.url).split('?')[0]?.split('/') ?? [];
    const at = segments.indexOf('proton');
    const headers = at < 0 ? undefined : byVersion.get(`${segments[at + 1] ?? ''}/${segments[at + 2] ?? ''}`);
    if (headers !== undefined) {
      void reply.header('deprecation', headers.deprecation);
      if (headers.successor !== undefined) void reply.header('link', `<${headers.successor}>; rel="successor-version"`);
    }
    return payload;
  });
}
