/**
 * A Nova-style bind through the Neutron facade with Keystone on everywhere: real
 * Keystone, real Neutron (keystone auth), a Proton server validating Keystone tokens,
 * the dummy shim on the shared etcd, and the facade identifying callers by their
 * Keystone token, forwarding it to the Proton server, and using the arbiter's service
 * credential (a cached, renewed Keystone token) when a call carries none.
 *
 * The bundled models keep `list: rule:admin`: the built-in Proton driver makes its list
 * reads (`GET …/ports?id=…`, the service-binding lookups) with the facade's service token
 * and the arbiter scopes the answer to the caller's project, so no policy override is
 * needed. The facade identifies callers by their token only: a bad token gets
 * keystonemiddleware's 401, and identity headers (`X-Roles: admin`) grant nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNeutronFacade, type NeutronFacade } from '../../src/core/arbiter/index.js';
import { callerScopeOf, createKeystoneAuthenticator, createKeystoneTokenProvider, type KeystoneAuthenticator } from '../../src/core/auth/index.js';
import { createKeyValueStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { createDummyShim, type Shim } from '../../src/shim-sdk/index.js';
import { waitFor } from '../arbiter/helpers.js';
import { startKeystone, type KeystoneInstance } from '../setup/keystone.js';
import { startNeutron, type NeutronInstance } from '../setup/neutron.js';
import { call } from '../setup/http-call.js';

const API = '/proton/net-l3vpn/v1.0';

describe('Nova-style bind through the facade with Keystone on', () => {
  const prefix = `/nova-ks-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'gluon-nova-ks-'));
  let keystone: KeystoneInstance;
  let neutron: NeutronInstance;
  let proton: ProtonServer;
  let shimKv: KeyValueStore;
  let shim: Shim;
  let facadeAuth: KeystoneAuthenticator;
  let facade: NeutronFacade;
  let facadeUrl: string;
  let portId: string;
  const tokens: Record<'admin' | 'user1' | 'user2', string> = { admin: '', user1: '', user2: '' };

  beforeAll(async () => {
    const etcd = inject('etcdEndpoint');
    keystone = await startKeystone();
    neutron = await startNeutron({ auth: 'keystone', keystoneUrl: keystone.url, keystoneAdminPassword: 'secret' });
    const service = { authUrl: keystone.authUrl, username: 'gluon', password: keystone.users.gluon.password, projectName: 'service' };
    proton = await createProtonServer({
      db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, etcd, etcdPrefix: prefix, logger: { level: 'silent' }, docs: false,
      auth: { strategy: 'keystone', keystone: service },
    });
    await proton.listen();
    shimKv = createKeyValueStore(etcd, { prefix });
    const model = proton.registry.defaultVersion('net-l3vpn');
    if (model === undefined) throw new Error('the bundled net-l3vpn model is missing');
    shim = createDummyShim(shimKv, { model });
    await shim.start();
    tokens.admin = await keystone.issueToken('admin');
    tokens.user1 = await keystone.issueToken('user1');
    tokens.user2 = await keystone.issueToken('user2');
    facadeAuth = createKeystoneAuthenticator({ service });
    facade = await createNeutronFacade({
      neutronUrl: neutron.url, etcd, etcdPrefix: prefix, lookupTimeoutMs: 30_000,
      neutronToken: tokens.admin,
      tokenProvider: createKeystoneTokenProvider(service),
      identify: callerScopeOf(facadeAuth),
    });
    facadeUrl = await facade.listen({ port: 0 });

    // user1 (member of tenant1) creates its port, VPN and service binding with its own token
    const tenant1 = keystone.projects['tenant1'] ?? '';
    portId = randomUUID();
    const post = async (path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const res = await call(`${proton.url}${API}/${path}`, { method: 'POST', token: tokens.user1, body });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Record<string, unknown>;
    };
    await post('ports', { id: portId, tenant_id: tenant1, name: 'vm-port', mac_address: 'fa:16:3e:12:34:57', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
    const vpn = await post('vpns', { tenant_id: tenant1, name: 'vpn-blue', ipv4_family: '100:1', route_distinguishers: '100:1' });
    await post('vpnbindings', { tenant_id: tenant1, interface_id: portId, service_id: vpn['id'], ipaddress: '10.10.0.6', subnet_prefix: 24, gateway: '10.10.0.1' });
    await waitFor('the port registered in etcd reaches the facade', () => facade.arbiter.isGluonPort(portId), 20_000);
  }, 400_000);

  afterAll(async () => {
    await facade?.close();
    await facadeAuth?.close?.();
    await shim?.close();
    await shimKv?.close();
    await proton?.close();
    await neutron?.stop();
    await keystone?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const port = async (token: string | undefined, method = 'GET', body?: unknown) => call(`${facadeUrl}/v2.0/ports/${portId}`, { method, token, body });

  it('the owner sees its port through the facade, another project does not', async () => {
    const own = await port(tokens.user1);
    expect(own.status).toBe(200);
    expect((own.body as { port: Record<string, unknown> }).port).toMatchObject({ id: portId, tenant_id: keystone.projects['tenant1'], fixed_ips: [{ ip_address: '10.10.0.6' }] });
    expect((await port(tokens.user2)).status).toBe(404);
  });

  it('a member cannot bind (the Proton server refuses host_id with its forwarded token)', async () => {
    const denied = await port(tokens.user1, 'PUT', { port: { 'binding:host_id': 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' } });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toContain('net-l3vpn:update_ports:host_id');
  });

  it('Nova binds with its admin token: forwarded end to end, the shim answers, the port is ACTIVE', async () => {
    const instance = randomUUID();
    const bound = await port(tokens.admin, 'PUT', { port: { 'binding:host_id': 'compute-1', device_id: instance, device_owner: 'compute:nova', 'binding:profile': {} } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect((bound.body as { port: Record<string, unknown> }).port).toMatchObject({ id: portId, 'binding:host_id': 'compute-1', 'binding:vif_type': 'ovs', device_id: instance, status: 'ACTIVE' });
    // the owner's own token now reads the bound port from the Proton server
    const mine = await call(`${proton.url}${API}/ports/${portId}`, { token: tokens.user1 });
    expect(mine.body).toMatchObject({ host_id: 'compute-1', vif_type: 'ovs', device_id: instance });
    // Nova's list by device_id with the user's token
    const listed = await call(`${facadeUrl}/v2.0/ports?device_id=${instance}`, { token: tokens.admin });
    expect((listed.body as { ports: { id: string }[] }).ports.map((p) => p.id)).toEqual([portId]);
  });

  it('without a caller token the arbiter uses its service credential (Keystone password auth, cached)', async () => {
    const viaService = await facade.arbiter.getPort(portId, { ctx: { isAdmin: true } });
    expect(viaService).toMatchObject({ id: portId, 'binding:host_id': 'compute-1' });
  });

  it('no token or a garbage token at the facade gets keystonemiddleware\'s 401 before any backend call', async () => {
    for (const token of ['gAAAAABgarbage', undefined]) {
      const res = await fetch(`${facadeUrl}/v2.0/ports/${portId}`, { headers: token === undefined ? {} : { 'x-auth-token': token } });
      expect(res.status).toBe(401);
      // keystonemiddleware's form, as Neutron sends it: the unversioned Keystone URL
      expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${keystone.url}"`);
      expect(await res.text()).toBe('{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}');
    }
    const put = await fetch(`${facadeUrl}/v2.0/ports/${portId}`, { method: 'PUT', headers: { 'x-auth-token': 'gAAAAABgarbage', 'content-type': 'application/json' }, body: '{"port": {"binding:host_id": null}}' });
    expect(put.status).toBe(401);
    expect((await call(`${proton.url}${API}/ports/${portId}`)).status).toBe(401);
  });

  it('a member lists only its own project\'s Gluon ports (bundled list rules unchanged: the driver reads with the service token)', async () => {
    const list = async (token: string, headers: Record<string, string> = {}): Promise<string[]> => {
      const res = await fetch(`${facadeUrl}/v2.0/ports`, { headers: { 'x-auth-token': token, ...headers } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { ports: { id: string }[] }).ports.map((p) => p.id);
    };
    const own = await fetch(`${facadeUrl}/v2.0/ports?id=${portId}`, { headers: { 'x-auth-token': tokens.user1 } });
    const ownPorts = ((await own.json()) as { ports: Record<string, unknown>[] }).ports;
    expect(ownPorts).toHaveLength(1);
    expect(ownPorts[0]).toMatchObject({ id: portId, fixed_ips: [{ ip_address: '10.10.0.6' }] });
    expect(ownPorts[0]).not.toHaveProperty('binding:host_id');
    expect(await list(tokens.user1)).toContain(portId);
    expect(await list(tokens.user2)).not.toContain(portId);
    expect(await list(tokens.admin)).toContain(portId);
    // the member's own token is still refused by the Proton server's list rule (the facade does not open it)
    expect((await call(`${proton.url}${API}/ports`, { token: tokens.user1 })).status).toBe(403);
  });

  it('identity headers grant nothing: a member token with X-Roles: admin / X-Project-Id stays a member of its project', async () => {
    const tenant1 = keystone.projects['tenant1'] ?? '';
    const escalate = { 'x-roles': 'admin', 'x-project-id': tenant1, 'x-tenant-id': tenant1 };
    const other = await fetch(`${facadeUrl}/v2.0/ports/${portId}`, { headers: { 'x-auth-token': tokens.user2, ...escalate } });
    expect(other.status).toBe(404);
    const listed = await fetch(`${facadeUrl}/v2.0/ports?id=${portId}`, { headers: { 'x-auth-token': tokens.user2, ...escalate } });
    expect(((await listed.json()) as { ports: unknown[] }).ports).toEqual([]);
    const ownView = await fetch(`${facadeUrl}/v2.0/ports/${portId}`, { headers: { 'x-auth-token': tokens.user1, 'x-roles': 'admin' } });
    expect(ownView.status).toBe(200);
    expect(((await ownView.json()) as { port: Record<string, unknown> }).port).not.toHaveProperty('binding:host_id');
  });
});
