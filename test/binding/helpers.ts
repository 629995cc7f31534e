import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyValueStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { call } from '../setup/http-call.js';

/** The net-l3vpn API root of the bundled models. */
export const API = '/proton/net-l3vpn/v1.0';
export const TENANT = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** A unique etcd key prefix per test file run. */
export function uniquePrefix(): string {
  return `/bindtest-${randomUUID().slice(0, 8)}`;
}

/** A Proton server on a fresh SQLite file, listening on a free port. */
export async function startServer(options: ProtonServerOptions): Promise<{ server: ProtonServer; base: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bind-'));
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, ...options });
  return { server, base: await server.listen() };
}

/** A key/value client on the same etcd and prefix as the server. */
export function etcdClient(endpoint: string, prefix: string): KeyValueStore {
  return createKeyValueStore(endpoint, { prefix });
}


/** Creates a port (and, unless `binding` is false, a VPN service and its service binding to the port). */
export async function createPort(base: string, options: { binding?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  const port = await call(`${base}${API}/ports`, { method: 'POST', body: {
    id,
    tenant_id: TENANT,
    name: `port-${id.slice(0, 4)}`,
    mac_address: 'fa:16:3e:00:00:01',
    ...PORT_FIELDS,
    // an unbound port is DOWN
    status: 'DOWN',
  } });
  if (port.status !== 201) throw new Error(`port create: ${port.status} ${JSON.stringify(port.json())}`);
  if (options.binding !== false) {
    const vpn = await call(`${base}${API}/vpns`, { method: 'POST', body: { tenant_id: TENANT, name: 'vpn', ipv4_family: '100:1', route_distinguishers: '100:1' } });
    if (vpn.status !== 201) throw new Error(`vpn create: ${vpn.status} ${JSON.stringify(vpn.json())}`);
    const b = await call(`${base}${API}/vpnbindings`, { method: 'POST', body: {
      tenant_id: TENANT,
      interface_id: id,
      service_id: vpn.json()['id'],
      ipaddress: '10.0.0.5',
      subnet_prefix: 24,
      gateway: '10.0.0.1',
    } });
    if (b.status !== 201) throw new Error(`binding create: ${b.status} ${JSON.stringify(b.json())}`);
  }
  return id;
}

/** A bind body (Nova's, through the Proton driver). */
export function bindBody(host = 'compute-1', device = randomUUID()): Record<string, unknown> {
  return { host_id: host, device_id: device, device_owner: 'compute:nova', profile: '{}' };
}

