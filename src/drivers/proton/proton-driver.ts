import { GluonError, ValidationError } from '../../core/errors/index.js';
import { defineDriver } from '../define-driver.js';
import type {
  BackendDriver,
  BindRequest,
  DriverContext,
  DriverFactoryOptions,
  NeutronPort,
  NeutronPortChanges,
  PortRef,
} from '../types.js';
import { AddressLookups } from './address-lookups.js';
import { toNeutronPort, toProtonChanges, type GluonDummies } from './convert-port.js';
import { ProtonHttp, protonFault } from './proton-http.js';
import { discoverLayout, layoutFromModel, type ServiceLayout } from './service-layout.js';

/**
 * How {@link createProtonDriver} fetches many ports from one Proton server:
 * - `ids`: `GET …/ports?id=a&id=b…`, split so each URL stays under `maxUrlLength`
 *   (about 200 ids per request with the default);
 * - `list`: one `GET …/ports` of the whole collection, keeping the ids asked for;
 * - `auto` (default): `ids` when the ids fit in one URL, else `list` — so any
 *   `getPorts` costs one request per Proton server for the ports (plus one per
 *   service-binding collection).
 */
export type ProtonBatchStrategy = 'auto' | 'ids' | 'list';

/** Options of {@link createProtonDriver}: the factory options plus transport tuning. */
export interface ProtonDriverOptions extends DriverFactoryOptions {
  /**
   * Timeout of one HTTP request (headers and body), in ms. Binds wait for the shim on the
   * server side, so keep it above the server's bind deadline.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Keep-alive connections per Proton server.
   * @default 8
   */
  readonly connections?: number;
  /**
   * Longest request URL the driver builds when filtering by id (bytes).
   * @default 8000
   */
  readonly maxUrlLength?: number;
  /**
   * How many ports are fetched at once; see {@link ProtonBatchStrategy}.
   * @default 'auto'
   */
  readonly batch?: ProtonBatchStrategy;
}

/** The built-in Proton driver: a {@link BackendDriver} plus a request counter. */
export interface ProtonDriver extends BackendDriver {
  /** HTTP requests sent so far (retries included). */
  readonly requestCount: number;
}

type Row = Readonly<Record<string, unknown>>;

/**
 * Creates the built-in backend driver for a service served by gluon-net Proton servers
 * (or the original Gluon's): generic for any model with a port-role object.
 *
 * It finds the service's version and collections from `options.model`, or else once per
 * Proton server from its discovery documents; converts Proton ports to Neutron ports as
 * the original Gluon did; forwards the caller's token (else the token provider's) as
 * `X-Auth-Token`; and fetches many ports with one request per Proton server.
 *
 * Reads through lists (discovery, batched `getPorts`, the service-binding lookups) need
 * the `list` policy of the port and binding objects (`rule:admin` in the bundled models).
 * So when a `tokenProvider` (a service credential) is configured, the driver makes those
 * reads with the **service token**, not the caller's, and the caller's scoping is the
 * host's job (the port arbiter shows a non-admin caller only its project's ports).
 * Binds, unbinds, updates and the single-port GET forward the caller's token as before,
 * so the Proton server's policy still decides them. Without a `tokenProvider`, every
 * request carries the caller's token.
 *
 * @throws GluonError `GLUON_ERR_DRIVER_BAD_OPTIONS` for an empty service name or a model
 *   of another service
 * @example
 * ```ts
 * const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId, gluonSubnetId, logger });
 * const ports = await driver.getPorts([{ id, url: 'http://127.0.0.1:2705' }], { token });
 * ```
 */
export function createProtonDriver(options: ProtonDriverOptions): ProtonDriver {
  checkOptions(options);
  const http = new ProtonHttp({
    timeoutMs: options.timeoutMs ?? 30_000,
    connections: options.connections ?? 8,
    ...(options.tokenProvider === undefined ? {} : { tokenProvider: options.tokenProvider }),
    ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
  });
  const maxUrlLength = options.maxUrlLength ?? 8000;
  const strategy = options.batch ?? 'auto';
  const dummies: GluonDummies = { gluonNetworkId: options.gluonNetworkId, gluonSubnetId: options.gluonSubnetId };
  const layouts = new Map<string, Promise<ServiceLayout>>();
  const lookups = new AddressLookups();
  const { service, logger } = options;

  /**
   * The context of a read through a list endpoint: with a service credential, the
   * caller's token is dropped so that {@link ProtonHttp} sends the service token.
   */
  const readContext = (ctx: DriverContext | undefined): DriverContext | undefined => {
    if (options.tokenProvider === undefined || ctx?.token === undefined) return ctx;
    return {
      ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    };
  };

  const layoutFor = (url: string, ctx: DriverContext | undefined): Promise<ServiceLayout> => {
    if (http.isClosed) return Promise.reject(closedError());
    let layout = layouts.get(url);
    if (layout === undefined) {
      layout = options.model !== undefined
        ? Promise.resolve().then(() => layoutFromModel(url, options.model as NonNullable<typeof options.model>))
        : discoverLayout(http, { url, service }, readContext(ctx));
      layouts.set(url, layout);
      layout.catch(() => layouts.delete(url));
    }
    return layout;
  };

  /** GETs a whole list, following `<plural>_links` next pages. */
  const getList = async (url: string, plural: string, ctx: DriverContext | undefined): Promise<Row[]> => {
    const rows: Row[] = [];
    let next: string | undefined = url;
    while (next !== undefined) {
      const answer = await http.send({ method: 'GET', url: next, ctx });
      if (answer.status !== 200) throw protonFault('GET', next, answer);
      const body = answer.body as Record<string, unknown> | undefined;
      const items = body?.[plural];
      if (!Array.isArray(items)) {
        throw new GluonError('GLUON_ERR_DRIVER_BACKEND_ERROR', `Proton server answered GET ${next} without a "${plural}" list: ${JSON.stringify(answer.body ?? null).slice(0, 200)}.`);
      }
      rows.push(...(items as Row[]));
      const links = body?.[`${plural}_links`];
      const link = Array.isArray(links) ? (links as { rel?: unknown; href?: unknown }[]).find((l) => l.rel === 'next') : undefined;
      next = typeof link?.href === 'string' ? link.href : undefined;
    }
    return rows;
  };

  /** The rows of a collection whose `key` is one of `ids`, with as few requests as allowed. */
  /** `where`: the collection (`base` URL and `plural`) and the `key` attribute whose value is one of `ids`. */
  const listByKey = async (where: { base: string; plural: string; key: string }, ids: readonly string[], ctx: DriverContext | undefined): Promise<Row[]> => {
    const { base, plural, key } = where;
    const collection = `${base}/${encodeURIComponent(plural)}`;
    const chunks = chunkQueries({ collection, key, ids }, maxUrlLength);
    if (strategy === 'list' || (strategy === 'auto' && chunks.length > 1)) {
      const wanted = new Set(ids);
      return (await getList(collection, plural, ctx)).filter((row) => wanted.has(String(row[key])));
    }
    const pages = await Promise.all(chunks.map((query) => getList(`${collection}?${query}`, plural, ctx)));
    return pages.flat();
  };

  /** interface id (= port id) → service binding `ipaddress`, first binding collection first. */
  const bindingAddresses = async (layout: ServiceLayout, ids: readonly string[], ctx: DriverContext | undefined): Promise<Map<string, string>> => {
    const addresses = new Map<string, string>();
    if (ids.length === 0) return addresses;
    const reads = readContext(ctx);
    const found = await Promise.all(layout.bindings.map((b) => listByKey({ base: layout.base, plural: b.plural, key: b.key }, ids, reads)));
    layout.bindings.forEach((binding, i) => {
      for (const row of found[i] ?? []) {
        const id = String(row[binding.key]);
        const ip = row['ipaddress'];
        if (typeof ip === 'string' && ip !== '' && !addresses.has(id)) addresses.set(id, ip);
      }
    });
    return addresses;
  };

  /**
   * The service-binding address of one port: a lookup shared with the other single-port
   * reads made meanwhile (see {@link AddressLookups}), so a storm of binds costs a few lists.
   */
  const addressOf = (layout: ServiceLayout, id: string, ctx: DriverContext | undefined): Promise<string | undefined> => {
    const reads = readContext(ctx);
    const lane = { key: `${layout.base} ${reads?.token ?? ''}`, fetch: (ids: readonly string[], c: DriverContext | undefined) => bindingAddresses(layout, ids, c) };
    const address = lookups.lookup(lane, id, reads);
    // the port request's failure is the call's answer; the address is read only after it succeeded
    address.catch(() => undefined);
    return address;
  };

  const portUrl = (layout: ServiceLayout, id: string): string => `${layout.base}/${encodeURIComponent(layout.portPlural)}/${encodeURIComponent(id)}`;

  const put = async (port: PortRef, body: Record<string, unknown>, ctx: DriverContext | undefined): Promise<NeutronPort> => {
    checkRef(port);
    const layout = await layoutFor(port.url, ctx);
    const url = portUrl(layout, port.id);
    // the address does not change with a port's PUT: looked up meanwhile
    const address = addressOf(layout, port.id, ctx);
    const answer = await http.send({ method: 'PUT', url, body, ctx });
    if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) throw protonFault('PUT', url, answer);
    return toNeutronPort(answer.body as Row, await address, dummies);
  };

  const driver: ProtonDriver = {
    service,
    get requestCount() {
      return http.requestCount;
    },

    async bind(port, request, ctx) {
      checkBindRequest(port, request);
      const body: Record<string, unknown> = {
        host_id: request.hostId,
        device_id: request.deviceId,
        device_owner: request.deviceOwner ?? '',
        profile: JSON.stringify(request.profile ?? {}),
      };
      if (request.vnicType !== undefined) body['vnic_type'] = request.vnicType;
      logger.debug({ service, portId: port.id, hostId: request.hostId, requestId: ctx?.requestId }, 'binding Gluon port');
      return put(port, body, ctx);
    },

    async unbind(port, ctx) {
      logger.debug({ service, portId: port.id, requestId: ctx?.requestId }, 'unbinding Gluon port');
      return put(port, { host_id: '', device_id: '', device_owner: '', profile: '' }, ctx);
    },

    async getPort(port, ctx) {
      checkRef(port);
      const layout = await layoutFor(port.url, ctx);
      const url = portUrl(layout, port.id);
      const address = addressOf(layout, port.id, ctx);
      const answer = await http.send({ method: 'GET', url, ctx });
      if (answer.status === 404) return undefined;
      if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) throw protonFault('GET', url, answer);
      return toNeutronPort(answer.body as Row, await address, dummies);
    },

    async getPorts(ports, ctx) {
      const byServer = new Map<string, Set<string>>();
      for (const port of ports) {
        checkRef(port);
        let ids = byServer.get(port.url);
        if (ids === undefined) byServer.set(port.url, (ids = new Set()));
        ids.add(port.id);
      }
      const perServer = await Promise.all(
        [...byServer].map(async ([url, idSet]) => {
          const reads = readContext(ctx);
          const layout = await layoutFor(url, reads);
          const rows = await listByKey({ base: layout.base, plural: layout.portPlural, key: 'id' }, [...idSet], reads);
          const addresses = await bindingAddresses(layout, rows.map((row) => String(row['id'])), reads);
          return rows.map((row) => toNeutronPort(row, addresses.get(String(row['id'])), dummies));
        }),
      );
      return perServer.flat();
    },

    async updatePort(port, changes: NeutronPortChanges, ctx) {
      checkRef(port);
      // the current row: its keys are the port model's attributes (the Proton server sends
      // every attribute, null or not), which decide the updatable keys
      const layout = await layoutFor(port.url, ctx);
      const url = portUrl(layout, port.id);
      const current = await http.send({ method: 'GET', url, ctx });
      if (current.status === 404) throw new GluonError('GLUON_ERR_NOT_FOUND', `Gluon port ${port.id} was not found on its Proton server.`);
      if (current.status !== 200 || typeof current.body !== 'object' || current.body === null) throw protonFault('GET', url, current);
      const body = toProtonChanges(port.id, changes, new Set(Object.keys(current.body)));
      if (Object.keys(body).length === 0) return toNeutronPort(current.body as Row, await addressOf(layout, port.id, ctx), dummies);
      return put(port, body, ctx);
    },

    async close() {
      layouts.clear();
      await http.close();
    },
  };
  return driver;
}

/**
 * The built-in Proton driver as a {@link DriverDefinition} (name `proton`), for hosts
 * that register drivers by definition.
 */
export const protonDriver = defineDriver({
  /** The driver's name in plugin lists. */
  name: 'proton',
  /** The driver contract version it implements. */
  apiVersion: 1,
  /** Creates the driver for one service (see {@link createProtonDriver}). */
  create: (options: DriverFactoryOptions): BackendDriver => createProtonDriver(options),
});

/**
 * Splits `ids` into query strings `key=a&key=b…` so that `<collection>?<query>` stays
 * within `maxUrlLength` bytes (at least one id per query).
 * @internal
 */
export function chunkQueries(query: { collection: string; key: string; ids: readonly string[] }, maxUrlLength: number): string[] {
  const { collection, key, ids } = query;
  const chunks: string[] = [];
  let current = '';
  const room = maxUrlLength - collection.length - 1;
  for (const id of ids) {
    const part = `${encodeURIComponent(key)}=${encodeURIComponent(id)}`;
    if (current !== '' && current.length + 1 + part.length > room) {
      chunks.push(current);
      current = '';
    }
    current = current === '' ? part : `${current}&${part}`;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

function closedError(): GluonError {
  return new GluonError('GLUON_ERR_DRIVER_CLOSED', 'The Proton driver is closed: create a new one.');
}

function checkOptions(options: ProtonDriverOptions): void {
  const bad = (field: string, value: unknown, why: string): GluonError =>
    new GluonError('GLUON_ERR_DRIVER_BAD_OPTIONS', `Proton driver option ${field} ${why}; received ${JSON.stringify(value)}.`, {
      details: [{ field, rule: 'value', value, message: why }],
    });
  if (typeof options.service !== 'string' || options.service === '') throw bad('service', options.service, 'must be a non-empty service (Proton API) name');
  for (const field of ['gluonNetworkId', 'gluonSubnetId'] as const) {
    if (typeof options[field] !== 'string') throw bad(field, options[field], 'must be a string (the dummy Neutron object id)');
  }
  if (options.model !== undefined && options.model.name !== options.service) {
    throw bad('model', options.model.name, `must be the model of service "${options.service}"`);
  }
  if (options.maxUrlLength !== undefined && !(options.maxUrlLength >= 256)) throw bad('maxUrlLength', options.maxUrlLength, 'must be at least 256');
  if (options.batch !== undefined && !['auto', 'ids', 'list'].includes(options.batch)) throw bad('batch', options.batch, 'must be one of auto, ids, list');
}

function checkRef(port: PortRef): void {
  if (typeof port?.id !== 'string' || port.id === '' || typeof port.url !== 'string' || !/^https?:\/\//.test(port.url)) {
    throw new ValidationError(`A port reference needs a non-empty id and the http(s) URL of its Proton server; received ${JSON.stringify(port)}.`, [
      { field: 'port', rule: 'required', value: port, message: 'expected { id: string, url: "http://host:port" }' },
    ]);
  }
}

function checkBindRequest(port: PortRef, request: BindRequest): void {
  if (typeof request?.hostId !== 'string' || request.hostId === '') {
    throw new ValidationError(`Binding port ${port.id} needs a non-empty hostId (binding:host_id); received ${JSON.stringify(request?.hostId)}. Use unbind() to unbind.`, [
      { field: 'binding:host_id', rule: 'required', value: request?.hostId, message: 'a non-empty host name' },
    ]);
  }
  if (typeof request.deviceId !== 'string') {
    throw new ValidationError(`Binding port ${port.id} needs a deviceId (device_id) string; received ${JSON.stringify(request.deviceId)}.`, [
      { field: 'device_id', rule: 'type', value: request.deviceId, message: 'a string (the instance uuid)' },
    ]);
  }
}
