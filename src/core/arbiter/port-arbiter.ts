import type { BackendDriver, DriverContext, NeutronPort, NeutronPortChanges, PortRef } from '../../drivers/index.js';
import { GluonError, NotFoundError, ValidationError } from '../errors/index.js';
import { hideAdminKeys, matchesFilters, selectFields, sortPorts } from './port-filters.js';
import { PortRegistry } from './port-registry.js';
import type {
  ArbiterContext,
  DriverLookup,
  GetPortOptions,
  GetPortsOptions,
  PortArbiterOptions,
  PortFilters,
  PortRegistration,
} from './types.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Port attributes Neutron never lets a PUT change (400 "Cannot update read-only attribute"). */
export const READ_ONLY_PORT_KEYS: readonly string[] = [
  'id', 'network_id', 'tenant_id', 'project_id', 'status', 'binding:vif_type', 'binding:vif_details',
  'created_at', 'updated_at', 'revision_number', 'devname',
];

/** Keys of a bind/unbind body that the bind itself consumes. */
const BIND_KEYS = new Set(['binding:host_id', 'device_id', 'device_owner', 'binding:profile', 'binding:vnic_type']);

/**
 * The port arbiter: the logic of the original Gluon wrapper plugin (`get_port`,
 * `get_ports`, `update_port` for ports registered under `/gluon/port/<id>`), with its
 * quirks fixed:
 *
 * - the registry is cached and followed by a watch ({@link PortRegistry}): no etcd read
 *   per request;
 * - only a body carrying `binding:host_id` binds (non-empty) or unbinds (`null` or
 *   `""`); any other update is applied as a plain update through the driver;
 * - filters, `fields`, sorting and tenant scoping apply to Gluon ports as Neutron applies
 *   them to its own: a non-admin caller sees and updates only its project's ports (others
 *   are "not found") and does not see the admin-only `binding:*` keys;
 * - lists are batched: one `getPorts` per service, which the drivers turn into one
 *   request per Proton server.
 *
 * The arbiter answers for Gluon ports only; ask {@link isGluonPort} first and send
 * other ports to Neutron.
 */
export class PortArbiter {
  /** The cached port registry. */
  readonly registry: PortRegistry;
  private readonly lookup: DriverLookup;
  private readonly logger: Logger;
  private closed = false;

  constructor(options: PortArbiterOptions) {
    this.logger = options.logger ?? silentLogger;
    this.registry = new PortRegistry(options.kv, {
      logger: this.logger,
      ...(options.registryPrefix === undefined ? {} : { prefix: options.registryPrefix }),
    });
    const drivers = options.drivers;
    this.lookup = typeof drivers === 'function' ? drivers : (service) => drivers.get(service);
  }

  /** Loads the registry and starts following it. Rejects when etcd cannot be read. */
  async start(): Promise<void> {
    this.closed = false;
    await this.registry.start();
  }

  /** Stops following the registry (the drivers belong to the caller and stay open). */
  async close(): Promise<void> {
    this.closed = true;
    await this.registry.stop();
  }

  /** True when `id` is registered as a Gluon port (answered from the cache). */
  isGluonPort(id: string): boolean {
    return this.registry.get(id) !== undefined;
  }

  /**
   * One Gluon port in Neutron's shape (`fields` applied).
   * @throws NotFoundError (404) when the port is not a Gluon port, is not visible to the
   *   caller's project, or its backend no longer has it
   */
  async getPort(id: string, options: GetPortOptions = {}): Promise<Record<string, unknown>> {
    const ctx = options.ctx ?? {};
    const reg = this.visibleRegistration(id, ctx);
    const port = await (await this.driverOf(reg)).getPort(refOf(reg), driverContext(ctx));
    if (port === undefined || !canSee(port, ctx)) throw portNotFound(id);
    return selectFields(view(port, ctx), options.fields);
  }

  /**
   * The Gluon ports that pass `filters`, visible to the caller, with `fields` and sorting
   * applied. One driver call per service (one HTTP request per Proton server with the
   * built-in driver). Ports whose service has no driver, or whose backend fails, are left
   * out and logged, so a broken Proton server does not break Neutron's port list.
   */
  async getPorts(filters: PortFilters = {}, options: GetPortsOptions = {}): Promise<Record<string, unknown>[]> {
    const ctx = options.ctx ?? {};
    this.checkStarted();
    const ids = filters['id'];
    const candidates = (ids !== undefined && ids.length > 0
      ? ids.map((id) => this.registry.get(id)).filter((r): r is PortRegistration => r !== undefined)
      : this.registry.list()
    ).filter((reg) => registrationVisible(reg, ctx));
    const byService = new Map<string, PortRegistration[]>();
    for (const reg of candidates) {
      const list = byService.get(reg.service);
      if (list) list.push(reg);
      else byService.set(reg.service, [reg]);
    }
    const results = await Promise.all(
      [...byService].map(async ([service, regs]): Promise<NeutronPort[]> => {
        let driver: BackendDriver | undefined;
        try {
          driver = await this.lookup(service);
        } catch (err) {
          this.logger.error({ service, err: (err as Error).message }, 'port arbiter: creating the driver failed');
        }
        if (driver === undefined) {
          this.logger.warn({ service, ports: regs.length }, 'port arbiter: no driver for the service; its ports are left out of the list');
          return [];
        }
        try {
          return await driver.getPorts(regs.map(refOf), driverContext(ctx));
        } catch (err) {
          this.logger.error({ service, ports: regs.length, err: (err as Error).message }, 'port arbiter: backend list failed; its ports are left out of the list');
          return [];
        }
      }),
    );
    const ports = results
      .flat()
      .filter((port) => this.registry.get(port.id) !== undefined && canSee(port, ctx))
      .map((port) => view(port, ctx))
      .filter((port) => matchesFilters(port, filters));
    return sortPorts(ports, options.sortKeys ?? [], options.sortDirs ?? []).map((port) => selectFields(port, options.fields));
  }

  /**
   * Updates a Gluon port (Neutron's `PUT /v2.0/ports/<id>` body without the `port`
   * wrapper). With `binding:host_id`: a non-empty host binds (the driver waits for the
   * shim's result), `null` or `""` unbinds; `device_id`/`device_owner` default to the
   * port's current values when absent; any other key in the same body is applied first
   * as a plain update. Without `binding:host_id`: a plain update.
   * @returns the port after the update, in Neutron's shape
   * @throws ValidationError (400) for a body that is not an object, a read-only key or a
   *   `binding:host_id` that is neither a string nor null; NotFoundError (404); driver errors
   */
  async updatePort(id: string, body: Readonly<Record<string, unknown>>, ctx: ArbiterContext = {}): Promise<Record<string, unknown>> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError(`The update of port ${id} must be a JSON object of port attributes; received ${JSON.stringify(body)}.`, [
        { field: 'port', rule: 'type', value: body, message: 'expected an object' },
      ]);
    }
    const reg = this.visibleRegistration(id, ctx);
    const driver = await this.driverOf(reg);
    const ref = refOf(reg);
    const dctx = driverContext(ctx);
    for (const key of Object.keys(body)) {
      if (READ_ONLY_PORT_KEYS.includes(key)) {
        throw new ValidationError(`Cannot update read-only attribute ${key} of port ${id}; received ${JSON.stringify(body[key])}.`, [
          { field: key, rule: 'readOnly', value: body[key], message: 'read-only attribute' },
        ]);
      }
    }
    if (!('binding:host_id' in body)) {
      const port = await driver.updatePort(ref, body as NeutronPortChanges, dctx);
      return view(port, ctx);
    }
    const host = body['binding:host_id'];
    if (host !== null && typeof host !== 'string') {
      throw new ValidationError(`binding:host_id of port ${id} must be a host name, "" or null (to unbind); received ${JSON.stringify(host)}.`, [
        { field: 'binding:host_id', rule: 'type', value: host, message: 'expected a string or null' },
      ]);
    }
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      // Nova sends dns_name only when Neutron has dns-integration; Gluon ports have no DNS name
      if (!BIND_KEYS.has(key) && !(key === 'dns_name' && value === '')) rest[key] = value;
    }
    if (Object.keys(rest).length > 0) await driver.updatePort(ref, rest as NeutronPortChanges, dctx);
    if (host === null || host === '') {
      this.logger.info({ portId: id, service: reg.service, requestId: ctx.requestId }, 'port arbiter: unbinding Gluon port');
      return view(await driver.unbind(ref, dctx), ctx);
    }
    let deviceId = body['device_id'];
    let deviceOwner = body['device_owner'];
    if (deviceId === undefined || deviceOwner === undefined) {
      const current = await driver.getPort(ref, dctx);
      if (current === undefined) throw portNotFound(id);
      deviceId ??= current.device_id;
      deviceOwner ??= current.device_owner;
    }
    for (const [field, value] of [['device_id', deviceId], ['device_owner', deviceOwner]] as const) {
      if (typeof value !== 'string') {
        throw new ValidationError(`${field} of port ${id} must be a string; received ${JSON.stringify(value)}.`, [
          { field, rule: 'type', value, message: 'expected a string' },
        ]);
      }
    }
    const profile = body['binding:profile'];
    const vnicType = body['binding:vnic_type'];
    this.logger.info({ portId: id, service: reg.service, hostId: host, requestId: ctx.requestId }, 'port arbiter: binding Gluon port');
    const port = await driver.bind(
      ref,
      {
        hostId: host,
        deviceId: deviceId as string,
        deviceOwner: deviceOwner as string,
        ...(typeof profile === 'object' ? { profile: profile as Record<string, unknown> | null } : {}),
        ...(typeof vnicType === 'string' ? { vnicType } : {}),
      },
      dctx,
    );
    return view(port, ctx);
  }

  private checkStarted(): void {
    if (this.closed || !this.registry.hasSynced) {
      throw new GluonError('GLUON_ERR_ARBITER_NOT_STARTED', 'The port arbiter has not loaded the port registry from etcd yet (or was closed): call start() first.');
    }
  }

  private visibleRegistration(id: string, ctx: ArbiterContext): PortRegistration {
    this.checkStarted();
    const reg = this.registry.get(id);
    if (reg === undefined || !registrationVisible(reg, ctx)) throw portNotFound(id);
    return reg;
  }

  private async driverOf(reg: PortRegistration): Promise<BackendDriver> {
    const driver = await this.lookup(reg.service);
    if (driver === undefined) {
      throw new GluonError('GLUON_ERR_ARBITER_NO_DRIVER', `Port ${reg.id} is registered under service "${reg.service}", but no backend driver serves that service.`, {
        details: [{ field: 'service', rule: 'driver', value: reg.service, message: 'no driver for this service' }],
      });
    }
    return driver;
  }
}

/** True when the caller is an admin (explicitly, or by having no project). */
export function isAdminContext(ctx: ArbiterContext): boolean {
  return ctx.isAdmin ?? ctx.projectId === undefined;
}

function registrationVisible(reg: PortRegistration, ctx: ArbiterContext): boolean {
  return isAdminContext(ctx) || reg.tenantId === '' || reg.tenantId === ctx.projectId;
}

function canSee(port: NeutronPort, ctx: ArbiterContext): boolean {
  return isAdminContext(ctx) || port.tenant_id === ctx.projectId || port.project_id === ctx.projectId;
}

/**
 * A timestamp in Neutron's form, `2026-12-04T16:57:24Z` (UTC, whole seconds): the Proton
 * server's ISO text with milliseconds or an offset is normalised; text that is not a
 * date is kept as is.
 */
export function neutronTimestamp(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return value;
  return `${new Date(time).toISOString().slice(0, 19)}Z`;
}

/**
 * The caller's view of a driver's port, with Neutron's field shapes:
 * - an unbound port (no host, no VIF type) shows `binding:vif_type` `unbound` instead of
 *   the original Gluon's `""`;
 * - `created_at` / `updated_at` without milliseconds (Neutron's format);
 * - `port_security_enabled` is present (`false` unless the driver says otherwise: Gluon
 *   ports have no security groups, nothing filters their traffic);
 * - the original Gluon's extra `devname` is dropped: Nova derives the tap name from the
 *   port id itself and Neutron has no such key;
 * - non-admin callers do not see the admin-only `binding:*` keys.
 */
function view(port: NeutronPort, ctx: ArbiterContext): Record<string, unknown> {
  const record: Record<string, unknown> = { ...(port as unknown as Record<string, unknown>) };
  if (record['binding:vif_type'] === '' && record['binding:host_id'] === '') record['binding:vif_type'] = 'unbound';
  for (const key of ['created_at', 'updated_at']) if (key in record) record[key] = neutronTimestamp(record[key]);
  if (typeof record['port_security_enabled'] !== 'boolean') record['port_security_enabled'] = false;
  delete record['devname'];
  return isAdminContext(ctx) ? record : hideAdminKeys(record);
}

function refOf(reg: PortRegistration): PortRef {
  return { id: reg.id, url: reg.url, ...(reg.tenantId === '' ? {} : { tenantId: reg.tenantId }) };
}

function driverContext(ctx: ArbiterContext): DriverContext {
  return {
    ...(ctx.token === undefined ? {} : { token: ctx.token }),
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
}

/** The 404 of a port that is not there (or not visible): Neutron's `Port <id> could not be found.` */
export function portNotFound(id: string): NotFoundError {
  return new NotFoundError(`Port ${id} could not be found.`, {
    details: [{ field: 'id', rule: 'exists', value: id, message: 'no such port' }],
  });
}
