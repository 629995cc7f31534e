import { randomUUID } from 'node:crypto';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { protonDriver, type BackendDriver, type DriverDefinition, type TokenProvider } from '../../drivers/index.js';
import { createKeyValueStore, type EtcdAccessOptions, type KeyValueStore } from '../kv/index.js';
import { isGluonError } from '../errors/index.js';
import { findGluonObjects } from './gluon-objects.js';
import { neutronFault, toNeutronFault, type NeutronFault } from './neutron-errors.js';
import { PortArbiter } from './port-arbiter.js';
import { parsePortQuery } from './port-filters.js';
import { listPorts, type PortListTools } from './port-list.js';
import { createsOnNetwork, gluonNetworkReserved, gluonPortDeleteRefused } from './refusals.js';
import type { ArbiterContext } from './types.js';
import { NeutronUpstream, type UpstreamResponse } from './upstream.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Who a request comes from, as the facade's identity hook reports it. */
export type FacadeIdentity = Pick<ArbiterContext, 'projectId' | 'isAdmin'>;

/** Finds the caller of a request (for tenant scoping of Gluon ports). */
export type IdentifyCaller = (headers: Readonly<Record<string, string | string[] | undefined>>) => FacadeIdentity | Promise<FacadeIdentity>;

/** Options of {@link createNeutronFacade}. */
export interface NeutronFacadeOptions {
  /** The real Neutron's base URL, e.g. `http://127.0.0.1:9696`. */
  readonly neutronUrl: string;
  /** The key/value store holding `/gluon/port/` (wins over `etcd`). */
  readonly kv?: KeyValueStore;
  /** etcd URL(s) when no `kv` is given (`http://127.0.0.1:2379[,…]`). */
  readonly etcd?: string | readonly string[];
  /** Key prefix in etcd (same as the Proton servers'). */
  readonly etcdPrefix?: string;
  /** TLS material and etcd user of the `etcd` connection (the arbiter's role only reads). */
  readonly etcdAccess?: EtcdAccessOptions;
  /**
   * Backend drivers by service (e.g. `discoverPlugins(…).drivers`). A service without an
   * entry is served by {@link NeutronFacadeOptions.defaultDriver}.
   */
  readonly drivers?: ReadonlyMap<string, DriverDefinition> | Readonly<Record<string, DriverDefinition>>;
  /** Driver for services without their own (default: the built-in Proton driver; `null`: none). */
  readonly defaultDriver?: DriverDefinition | null;
  /** Id of the dummy network `GluonNetwork` (looked up by name in Neutron when absent). */
  readonly gluonNetworkId?: string;
  /** Id of the dummy subnet `GluonSubnet` (looked up by name in Neutron when absent). */
  readonly gluonSubnetId?: string;
  /** How long to retry the GluonNetwork/GluonSubnet lookup, ms (default: forever). */
  readonly lookupTimeoutMs?: number;
  /** Token for the lookup (a Keystone-protected Neutron needs an admin token). */
  readonly neutronToken?: string;
  /** Service token for drivers when a request carries none. */
  readonly tokenProvider?: TokenProvider;
  /**
   * Finds the caller of a request for tenant scoping of Gluon ports. Give
   * `callerScopeOf(authenticator)` (from the auth part, e.g. with
   * `createKeystoneAuthenticator`) for any facade that untrusted callers can reach: the
   * caller's token is validated and `X-Project-Id` / `X-Roles` headers are ignored. A
   * hook that throws a 401 `GluonError` (an `AuthError`) answers the request with
   * keystonemiddleware's 401 (`{"error": {"code": 401, …}}` and its `WWW-Authenticate`).
   *
   * Default {@link headerIdentity}: **trusts** `X-Project-Id` and `X-Roles` (the headers
   * keystonemiddleware sets) and treats a request without `X-Project-Id` as an admin, as
   * Neutron's noauth mode does — every caller can be admin, so only for a facade that
   * only trusted callers (or a proxy that sets those headers itself) can reach.
   * `gluon arbiter` never uses it unless `--auth-strategy noauth` is given explicitly.
   */
  readonly identify?: IdentifyCaller;
  /** Reuse connections to Neutron (default `true`; see {@link NeutronUpstream}). */
  readonly upstreamKeepAlive?: boolean;
  /** Timeout of one upstream request, ms (default 120,000). */
  readonly upstreamTimeoutMs?: number;
  /** Logger (pino-compatible; default silent). */
  readonly logger?: Logger;
  /**
   * Serve HTTPS with this identity (PEM certificate, key, and `ca` + `requestCert` +
   * `rejectUnauthorized` to require client certificates); see docs/tls.md.
   * @default none: plain HTTP
   */
  readonly tls?: FacadeTlsOptions;
  /**
   * CA certificates (PEM) trusted, instead of the system ones, when the facade calls
   * https servers: the upstream Neutron and, through the drivers, the Proton servers.
   * @default the system's trusted CAs
   */
  readonly trustedCa?: string;
}

/** The TLS identity of a facade serving HTTPS. */
export type FacadeTlsOptions = SecureContextOptions & { readonly requestCert?: boolean; readonly rejectUnauthorized?: boolean };

/** A running Neutron facade. */
export interface NeutronFacade {
  /** The fastify app (routes registered; call {@link NeutronFacade.listen} or `app.inject`). */
  readonly app: FastifyInstance;
  /** The port arbiter answering for Gluon ports. */
  readonly arbiter: PortArbiter;
  /** The client of the upstream Neutron. */
  readonly upstream: NeutronUpstream;
  /** The dummy GluonNetwork id in use. */
  readonly gluonNetworkId: string;
  /** The dummy GluonSubnet id in use. */
  readonly gluonSubnetId: string;
  /** Listens (default 127.0.0.1:9697) and resolves with the base URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /**
   * Serves new connections with this identity (a renewed certificate); open connections
   * keep theirs. Only for a facade created with `tls`.
   */
  reloadTls(tls: FacadeTlsOptions): void;
  /** Stops listening, the registry watch, the drivers, the upstream client and (when it created it) the store. */
  close(): Promise<void>;
}

/**
 * The identity hook used when none is given (the `noauth` strategy of `gluon arbiter`):
 * trusts the `X-Project-Id` / `X-Roles` headers; a request without `X-Project-Id` is an
 * admin. Anyone who can reach the facade can claim any project or admin: use it only
 * behind trusted callers. See `docs/security.md`.
 */
export const headerIdentity: IdentifyCaller = (headers) => {
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const project = first(headers['x-project-id']) ?? first(headers['x-tenant-id']);
  if (project === undefined || project === '') return { isAdmin: true };
  const roles = (first(headers['x-roles']) ?? '').split(',').map((r) => r.trim().toLowerCase());
  return { projectId: project, isAdmin: roles.includes('admin') };
};

function toMap(drivers: NeutronFacadeOptions['drivers']): ReadonlyMap<string, DriverDefinition> {
  if (drivers === undefined) return new Map();
  if (drivers instanceof Map) return drivers;
  return new Map(Object.entries(drivers as Readonly<Record<string, DriverDefinition>>));
}

/**
 * Creates the Neutron API facade: a server Nova (or anyone) talks to in place of
 * Neutron. `GET /v2.0/ports[/<id>]` and `PUT /v2.0/ports/<id>` are answered by the
 * {@link PortArbiter} for Gluon ports (lists merge them with Neutron's ports and are paged
 * by the facade, see `listPorts`); `DELETE` of a Gluon port and `POST` of a port on
 * GluonNetwork are refused with a 409 saying to use the Proton API; every
 * other request, and every request about a non-Gluon port, is passed to the upstream
 * Neutron unchanged (method, path, query, headers, body; Neutron's status, headers and
 * body back), only hop-by-hop headers stripped.
 *
 * At start it loads the port registry from etcd and, unless given, looks up the
 * GluonNetwork / GluonSubnet ids by name in Neutron (retrying until they exist).
 */
export async function createNeutronFacade(options: NeutronFacadeOptions): Promise<NeutronFacade> {
  const logger = options.logger ?? silentLogger;
  const upstream = new NeutronUpstream({
    url: options.neutronUrl,
    ...(options.upstreamKeepAlive === undefined ? {} : { keepAlive: options.upstreamKeepAlive }),
    ...(options.upstreamTimeoutMs === undefined ? {} : { timeoutMs: options.upstreamTimeoutMs }),
    ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
  });
  const ownKv = options.kv === undefined;
  const etcd = options.etcd === undefined ? undefined : typeof options.etcd === 'string' ? options.etcd : options.etcd.join(',');
  const kv = options.kv ?? createKeyValueStore(etcd, {
    ...(options.etcdPrefix === undefined ? {} : { prefix: options.etcdPrefix }),
    ...(options.etcdAccess === undefined ? {} : { access: options.etcdAccess }),
    logger,
  });
  const drivers = new Map<string, Promise<BackendDriver | undefined>>();
  let arbiter: PortArbiter | undefined;
  try {
    let ids: { gluonNetworkId: string; gluonSubnetId: string };
    if (options.gluonNetworkId !== undefined && options.gluonSubnetId !== undefined) {
      ids = { gluonNetworkId: options.gluonNetworkId, gluonSubnetId: options.gluonSubnetId };
    } else {
      const found = await findGluonObjects(upstream, {
        logger,
        ...(options.neutronToken === undefined ? {} : { token: options.neutronToken }),
        ...(options.lookupTimeoutMs === undefined ? {} : { timeoutMs: options.lookupTimeoutMs }),
      });
      ids = { gluonNetworkId: options.gluonNetworkId ?? found.gluonNetworkId, gluonSubnetId: options.gluonSubnetId ?? found.gluonSubnetId };
    }
    logger.info({ ...ids, neutronUrl: options.neutronUrl }, 'neutron facade: dummy GluonNetwork/GluonSubnet');
    const definitions = toMap(options.drivers);
    const fallback = options.defaultDriver === undefined ? protonDriver : options.defaultDriver;
    const lookup = (service: string): Promise<BackendDriver | undefined> => {
      let driver = drivers.get(service);
      if (driver === undefined) {
        const definition = definitions.get(service) ?? fallback ?? undefined;
        driver = definition === undefined
          ? Promise.resolve(undefined)
          : Promise.resolve(
              definition.create({
                service,
                ...ids,
                logger,
                ...(options.tokenProvider === undefined ? {} : { tokenProvider: options.tokenProvider }),
                ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
              }),
            );
        drivers.set(service, driver);
        driver.catch(() => drivers.delete(service));
      }
      return driver;
    };
    arbiter = new PortArbiter({ kv, drivers: lookup, logger });
    await arbiter.start();
    const app = buildApp({ arbiter, upstream, identify: options.identify ?? headerIdentity, logger, gluonNetworkId: ids.gluonNetworkId, ...(options.tls === undefined ? {} : { tls: options.tls }) });
    await app.ready();
    const theArbiter = arbiter;
    let closed = false;
    return {
      app,
      arbiter,
      upstream,
      ...ids,
      async listen(listenOptions = {}) {
        return app.listen({ port: listenOptions.port ?? 9697, host: listenOptions.host ?? '127.0.0.1' });
      },
      reloadTls(tls) {
        (app.server as unknown as TlsServer).setSecureContext(tls);
      },
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await theArbiter.close();
        for (const driver of drivers.values()) await (await driver.catch(() => undefined))?.close();
        await upstream.close();
        if (ownKv) await kv.close();
      },
    };
  } catch (err) {
    await arbiter?.close();
    await upstream.close();
    if (ownKv) await kv.close();
    throw err;
  }
}

/** What the facade's fastify app is built from. */
interface FacadeParts {
  readonly arbiter: PortArbiter;
  readonly upstream: NeutronUpstream;
  readonly identify: IdentifyCaller;
  readonly logger: Logger;
  readonly gluonNetworkId: string;
  readonly tls?: FacadeTlsOptions;
}

function buildApp({ arbiter, upstream, identify, logger, gluonNetworkId, tls }: FacadeParts): FastifyInstance {
  const base = { logger: false, exposeHeadRoutes: false, routerOptions: { maxParamLength: 8192 }, bodyLimit: 16 * 1024 * 1024 } as const;
  // an https app is the same fastify instance over a tls.Server
  const app = (tls === undefined ? Fastify(base) : Fastify({ ...base, https: tls })) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const requestId = (): string => `req-${randomUUID()}`;

  /**
   * Writes Neutron's answer as is: status, headers (hop-by-hop ones already removed) and
   * body bytes. Written on the raw response so fastify adds nothing and drops nothing
   * (e.g. Neutron's `Content-Length: 0` on a 204).
   */
  const passThrough = (reply: FastifyReply, res: UpstreamResponse): FastifyReply => {
    reply.hijack();
    const out = reply.raw;
    out.statusCode = res.status;
    for (const [name, value] of Object.entries(res.headers)) out.setHeader(name, value);
    out.end(res.body);
    return reply;
  };

  const proxy = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const res = await upstream.send({ method: request.method, path: request.url, headers: request.headers, body: bodyOf(request) });
      return passThrough(reply, res);
    } catch (err) {
      logger.error({ method: request.method, url: request.url, err: (err as Error).message }, 'neutron facade: upstream failed');
      return sendFault(reply, toNeutronFault(err), requestId());
    }
  };

  const contextOf = async (request: FastifyRequest, id: string): Promise<ArbiterContext> => {
    const token = request.headers['x-auth-token'];
    const identity = await identify(request.headers);
    return {
      ...identity,
      requestId: id,
      ...(typeof token === 'string' && token !== '' ? { token } : {}),
    };
  };

  // list: Neutron's ports merged with Gluon ports
  const listTools: PortListTools = { arbiter, upstream, contextOf, passThrough, proxy, requestId, sendError: (reply, err, rid) => sendError(reply, err, { rid }) };
  app.get('/v2.0/ports', (request, reply) => listPorts(listTools, request, reply));
  app.get('/v2.0/ports.json', (request, reply) => listPorts(listTools, request, reply));

  // create: refused on GluonNetwork (its addresses belong to Gluon ports)
  const createPort = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (!createsOnNetwork(bodyOf(request), gluonNetworkId)) return proxy(request, reply);
    const rid = requestId();
    try {
      await contextOf(request, rid); // authenticate first, as keystonemiddleware does
    } catch (err) {
      return sendError(reply, err, { rid });
    }
    logger.info({ method: request.method, url: request.url }, 'neutron facade: refused a port on GluonNetwork');
    return sendFault(reply, gluonNetworkReserved(gluonNetworkId), rid);
  };
  app.post('/v2.0/ports', createPort);
  app.post('/v2.0/ports.json', createPort);

  // one port: Gluon ports answered here, others passed through
  const portId = (request: FastifyRequest): string => {
    const raw = (request.params as { id: string }).id;
    return raw.endsWith('.json') ? raw.slice(0, -5) : raw;
  };

  app.get('/v2.0/ports/:id', async (request, reply) => {
    const id = portId(request);
    if (!arbiter.isGluonPort(id)) return proxy(request, reply);
    const rid = requestId();
    try {
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const port = await arbiter.getPort(id, { fields: parsePortQuery(search).fields, ctx: await contextOf(request, rid) });
      return sendOk(reply, { port }, rid);
    } catch (err) {
      logFailure(logger, request, err);
      return sendError(reply, err, { rid, portId: id });
    }
  });

  app.put('/v2.0/ports/:id', async (request, reply) => {
    const id = portId(request);
    if (!arbiter.isGluonPort(id)) return proxy(request, reply);
    const rid = requestId();
    let ctx: ArbiterContext;
    try {
      ctx = await contextOf(request, rid); // authenticate first, as keystonemiddleware does
    } catch (err) {
      logFailure(logger, request, err);
      return sendError(reply, err, { rid, portId: id });
    }
    const raw = bodyOf(request);
    let parsed: unknown;
    try {
      parsed = raw === undefined || raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      return sendFault(reply, neutronFault(400, 'HTTPBadRequest', 'Malformed request body'), rid);
    }
    const inner = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)['port'] : undefined;
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return sendFault(reply, neutronFault(400, 'HTTPBadRequest', "Unable to find 'port' in request body"), rid);
    }
    try {
      const port = await arbiter.updatePort(id, inner as Record<string, unknown>, ctx);
      return sendOk(reply, { port }, rid);
    } catch (err) {
      logFailure(logger, request, err);
      return sendError(reply, err, { rid, portId: id });
    }
  });

  // delete: a Gluon port is deleted through its Proton API, never "deleted" here
  app.delete('/v2.0/ports/:id', async (request, reply) => {
    const id = portId(request);
    const reg = arbiter.registry.get(id);
    if (reg === undefined) return proxy(request, reply);
    const rid = requestId();
    try {
      // 401 / 404 (not visible) / 503 (Proton server down) as for a GET
      await arbiter.getPort(id, { fields: ['id'], ctx: await contextOf(request, rid) });
    } catch (err) {
      logFailure(logger, request, err);
      return sendError(reply, err, { rid, portId: id });
    }
    logger.info({ portId: id, service: reg.service }, 'neutron facade: refused to delete a Gluon port');
    return sendFault(reply, gluonPortDeleteRefused(id, reg.service), rid);
  });

  // everything else: Neutron
  app.all('/*', proxy);
  app.all('/', proxy);
  return app;
}

function bodyOf(request: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(request.body) ? request.body : undefined;
}

/** A 200 with a JSON body. */
function sendOk(reply: FastifyReply, body: unknown, rid: string): FastifyReply {
  return reply.code(200).header('content-type', 'application/json').header('x-openstack-request-id', rid).send(Buffer.from(JSON.stringify(body), 'utf8'));
}

/** keystonemiddleware's 401 body, byte for byte (Neutron behind `auth_strategy = keystone`). */
const UNAUTHORIZED_BODY = '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}';

/**
 * The answer to a failed request: keystonemiddleware's 401 (body and `WWW-Authenticate`)
 * for an authentication failure of the identity hook, else the Neutron fault.
 */
function sendError(reply: FastifyReply, err: unknown, { rid, portId }: { rid: string; portId?: string }): FastifyReply {
  if (isGluonError(err) && err.status === 401) {
    const challenge = (err as { challenge?: unknown }).challenge;
    if (typeof challenge === 'string' && challenge !== '') reply.header('www-authenticate', keystonemiddlewareChallenge(challenge));
    return reply.code(401).header('content-type', 'application/json').header('x-openstack-request-id', rid).send(Buffer.from(UNAUTHORIZED_BODY, 'utf8'));
  }
  return sendFault(reply, toNeutronFault(err, portId), rid);
}

/**
 * The `WWW-Authenticate` value in keystonemiddleware's form, `Keystone uri="<identity
 * endpoint>"` with the unversioned endpoint (its `www_authenticate_uri`), as Neutron sends it:
 * a trailing `/v3` of the configured Keystone URL is dropped.
 */
function keystonemiddlewareChallenge(challenge: string): string {
  return challenge.replace(/^Keystone uri="(.*?)\/*(?:\/v3)?\/*"$/, 'Keystone uri="$1"');
}

function sendFault(reply: FastifyReply, fault: NeutronFault, rid: string): FastifyReply {
  return reply.code(fault.status).header('content-type', 'application/json').header('x-openstack-request-id', rid).send(Buffer.from(fault.body, 'utf8'));
}

function logFailure(logger: Logger, request: FastifyRequest, err: unknown): void {
  const e = err as { status?: number; code?: string; message?: string };
  const log = (e.status ?? 500) >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
  log({ method: request.method, url: request.url, code: e.code, err: e.message }, 'neutron facade: Gluon port request failed');
}

