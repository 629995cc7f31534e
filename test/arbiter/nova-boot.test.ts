/**
 * Acceptance (issue 6): Nova's boot sequence replayed against the Neutron facade, with a
 * real Neutron upstream (Debian's neutron-server, noauth), a real Proton server (SQLite,
 * mirroring into the shared test etcd), the dummy shim on the same etcd, and the facade.
 * Plus: a non-Gluon port goes through the facade byte for byte as it does directly.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNeutronFacade, type NeutronFacade } from '../../src/core/arbiter/index.js';
import { createKeyValueStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { createDummyShim, type Shim } from '../../src/shim-sdk/index.js';
import { startNeutron, type NeutronInstance } from '../setup/neutron.js';
import { waitFor } from './helpers.js';

const API = '/proton/net-l3vpn/v1.0';
const PROJECT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

interface Raw {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: Record<string, unknown>;
}

async function raw(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: Record<string, unknown> = {};
  try {
    json = bytes.length === 0 ? {} : (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>);
  } catch {
    json = {};
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

async function protonPost(base: string, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await raw(`${base}${API}/${path}`, 'POST', body);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.bytes.toString()}`);
  return res.json;
}

describe('Nova boot sequence through the Neutron facade (real Neutron, Proton server, etcd, dummy shim)', () => {
  const prefix = `/nova-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'gluon-nova-'));
  let neutron: NeutronInstance;
  let proton: ProtonServer;
  let protonUrl: string;
  let shimKv: KeyValueStore;
  let shim: Shim;
  let facade: NeutronFacade;
  let facadeUrl: string;
  let portId: string;

  beforeAll(async () => {
    const etcd = inject('etcdEndpoint');
    neutron = await startNeutron({ auth: 'noauth' });
    proton = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, etcd, etcdPrefix: prefix, logger: { level: 'silent' }, docs: false });
    protonUrl = await proton.listen();
    shimKv = createKeyValueStore(etcd, { prefix });
    const model = proton.registry.defaultVersion('net-l3vpn');
    if (model === undefined) throw new Error('the bundled net-l3vpn model is missing');
    shim = createDummyShim(shimKv, { model });
    await shim.start();
    // ids looked up by name in the real Neutron (no --gluon-network-id given)
    facade = await createNeutronFacade({ neutronUrl: neutron.url, etcd, etcdPrefix: prefix, lookupTimeoutMs: 30_000 });
    facadeUrl = await facade.listen({ port: 0 });

    // the operator creates the Gluon port, its VPN service and the service binding (Proton API)
    portId = randomUUID();
    await protonPost(protonUrl, 'ports', {
      id: portId, tenant_id: PROJECT, name: 'gluon-vm-port', mac_address: 'fa:16:3e:12:34:56', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false,
    });
    const vpn = await protonPost(protonUrl, 'vpns', { tenant_id: PROJECT, name: 'vpn-blue', ipv4_family: '100:1', route_distinguishers: '100:1' });
    await protonPost(protonUrl, 'vpnbindings', { tenant_id: PROJECT, interface_id: portId, service_id: vpn['id'], ipaddress: '10.10.0.5', subnet_prefix: 24, gateway: '10.10.0.1' });
    await waitFor('the port registered in etcd reaches the facade', () => facade.arbiter.isGluonPort(portId), 20_000);
  }, 300_000);

  afterAll(async () => {
    await facade?.close();
    await shim?.close();
    await shimKv?.close();
    await proton?.close();
    await neutron?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('found GluonNetwork and GluonSubnet by name in Neutron', () => {
    expect(facade.gluonNetworkId).toBe(neutron.gluonNetworkId);
    expect(facade.gluonSubnetId).toBe(neutron.gluonSubnetId);
  });

  it('replays Nova: list by device_id, GET, bind PUT (vif ovs, GluonNetwork, fixed_ips from the VpnBinding), list again, unbind PUT', async () => {
    const instance = randomUUID();
    // 1. Nova lists the instance's ports (none yet)
    const before = await raw(`${facadeUrl}/v2.0/ports?tenant_id=${PROJECT}&device_id=${instance}`);
    expect(before.status).toBe(200);
    expect(before.json).toEqual({ ports: [] });

    // 2. Nova reads the requested port
    const got = await raw(`${facadeUrl}/v2.0/ports/${portId}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/json');
    expect(got.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    const port = got.json['port'] as Record<string, unknown>;
    // Neutron's shapes: no devname (Nova derives the tap name itself), timestamps without milliseconds
    expect(port).not.toHaveProperty('devname');
    expect(port['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(port).toMatchObject({
      id: portId, network_id: neutron.gluonNetworkId, tenant_id: PROJECT, project_id: PROJECT, mac_address: 'fa:16:3e:12:34:56',
      fixed_ips: [{ ip_address: '10.10.0.5', subnet_id: neutron.gluonSubnetId }], 'binding:host_id': '', 'binding:vif_type': 'unbound', port_security_enabled: false,
    });
    // Nova's field selection
    const some = await raw(`${facadeUrl}/v2.0/ports/${portId}?fields=binding:profile&fields=network_id`);
    expect(some.json).toEqual({ port: { 'binding:profile': {}, network_id: neutron.gluonNetworkId } });

    // 3. Nova binds the port to the compute host
    const bound = await raw(`${facadeUrl}/v2.0/ports/${portId}`, 'PUT', {
      port: { 'binding:host_id': 'compute-1', device_id: instance, device_owner: 'compute:nova', 'binding:profile': {} },
    });
    expect(bound.status).toBe(200);
    expect(bound.json['port']).toMatchObject({
      id: portId, 'binding:host_id': 'compute-1', 'binding:vif_type': 'ovs', 'binding:vif_details': { port_filter: false, bridge_name: 'br-gluon' },
      device_id: instance, device_owner: 'compute:nova', network_id: neutron.gluonNetworkId, status: 'ACTIVE',
      fixed_ips: [{ ip_address: '10.10.0.5', subnet_id: neutron.gluonSubnetId }],
    });

    // 4. Nova builds the network info: list by device_id (and with fields)
    const listed = await raw(`${facadeUrl}/v2.0/ports?tenant_id=${PROJECT}&device_id=${instance}`);
    expect(listed.status).toBe(200);
    const ports = listed.json['ports'] as Record<string, unknown>[];
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({ id: portId, 'binding:vif_type': 'ovs', network_id: neutron.gluonNetworkId });
    const narrow = await raw(`${facadeUrl}/v2.0/ports?device_id=${instance}&fields=id&fields=binding:vif_type`);
    expect(narrow.json).toEqual({ ports: [{ id: portId, 'binding:vif_type': 'ovs' }] });

    // 5. the VM is deleted: Nova unbinds
    const unbound = await raw(`${facadeUrl}/v2.0/ports/${portId}`, 'PUT', { port: { 'binding:host_id': null, device_id: '', device_owner: '', 'binding:profile': {} } });
    expect(unbound.status).toBe(200);
    expect(unbound.json['port']).toMatchObject({ 'binding:host_id': '', 'binding:vif_type': 'unbound', device_id: '', status: 'DOWN' });
    expect((await raw(`${facadeUrl}/v2.0/ports?device_id=${instance}`)).json).toEqual({ ports: [] });
  });

  it('the unfiltered list merges Neutron ports and Gluon ports', async () => {
    const created = await raw(`${neutron.url}/v2.0/ports`, 'POST', { port: { network_id: neutron.gluonNetworkId, name: 'merge-me', tenant_id: PROJECT } });
    expect(created.status).toBe(201);
    const id = (created.json['port'] as Record<string, unknown>)['id'];
    const all = (await raw(`${facadeUrl}/v2.0/ports`)).json['ports'] as Record<string, unknown>[];
    expect(all.map((p) => p['id'])).toEqual(expect.arrayContaining([id, portId]));
    const onlyNeutron = (await raw(`${facadeUrl}/v2.0/ports?name=merge-me`)).json['ports'] as Record<string, unknown>[];
    expect(onlyNeutron.map((p) => p['id'])).toEqual([id]);
    const onlyGluon = (await raw(`${facadeUrl}/v2.0/ports?name=gluon-vm-port`)).json['ports'] as Record<string, unknown>[];
    expect(onlyGluon.map((p) => p['id'])).toEqual([portId]);
    expect((await raw(`${neutron.url}/v2.0/ports/${String(id)}`, 'DELETE')).status).toBe(204);
  });

  it('answers Gluon port errors in Neutron\'s format', async () => {
    const readOnly = await raw(`${facadeUrl}/v2.0/ports/${portId}`, 'PUT', { port: { network_id: randomUUID() } });
    expect(readOnly.status).toBe(400);
    expect((readOnly.json['NeutronError'] as Record<string, unknown>)['type']).toBe('HTTPBadRequest');
    expect(String((readOnly.json['NeutronError'] as Record<string, unknown>)['message'])).toContain('network_id');
    expect(readOnly.bytes.toString()).toMatch(/^\{"NeutronError": \{"type": "HTTPBadRequest", "message": ".*", "detail": ""\}\}$/);
    const malformed = await raw(`${facadeUrl}/v2.0/ports/${portId}`, 'PUT', '{not json');
    expect(malformed.status).toBe(400);
    const noWrapper = await raw(`${facadeUrl}/v2.0/ports/${portId}`, 'PUT', { name: 'x' });
    expect(noWrapper.status).toBe(400);
  });

  it('passes a non-Gluon port through byte for byte: GET, list, PUT, DELETE and errors', async () => {
    const direct = neutron.url;
    const mk = async (name: string): Promise<string> => {
      const r = await raw(`${direct}/v2.0/ports`, 'POST', { port: { network_id: neutron.gluonNetworkId, name, device_id: `vm-${name}`, tenant_id: PROJECT } });
      expect(r.status).toBe(201);
      return String((r.json['port'] as Record<string, unknown>)['id']);
    };
    const same = (a: Raw, b: Raw): void => {
      expect(b.status).toBe(a.status);
      expect(b.bytes.toString('utf8')).toBe(a.bytes.toString('utf8'));
      expect(b.bytes.equals(a.bytes)).toBe(true);
      for (const h of ['content-type', 'content-length']) expect(b.headers.get(h)).toBe(a.headers.get(h));
      expect(b.headers.has('x-openstack-request-id')).toBe(a.headers.has('x-openstack-request-id'));
      expect(b.headers.get('connection')).not.toBe('keep-alive-from-upstream');
    };
    const id = await mk('pass-1');
    same(await raw(`${direct}/v2.0/ports/${id}`), await raw(`${facadeUrl}/v2.0/ports/${id}`));
    same(await raw(`${direct}/v2.0/ports/${id}?fields=id&fields=name`), await raw(`${facadeUrl}/v2.0/ports/${id}?fields=id&fields=name`));
    same(await raw(`${direct}/v2.0/ports?device_id=vm-pass-1`), await raw(`${facadeUrl}/v2.0/ports?device_id=vm-pass-1`));
    same(await raw(`${direct}/v2.0/networks?name=GluonNetwork`), await raw(`${facadeUrl}/v2.0/networks?name=GluonNetwork`));
    // each PUT bumps revision_number (and may move updated_at): the answers match byte for byte but for those
    const put = { port: { name: 'pass-1' } };
    const viaFacade = await raw(`${facadeUrl}/v2.0/ports/${id}`, 'PUT', put);
    const directly = await raw(`${direct}/v2.0/ports/${id}`, 'PUT', put);
    const normal = (r: Raw): string => r.bytes.toString('utf8').replace(/"revision_number":\d+/, '"revision_number":N').replace(/"updated_at":"[^"]*"/, '"updated_at":"T"');
    expect(viaFacade.status).toBe(directly.status);
    expect(normal(viaFacade)).toBe(normal(directly));
    expect((viaFacade.json['port'] as Record<string, number>)['revision_number']).toBe(Number((directly.json['port'] as Record<string, number>)['revision_number']) - 1);
    expect(viaFacade.headers.get('content-type')).toBe(directly.headers.get('content-type'));
    // errors: unknown attribute (400), missing port (404), unknown resource (404)
    same(await raw(`${direct}/v2.0/ports/${id}`, 'PUT', { port: { bogus: 1 } }), await raw(`${facadeUrl}/v2.0/ports/${id}`, 'PUT', { port: { bogus: 1 } }));
    const missing = randomUUID();
    const miss = await raw(`${facadeUrl}/v2.0/ports/${missing}`);
    same(await raw(`${direct}/v2.0/ports/${missing}`), miss);
    expect(miss.bytes.toString()).toBe(`{"NeutronError": {"type": "PortNotFound", "message": "Port ${missing} could not be found.", "detail": ""}}`);
    same(await raw(`${direct}/v2.0/nothing-here`), await raw(`${facadeUrl}/v2.0/nothing-here`));
    // a real change through the facade is seen directly
    const changed = await raw(`${facadeUrl}/v2.0/ports/${id}`, 'PUT', { port: { name: 'renamed-through-facade' } });
    expect(changed.status).toBe(200);
    expect(((await raw(`${direct}/v2.0/ports/${id}`)).json['port'] as Record<string, unknown>)['name']).toBe('renamed-through-facade');
    // DELETE: one port directly, one through the facade
    const other = await mk('pass-2');
    same(await raw(`${direct}/v2.0/ports/${id}`, 'DELETE'), await raw(`${facadeUrl}/v2.0/ports/${other}`, 'DELETE'));
    // deleting again: the same 404 either way
    same(await raw(`${direct}/v2.0/ports/${id}`, 'DELETE'), await raw(`${facadeUrl}/v2.0/ports/${id}`, 'DELETE'));
  });

  it('answers 503 ServiceUnavailable for a Gluon port whose Proton server is down (last: stops the Proton server)', async () => {
    await shim.close();
    await proton.close();
    const down = await raw(`${facadeUrl}/v2.0/ports/${portId}`);
    expect(down.status).toBe(503);
    expect((down.json['NeutronError'] as Record<string, unknown>)['type']).toBe('ServiceUnavailable');
    // Neutron's own ports are still served
    expect((await raw(`${facadeUrl}/v2.0/networks`)).status).toBe(200);
  });
});
