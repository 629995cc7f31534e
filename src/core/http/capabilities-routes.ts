import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProtonRegistry } from '../registry/index.js';
import { baseUrl } from './discovery-routes.js';
import { MAX_LIMIT, META_FIELDS } from './query-parser.js';
import { DEFAULT_WATCH_BUFFER_BYTES, DEFAULT_WATCH_HEARTBEAT_SECONDS, type ProtonWatchOptions } from './watch-routes.js';

/** How callers authenticate, as `GET /proton/capabilities` tells clients. */
export interface CapabilitiesAuth {
  /** `noauth`, `token-file` or `keystone`. */
  readonly strategy: string;
  /** Keystone's public URL (where a client gets a token), for the `keystone` strategy. */
  readonly authUrl?: string;
}

/** Port binding bounds, as `GET /proton/capabilities` tells clients. */
export interface CapabilitiesBind {
  /** Milliseconds a bind waits for the shim when the request gives no `bind_timeout`. */
  readonly defaultTimeoutMs: number;
  /** Largest `bind_timeout` a request may ask for, in milliseconds. */
  readonly maxTimeoutMs: number;
}

/** What the host tells `GET /proton/capabilities` beyond what the plugin knows itself. */
export interface CapabilitiesOptions {
  /** The server's name and version (default `gluon-net`, `unknown`). */
  readonly server?: { readonly name: string; readonly version: string };
  /** The authentication strategy (default: none announced, i.e. `noauth`). */
  readonly auth?: CapabilitiesAuth;
  /** Port binding bounds (omitted: the server does not bind ports). */
  readonly bind?: CapabilitiesBind;
}

/** The `GET /proton/capabilities` document. */
export type CapabilitiesDocument = Readonly<Record<string, unknown>>;

const TOKEN_HOW: Readonly<Record<string, string>> = {
  noauth: 'No token is needed: every caller acts as an admin of one project (development only).',
  'token-file': 'Send a static API token in X-Auth-Token; the operator creates it with `gluon token create` and lists its hash in the token file.',
  keystone: 'Get a Keystone v3 token (POST <auth_url>/v3/auth/tokens, or `openstack token issue`) and send it in X-Auth-Token.',
};

function authSection(auth: CapabilitiesAuth | undefined): Record<string, unknown> {
  const strategy = auth?.strategy ?? 'noauth';
  return {
    strategy,
    header: 'X-Auth-Token',
    ...(auth?.authUrl === undefined ? {} : { auth_url: auth.authUrl }),
    how_to_get_token: TOKEN_HOW[strategy] ?? 'Send a token in X-Auth-Token.',
  };
}

function watchSection(watch: ProtonWatchOptions | undefined): Record<string, unknown> {
  if (watch === undefined) return { supported: false };
  return {
    supported: true,
    protocol: 'text/event-stream',
    query: 'watch=true',
    events: ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'],
    resume: ['Last-Event-ID', 'resourceVersion'],
    heartbeat_seconds: watch.heartbeatSeconds ?? DEFAULT_WATCH_HEARTBEAT_SECONDS,
    buffer_bytes: watch.bufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES,
    error_codes: ['GLUON_ERR_WATCH_EXPIRED', 'GLUON_ERR_WATCH_SLOW_CLIENT', 'GLUON_ERR_AUTH_INVALID_TOKEN', 'GLUON_ERR_KV_WATCH_FAILED'],
  };
}

/** Builds the capabilities document for one request (links use the request's base URL). */
export function capabilitiesDocument(
  base: string,
  registry: ProtonRegistry,
  served: { capabilities: CapabilitiesOptions | undefined; watch: ProtonWatchOptions | undefined },
): CapabilitiesDocument {
  const { capabilities: options, watch } = served;
  const apis = registry.apiNames().map((name) => {
    const latest = registry.defaultVersion(name);
    return {
      name,
      default_version: latest?.versionId ?? null,
      versions: registry.versions(name).map((api) => ({
        version: api.versionId,
        status: 'CURRENT',
        href: `${base}/proton/${name}/${api.versionId}`,
        resources: api.objects.map((object) => object.api.plural),
      })),
    };
  });
  const bind = options?.bind;
  return {
    server: options?.server ?? { name: 'gluon-net', version: 'unknown' },
    openapi: `${base}/proton/openapi.json`,
    apis,
    auth: authSection(options?.auth),
    features: {
      watch: watchSection(watch),
      bind:
        bind === undefined
          ? { supported: false }
          : { supported: true, query: 'bind_timeout', default_timeout_ms: bind.defaultTimeoutMs, max_timeout_ms: bind.maxTimeoutMs },
      filters: { supported: true, syntax: '<attribute>=<value>', repeated: 'or', combined: 'and' },
      sorting: { supported: true, query: ['sort_key', 'sort_dir'], directions: ['asc', 'desc'], extra_keys: [...META_FIELDS] },
      paging: { supported: true, query: ['limit', 'marker'], max_limit: MAX_LIMIT, next_link: '<plural>_links' },
      fields: { supported: true, query: 'fields' },
      if_match: { supported: true, header: 'If-Match', field: 'revision_number' },
    },
  };
}

/** Options of {@link registerCapabilitiesRoute}. */
export interface CapabilitiesRouteOptions {
  readonly registry: ProtonRegistry;
  readonly mountPrefix: string;
  readonly capabilities?: CapabilitiesOptions | undefined;
  readonly watch?: ProtonWatchOptions | undefined;
  /** Registers 405 answers for the other methods of a path. */
  readonly notAllowed: (instance: FastifyInstance, path: string, allowed: readonly string[]) => void;
}

/** `GET /proton/capabilities` (register inside the `/proton` scope). */
export function registerCapabilitiesRoute(scope: FastifyInstance, options: CapabilitiesRouteOptions): void {
  scope.get('/capabilities', async (request: FastifyRequest) =>
    capabilitiesDocument(baseUrl(request, options.mountPrefix), options.registry, { capabilities: options.capabilities, watch: options.watch }),
  );
  options.notAllowed(scope, '/capabilities', ['GET']);
}
