import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { BackendDriver, BindRequest, DriverContext, NeutronPort, NeutronPortChanges, PortRef } from '../../src/drivers/index.js';
import { GluonError, NotFoundError } from '../../src/core/errors/index.js';
import { createEtcdStore, type KeyValueStore } from '../../src/core/kv/index.js';

/** The run-wide etcd of the vitest global set-up. */
export function sharedEtcd(): string {
  return inject('etcdEndpoint');
}

/** A store on the shared etcd under a prefix of its own. */
export function isolatedStore(prefix = `/arb-${randomBytes(4).toString('hex')}`): KeyValueStore {
  return createEtcdStore({ hosts: sharedEtcd(), prefix });
}

/** Polls `check` until it returns true (or throws after `timeoutMs`, naming `what`). */
export { waitFor } from '../setup/wait-for.js';

/** A Neutron-shaped port with defaults. */
export function neutronPort(id: string, fields: Partial<Record<keyof NeutronPort, unknown>> = {}): NeutronPort {
  return {
    id, name: `port-${id}`, network_id: 'net-g', tenant_id: 'tenant-a', project_id: 'tenant-a', mac_address: 'fa:16:3e:00:00:01',
    admin_state_up: true, status: 'ACTIVE', device_id: '', device_owner: '', fixed_ips: [], 'binding:host_id': '', 'binding:vif_type': '',
    'binding:vif_details': {}, 'binding:vnic_type': 'normal', 'binding:profile': {}, devname: `tap${id.slice(0, 11)}`, security_groups: [],
    allowed_address_pairs: [], extra_dhcp_opts: [], created_at: '', updated_at: '', revision_number: 1, description: '', tags: [],
    ...fields,
  } as NeutronPort;
}

/** One call a {@link RecordingDriver} received. */
export interface DriverCall {
  readonly method: 'bind' | 'unbind' | 'getPort' | 'getPorts' | 'updatePort';
  readonly ids: readonly string[];
  readonly request?: BindRequest;
  readonly changes?: NeutronPortChanges;
  readonly ctx?: DriverContext;
}

/**
 * A backend driver that keeps its ports in memory and records every call, to check
 * which driver operation the arbiter chose (the built-in driver against a real Proton
 * server is exercised by the driver conformance suite and the Nova boot test).
 */
export class RecordingDriver implements BackendDriver {
  readonly ports = new Map<string, NeutronPort>();
  readonly calls: DriverCall[] = [];
  failWith: Error | undefined;
  constructor(readonly service: string) {}

  add(port: NeutronPort): void {
    this.ports.set(port.id, port);
  }

  private need(id: string): NeutronPort {
    if (this.failWith) throw this.failWith;
    const port = this.ports.get(id);
    if (!port) throw new NotFoundError(`port ${id} not found`);
    return port;
  }

  async bind(ref: PortRef, request: BindRequest, ctx?: DriverContext): Promise<NeutronPort> {
    this.calls.push({ method: 'bind', ids: [ref.id], request, ...(ctx ? { ctx } : {}) });
    const port = { ...this.need(ref.id), 'binding:host_id': request.hostId, device_id: request.deviceId, device_owner: request.deviceOwner ?? '', 'binding:vif_type': 'ovs', 'binding:profile': request.profile ?? {} };
    this.ports.set(ref.id, port);
    return port;
  }

  async unbind(ref: PortRef, ctx?: DriverContext): Promise<NeutronPort> {
    this.calls.push({ method: 'unbind', ids: [ref.id], ...(ctx ? { ctx } : {}) });
    const port = { ...this.need(ref.id), 'binding:host_id': '', device_id: '', device_owner: '', 'binding:vif_type': '', 'binding:profile': {} };
    this.ports.set(ref.id, port);
    return port;
  }

  async getPort(ref: PortRef, ctx?: DriverContext): Promise<NeutronPort | undefined> {
    this.calls.push({ method: 'getPort', ids: [ref.id], ...(ctx ? { ctx } : {}) });
    if (this.failWith) throw this.failWith;
    return this.ports.get(ref.id);
  }

  async getPorts(refs: readonly PortRef[], ctx?: DriverContext): Promise<NeutronPort[]> {
    this.calls.push({ method: 'getPorts', ids: refs.map((r) => r.id), ...(ctx ? { ctx } : {}) });
    if (this.failWith) throw this.failWith;
    return refs.map((r) => this.ports.get(r.id)).filter((p): p is NeutronPort => p !== undefined);
  }

  async updatePort(ref: PortRef, changes: NeutronPortChanges, ctx?: DriverContext): Promise<NeutronPort> {
    this.calls.push({ method: 'updatePort', ids: [ref.id], changes, ...(ctx ? { ctx } : {}) });
    for (const key of Object.keys(changes)) {
      if (!['name', 'admin_state_up', 'description', 'device_id', 'device_owner', 'mac_address'].includes(key)) {
        throw new GluonError('GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', `cannot update ${key}`);
      }
    }
    const port = { ...this.need(ref.id), ...changes } as NeutronPort;
    this.ports.set(ref.id, port);
    return port;
  }

  async close(): Promise<void> {}
}

/** Writes a Gluon port registration. */
export async function register(kv: KeyValueStore, id: string, service = 'net-l3vpn', tenant = 'tenant-a', url = 'http://127.0.0.1:1'): Promise<void> {
  await kv.put(`/gluon/port/${id}`, JSON.stringify({ tenant_id: tenant, service, url }));
}
