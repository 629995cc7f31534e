/**
 * Acceptance (issue 20): the Neutron facade as real OpenStack clients see it. Debian's
 * `openstack` CLI (python3-openstackclient) and an openstacksdk script talk to
 * `gluon arbiter --auth-strategy keystone` (run as a process from the sources) in front of a
 * real Neutron with Keystone, a Proton server with Keystone auth and the dummy shim.
 *
 * The CLI finds the facade through `network_endpoint_override` in its clouds.yaml; the SDK
 * script through the catalog, whose `network` endpoint the Keystone recipe seeded
 * (`test/openstack/start_keystone.sh`, `KS_NETWORK_URL`): both ways of docs/neutron.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyValueStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { createDummyShim, type Shim } from '../../src/shim-sdk/index.js';
import { spawnNode, type Spawned } from '../server/helpers.js';
import { call } from '../setup/http-call.js';
import { startKeystone, type KeystoneInstance } from '../setup/keystone.js';
import { startNeutron, type NeutronInstance } from '../setup/neutron.js';
import { ensureOpenstackClientInstalled, openstackCli, pythonScript, writeCloudsYaml } from '../setup/openstack-client.js';
import { freePort } from '../setup/service-process.js';
import { waitFor } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API = '/proton/net-l3vpn/v1.0';
const GLUON_ADDRESSES = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

/** What Nova's and an operator's SDK code does: page with several limits, ask for fields, filter by address part. */
const SDK_SCRIPT = `
import json, sys, openstack
conn = openstack.connect(cloud=sys.argv[1])
out = {"pages": {}}
for limit in (1, 2, 1000):
    out["pages"][str(limit)] = [p.id for p in conn.network.ports(limit=limit)]
out["unpaged"] = [p.id for p in conn.network.ports()]
out["fields"] = conn.network.get("/ports?fields=port_security_enabled").json()["ports"]
out["substr"] = sorted(p.id for p in conn.network.ports(fixed_ips="ip_address_substr=10.0.0"))
print(json.dumps(out))
`;

describe('the facade through Debian\'s openstack CLI and openstacksdk (gluon arbiter, Keystone, Neutron, Proton, dummy shim)', () => {
  const prefix = `/os-clients-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'gluon-os-clients-'));
  let keystone: KeystoneInstance;
  let neutron: NeutronInstance;
  let proton: ProtonServer;
  let shimKv: KeyValueStore;
  let shim: Shim;
  let arbiter: Spawned;
  let facadeUrl: string;
  let clouds: string;
  let admin: string;
  const gluonIds: string[] = [];
  const neutronIds: string[] = [];

  beforeAll(async () => {
    ensureOpenstackClientInstalled();
    const etcd = inject('etcdEndpoint');
    const facadePort = await freePort();
    facadeUrl = `http://127.0.0.1:${facadePort}`;
    // the recipe puts the facade in the catalog as the network endpoint
    keystone = await startKeystone({ networkUrl: facadeUrl });
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
    arbiter = spawnNode(
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'arbiter', '--neutron-url', neutron.url, '--port', String(facadePort), '--etcd', etcd, '--etcd-prefix', prefix,
        '--root', ROOT, '--plugins', '', '--auth-strategy', 'keystone', '--keystone-url', keystone.authUrl],
      { cwd: ROOT, env: { GLUON_KEYSTONE_USERNAME: 'gluon', GLUON_KEYSTONE_PASSWORD: keystone.users.gluon.password, GLUON_KEYSTONE_PROJECT: 'service' } },
    );
    await arbiter.waitFor(/Neutron facade listening/);
    admin = await keystone.issueToken('admin');

    // three Gluon ports of tenant1 with addresses 10.0.0.1–3 (made by the admin on the Proton API)
    const tenant1 = keystone.projects['tenant1'] ?? '';
    const post = async (path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const res = await call(`${proton.url}${API}/${path}`, { method: 'POST', token: admin, body });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.json())}`);
      return res.json();
    };
    const vpn = await post('vpns', { tenant_id: tenant1, name: 'vpn-blue', ipv4_family: '100:1', route_distinguishers: '100:1' });
    for (const [i, address] of GLUON_ADDRESSES.entries()) {
      const id = randomUUID();
      await post('ports', { id, tenant_id: tenant1, name: `gluon-${i}`, mac_address: `fa:16:3e:00:00:0${i + 1}`, admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
      await post('vpnbindings', { tenant_id: tenant1, interface_id: id, service_id: vpn['id'], ipaddress: address, subnet_prefix: 24, gateway: '10.0.0.254' });
      gluonIds.push(id);
    }
    // three Neutron ports on a network of their own (10.0.0.0/24 too: the address filters see both kinds)
    const net = await call(`${neutron.url}/v2.0/networks`, { method: 'POST', token: admin, body: { network: { name: 'plain-net' } } });
    const netId = String((net.json()['network'] as Record<string, unknown>)['id']);
    const sub = await call(`${neutron.url}/v2.0/subnets`, { method: 'POST', token: admin, body: { subnet: { network_id: netId, ip_version: 4, cidr: '10.0.0.0/24', gateway_ip: null, enable_dhcp: false, allocation_pools: [{ start: '10.0.0.100', end: '10.0.0.200' }] } } });
    expect(sub.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const port = await call(`${neutron.url}/v2.0/ports`, { method: 'POST', token: admin, body: { port: { network_id: netId, name: `neutron-${i}` } } });
      expect(port.status).toBe(201);
      neutronIds.push(String((port.json()['port'] as Record<string, unknown>)['id']));
    }
    clouds = writeCloudsYaml(dir, {
      // the CLI: Neutron endpoint given in clouds.yaml
      override: { authUrl: keystone.authUrl, username: 'admin', password: 'secret', project: 'admin', networkEndpoint: facadeUrl },
      // the SDK: Neutron endpoint from the Keystone catalog
      catalog: { authUrl: keystone.authUrl, username: 'admin', password: 'secret', project: 'admin' },
    });
    await waitFor('the Gluon ports reach the facade', async () => {
      const listed = await call(`${facadeUrl}/v2.0/ports?fields=id`, { token: admin });
      const ids = (listed.json()['ports'] as { id: string }[] | undefined ?? []).map((p) => p.id);
      return gluonIds.every((id) => ids.includes(id));
    }, 30_000);
  }, 600_000);

  afterAll(async () => {
    if (arbiter !== undefined) {
      arbiter.child.kill('SIGTERM');
      await arbiter.exited;
    }
    await shim?.close();
    await shimKv?.close();
    await proton?.close();
    await neutron?.stop();
    await keystone?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('openstacksdk (catalog endpoint): paging with limit 1, 2 and 1000 returns every port once, in one order; fields and ip_address_substr as Neutron', async () => {
    const run = await pythonScript(clouds, SDK_SCRIPT, ['catalog']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { pages: Record<string, string[]>; unpaged: string[]; fields: Record<string, unknown>[]; substr: string[] };
    const direct = await call(`${neutron.url}/v2.0/ports`, { token: admin });
    const neutronAll = (direct.json()['ports'] as { id: string; fixed_ips: { ip_address: string }[] }[]);
    const everyPort = [...neutronAll.map((p) => p.id), ...gluonIds].sort();
    for (const limit of ['1', '2', '1000']) {
      const ids = out.pages[limit] ?? [];
      expect(ids, `limit ${limit}`).toHaveLength(everyPort.length);
      expect([...ids].sort(), `limit ${limit}`).toEqual(everyPort);
      expect(ids, `limit ${limit}: the same order as limit 1`).toEqual(out.pages['1']);
    }
    expect([...out.unpaged].sort()).toEqual(everyPort);
    // fields=port_security_enabled: one entry per port with just that key, Gluon ports included
    const directFields = (await call(`${neutron.url}/v2.0/ports?fields=port_security_enabled`, { token: admin })).json()['ports'] as Record<string, unknown>[];
    expect(out.fields).toHaveLength(directFields.length + gluonIds.length);
    for (const entry of out.fields) expect(Object.keys(entry)).toEqual(['port_security_enabled']);
    // ip_address_substr: Neutron's own matches plus the Gluon ports on 10.0.0.x
    const neutronMatches = neutronAll.filter((p) => p.fixed_ips.some((ip) => ip.ip_address.includes('10.0.0'))).map((p) => p.id);
    expect(neutronMatches).toHaveLength(neutronIds.length);
    expect(out.substr).toEqual([...neutronMatches, ...gluonIds].sort());
  });

  it('openstack port delete of a Gluon port fails (exit ≠ 0, says where to delete it) and the port is still there', async () => {
    const id = gluonIds[0] ?? '';
    const deleted = await openstackCli(clouds, 'override', ['port', 'delete', id]);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('Proton API');
    const shown = await openstackCli(clouds, 'override', ['port', 'show', id, '-f', 'json']);
    expect(shown.code, shown.stderr).toBe(0);
    const port = JSON.parse(shown.stdout) as Record<string, unknown>;
    expect(port['id']).toBe(id);
    // Neutron's field formats: timestamps without milliseconds, port_security_enabled present
    expect(port['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(port['updated_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(port).toHaveProperty('port_security_enabled');
  });

  it('openstack port list --fixed-ip ip-substring / ip-address matches Gluon ports as Neutron\'s', async () => {
    const listed = await openstackCli(clouds, 'override', ['port', 'list', '--fixed-ip', 'ip-substring=10.0.0', '-f', 'json', '-c', 'ID']);
    expect(listed.code, listed.stderr).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { ID: string }[]).map((p) => p.ID).sort();
    expect(ids).toEqual([...neutronIds, ...gluonIds].sort());
    const exact = await openstackCli(clouds, 'override', ['port', 'list', '--fixed-ip', 'ip-address=10.0.0.2', '-f', 'json', '-c', 'ID']);
    expect((JSON.parse(exact.stdout) as { ID: string }[]).map((p) => p.ID)).toEqual([gluonIds[1]]);
  });

  it('openstack port create on GluonNetwork is refused, so no address of a Gluon port can be taken twice', async () => {
    const created = await openstackCli(clouds, 'override', ['port', 'create', '--network', 'GluonNetwork', '--fixed-ip', `subnet=GluonSubnet,ip-address=${GLUON_ADDRESSES[0]}`, 'dup', '-f', 'json']);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('Proton API');
    const holders = await openstackCli(clouds, 'override', ['port', 'list', '--fixed-ip', `ip-address=${GLUON_ADDRESSES[0]}`, '-f', 'json', '-c', 'ID']);
    expect(holders.code, holders.stderr).toBe(0);
    expect((JSON.parse(holders.stdout) as { ID: string }[]).map((p) => p.ID)).toEqual([gluonIds[0]]);
  });

  it('openstack port set: --name and --description land and read back; a key the port model lacks is refused naming it and the updatable keys, no internal URL', async () => {
    const id = gluonIds[2] ?? '';
    const renamed = await openstackCli(clouds, 'override', ['port', 'set', '--name', 'renamed-by-cli', '--description', 'd1', id]);
    expect(renamed.code, renamed.stderr).toBe(0);
    const shown = JSON.parse((await openstackCli(clouds, 'override', ['port', 'show', id, '-f', 'json'])).stdout) as Record<string, unknown>;
    expect(shown['name']).toBe('renamed-by-cli');
    expect(shown['description']).toBe('d1');
    // port security is Neutron's, not the port model's: the updatable keys are derived from the model
    const secured = await openstackCli(clouds, 'override', ['port', 'set', '--enable-port-security', id]);
    expect(secured.code).not.toBe(0);
    expect(secured.stderr).toContain('port_security_enabled');
    expect(secured.stderr).toContain('updatable: name, admin_state_up');
    expect(secured.stderr).toContain('description');
    expect(secured.stderr).not.toContain(proton.url);
    expect(secured.stderr).not.toContain(neutron.url);
  });

  it('a bad token on a Gluon port gets the WWW-Authenticate Neutron (keystonemiddleware) sends', async () => {
    const viaFacade = await call(`${facadeUrl}/v2.0/ports/${gluonIds[0] ?? ''}`, { token: 'gAAAAABbogus' });
    const direct = await call(`${neutron.url}/v2.0/ports/${neutronIds[0] ?? ''}`, { token: 'gAAAAABbogus' });
    expect(viaFacade.status).toBe(401);
    expect(direct.status).toBe(401);
    expect(viaFacade.headers['www-authenticate']).toBe(direct.headers['www-authenticate']);
    // the refusals authenticate first, as keystonemiddleware does
    expect((await call(`${facadeUrl}/v2.0/ports/${gluonIds[0] ?? ''}`, { method: 'DELETE', token: 'gAAAAABbogus' })).status).toBe(401);
    expect((await call(`${facadeUrl}/v2.0/ports`, { method: 'POST', token: 'gAAAAABbogus', body: { port: { network_id: neutron.gluonNetworkId } } })).status).toBe(401);
  });
});
