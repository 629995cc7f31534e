// A third-party backend driver for the made-up service "acme-vpn".
//
// The "backend" is an in-memory controller (`acmeController`), one port table per
// controller URL, so the example runs anywhere. A real driver would call its controller's
// API where this one reads the Map, exactly like the built-in Proton driver calls a
// Proton server.
//
// In a TypeScript plugin write `export default defineDriver({...})` with
// `import { defineDriver } from 'gluon-net/drivers'`; `defineDriver` only adds typing,
// so this plain-JS example exports the definition object directly.

/** @typedef {import('gluon-net/drivers').DriverDefinition} DriverDefinition */
/** @typedef {import('gluon-net/drivers').BackendDriver} BackendDriver */
/** @typedef {import('gluon-net/drivers').NeutronPort} NeutronPort */

class DriverError extends Error {
  /** @param {string} code @param {number} status @param {string} message */
  constructor(code, status, message) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** The fake controller: ports per controller URL, and the tokens it was called with. */
export const acmeController = {
  /** @type {Map<string, Map<string, Record<string, unknown>>>} */
  tables: new Map(),
  /** @type {string[]} */
  tokens: [],
  /** How many calls the controller received (a real controller's access log). */
  calls: 0,
  /** @type {Map<string, 'down' | 'broken'>} Controllers that are down, or answer garbage. */
  faults: new Map(),
  /** Adds a port to the controller at `url`. */
  addPort(url, port) {
    if (!this.tables.has(url)) this.tables.set(url, new Map());
    this.tables.get(url).set(port.id, { host: '', instance: '', owner: '', profile: {}, ...port });
  },
  /** Records one controller call and its token (what an HTTP header would carry). */
  call(token) {
    this.calls++;
    if (token !== undefined) this.tokens.push(token);
  },
};

/** @type {DriverDefinition} */
const acmeDriver = {
  name: 'acme-vpn',
  apiVersion: 1,
  create({ service, gluonNetworkId, gluonSubnetId, logger, tokenProvider }) {
    let closed = false;
    const token = async (ctx) => ctx?.token ?? (await tokenProvider?.());
    // every call goes through here: closed, cancelled, then one call to the controller at `url`
    const guard = async (ctx, url) => {
      if (closed) throw new DriverError('GLUON_ERR_DRIVER_CLOSED', 503, 'acme-vpn driver is closed');
      ctx?.signal?.throwIfAborted();
      const fault = acmeController.faults.get(url);
      if (fault === 'down') throw new DriverError('GLUON_ERR_DRIVER_UNREACHABLE', 502, `acme controller ${url} does not answer`);
      if (fault === 'broken') throw new DriverError('GLUON_ERR_DRIVER_BACKEND_ERROR', 502, `acme controller ${url} answered something unexpected`);
      acmeController.call(await token(ctx));
    };
    /** @returns {NeutronPort} */
    const toNeutron = (p) => ({
      id: p.id, name: p.name ?? '', network_id: gluonNetworkId, tenant_id: p.tenant, project_id: p.tenant,
      mac_address: p.mac, admin_state_up: p.up ?? true, status: p.host ? 'ACTIVE' : 'DOWN',
      device_id: p.instance, device_owner: p.owner,
      fixed_ips: p.ip ? [{ ip_address: p.ip, subnet_id: gluonSubnetId }] : [],
      'binding:host_id': p.host, 'binding:vif_type': p.host ? 'vhostuser' : '',
      'binding:vif_details': p.host ? { vhostuser_socket: `/run/acme/${p.id}.sock`, vhostuser_mode: 'server' } : {},
      'binding:vnic_type': 'normal', 'binding:profile': p.profile, devname: `tap${p.id.slice(0, 11)}`,
      security_groups: [], allowed_address_pairs: [], extra_dhcp_opts: [],
      created_at: '', updated_at: '', revision_number: p.revision ?? 0, description: '', tags: [],
    });
    const find = (ref) => acmeController.tables.get(ref.url)?.get(ref.id);
    const mustFind = (ref) => {
      const port = find(ref);
      if (port === undefined) throw new DriverError('GLUON_ERR_NOT_FOUND', 404, `acme-vpn port ${ref.id} not found at ${ref.url}`);
      return port;
    };
    const change = (ref, values) => {
      const port = mustFind(ref);
      Object.assign(port, values, { revision: (port.revision ?? 0) + 1 });
      return toNeutron(port);
    };
    logger.info({ service }, 'acme-vpn driver created');
    /** @type {BackendDriver} */
    const driver = {
      service,
      async bind(ref, request, ctx) {
        await guard(ctx, ref.url);
        return change(ref, { host: request.hostId, instance: request.deviceId, owner: request.deviceOwner ?? '', profile: request.profile ?? {} });
      },
      async unbind(ref, ctx) {
        await guard(ctx, ref.url);
        return change(ref, { host: '', instance: '', owner: '', profile: {} });
      },
      async getPort(ref, ctx) {
        await guard(ctx, ref.url);
        const port = find(ref);
        return port === undefined ? undefined : toNeutron(port);
      },
      async getPorts(refs, ctx) {
        for (const url of new Set(refs.map((r) => r.url))) await guard(ctx, url); // one controller call per controller
        const seen = new Set();
        return refs.filter((r) => !seen.has(r.id) && seen.add(r.id)).map(find).filter(Boolean).map(toNeutron);
      },
      async updatePort(ref, changes, ctx) {
        await guard(ctx, ref.url);
        const allowed = { name: 'name', admin_state_up: 'up' };
        const bad = Object.keys(changes).filter((k) => !(k in allowed));
        if (bad.length > 0) throw new DriverError('GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', 400, `acme-vpn cannot update ${bad.join(', ')}`);
        return change(ref, Object.fromEntries(Object.entries(changes).map(([k, v]) => [allowed[k], v])));
      },
      async close() {
        closed = true;
      },
    };
    return driver;
  },
};

export default acmeDriver;
