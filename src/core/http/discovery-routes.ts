import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiModel } from '../model/index.js';
import type { ProtonRegistry } from '../registry/index.js';

/** The text of the original's root document. */
export const ROOT_DESCRIPTION =
  'OpenStack Gluon is a port arbiter that maintains a list of ports and bindings of different network backends. A Proton Server is the API server that hosts multiple Protons, i.e. multiple sets of APIs.';

interface Link {
  readonly href: string;
  readonly rel: 'self';
}

const kBaseWithoutHost = Symbol('gluon.baseWithoutHost');
type HostlessRequest = FastifyRequest & { [kBaseWithoutHost]?: string };

/**
 * Remembers the base URL to use for a request that names no `Host` (HTTP/1.0): the
 * advertised URL when configured, else the address the request arrived at.
 */
export function rememberHostlessBase(request: FastifyRequest, advertisedUrl: string | (() => string) | undefined): void {
  const host = request.headers.host;
  if (host !== undefined && host !== '') return;
  const configured = typeof advertisedUrl === 'function' ? advertisedUrl() : advertisedUrl;
  if (configured !== undefined && configured !== '') {
    (request as HostlessRequest)[kBaseWithoutHost] = configured.replace(/\/+$/, '');
    return;
  }
  const socket = request.raw.socket;
  const address = socket.localAddress ?? '127.0.0.1';
  const hostPart = address.includes(':') ? `[${address}]` : address;
  (request as HostlessRequest)[kBaseWithoutHost] = `${request.protocol}://${hostPart}:${socket.localPort ?? 80}`;
}

/**
 * `protocol://host` + mount prefix of a request, for `href`s (the advertised URL when the
 * request names no `Host`, see {@link rememberHostlessBase}).
 */
export function baseUrl(request: FastifyRequest, mountPrefix: string): string {
  const hostless = (request as HostlessRequest)[kBaseWithoutHost];
  if (hostless !== undefined) return `${hostless}${mountPrefix}`;
  return `${request.protocol}://${request.host}${mountPrefix}`;
}

function self(href: string): readonly Link[] {
  return [{ href, rel: 'self' }];
}

/** `GET /`: the API root document. */
export function rootDocument(base: string): Record<string, unknown> {
  const version = { status: 'CURRENT', id: 'proton', links: self(`${base}/proton/`) };
  return { name: 'Gluon API', description: ROOT_DESCRIPTION, versions: [version], default_version: version };
}

/** `GET /proton`: the hosted Protons. */
export function protonsDocument(base: string, registry: ProtonRegistry): Record<string, unknown> {
  return {
    protons: registry.apiNames().map((name) => ({
      proton_service: name,
      status: 'CURRENT',
      links: self(`${base}/proton/${name}`),
    })),
  };
}

/** A version's status as discovery shows it (`CURRENT`, `SUPPORTED`, `DEPRECATED`). */
function statusOf(registry: ProtonRegistry, api: ApiModel): string {
  return registry.status(api) ?? 'CURRENT';
}

function versionEntry(base: string, registry: ProtonRegistry, api: ApiModel): Record<string, unknown> {
  return {
    proton_service: api.name,
    version_id: api.versionId,
    status: statusOf(registry, api),
    links: self(`${base}/proton/${api.name}/${api.versionId}`),
  };
}

/** `GET /proton/<api>`: the versions of one Proton. */
export function versionsDocument(base: string, registry: ProtonRegistry, name: string): Record<string, unknown> {
  const latest = registry.defaultVersion(name);
  return {
    default_version: latest === undefined ? null : versionEntry(base, registry, latest),
    versions: registry.versions(name).map((api) => versionEntry(base, registry, api)),
  };
}

/** `GET /proton/<api>/<versionId>`: the resources (collections) of one version. */
export function resourcesDocument(base: string, api: ApiModel, status = 'CURRENT'): Record<string, unknown> {
  return {
    resources: api.objects.map((object) => ({
      resource_name: object.api.plural,
      proton_service: api.name,
      version_id: api.versionId,
      status,
      links: self(`${base}/proton/${api.name}/${api.versionId}/${object.api.plural}`),
    })),
  };
}

/** Options of {@link registerDiscoveryRoutes}. */
export interface DiscoveryRouteOptions {
  readonly registry: ProtonRegistry;
  /** Prefix the plugin is mounted under in the host app ('' at the root). */
  readonly mountPrefix: string;
  /** Register `/x/` next to `/x` (false when the host ignores trailing slashes). */
  readonly bothSlashes: boolean;
  /** Registers 405 answers for the other methods of a path. */
  readonly notAllowed: (instance: FastifyInstance, path: string, allowed: readonly string[]) => void;
}

/**
 * Registers the discovery documents inside the `/proton` scope: `/proton`, `/proton/`,
 * `/proton/<api>[/]`, `/proton/<api>/<versionId>[/]` for every registered version.
 */
export function registerDiscoveryRoutes(scope: FastifyInstance, options: DiscoveryRouteOptions): void {
  const { registry, mountPrefix } = options;
  const paths = (path: string): string[] => (options.bothSlashes ? [path, `${path}/`] : [path]);

  scope.get('/', async (request) => protonsDocument(baseUrl(request, mountPrefix), registry));
  options.notAllowed(scope, '/', ['GET']);

  for (const name of registry.apiNames()) {
    for (const path of paths(`/${name}`)) {
      scope.get(path, async (request) => versionsDocument(baseUrl(request, mountPrefix), registry, name));
      options.notAllowed(scope, path, ['GET']);
    }
    for (const api of registry.versions(name)) {
      for (const path of paths(`/${name}/${api.versionId}`)) {
        scope.get(path, async (request) => resourcesDocument(baseUrl(request, mountPrefix), api, statusOf(registry, api)));
        options.notAllowed(scope, path, ['GET']);
      }
    }
  }
}
