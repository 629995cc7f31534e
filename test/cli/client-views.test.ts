/**
 * The client's views beyond CRUD: `describe` of a bound port, the `protonclient`
 * drop-in running the original's commands (gluon-inventory.md §10.1), and `--watch`.
 *
 * `--watch` runs against a stub in front of the real server: the stub forwards every
 * request to the server except `?watch=true`, which it answers with a scripted
 * Server-Sent Events stream following the watch protocol exactly (ADDED/MODIFIED/DELETED
 * with `id:` revisions, BOOKMARK, `: heartbeat` comments, ERROR with
 * GLUON_ERR_WATCH_SLOW_CLIENT / GLUON_ERR_WATCH_EXPIRED). It records the `Last-Event-ID`
 * each reconnection sends.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gluon, protonclient, sse, startProton, watchStub } from './client-helpers.js';

const TENANT = 'a868a466bca84df18404a77db0ecac72';
let url: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ url, stop } = await startProton());
});
afterAll(async () => stop());

const env = (): NodeJS.ProcessEnv => ({ GLUON_URL: url });
const hostPort = (): string[] => ['--host', new URL(url).hostname, '--port', new URL(url).port];

async function createPort(name: string): Promise<string> {
  const r = await gluon(['port', 'create', '--api', 'net-l3vpn', '--tenant-id', TENANT, '--name', name, '--mac-address', 'c8:2a:14:04:43:80', '--admin-state-up', 'true',
    '--status', 'ACTIVE', '--vnic-type', 'normal', '--mtu', '1500', '--vlan-transparency', 'true', '-f', 'value', '-c', 'id'], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('gluon port describe', () => {
  it('joins a bound port with its interface, its VPN binding, the VPN and the binding state', async () => {
    const port = await createPort('described');
    const vpn = await gluon(['vpn', 'create', '--api', 'net-l3vpn', '--tenant-id', TENANT, '--name', 'vpn1', '--ipv4-family', '100:1', '--route-distinguishers', '100:1', '-f', 'value', '-c', 'id'], { env: env() });
    const vpnId = vpn.stdout.trim();
    const binding = await gluon(['vpnbinding', 'create', '--api', 'net-l3vpn', '--interface-id', port, '--service-id', vpnId, '--ipaddress', '10.10.0.2',
      '--subnet-prefix', '24', '--gateway', '10.10.0.1', '--tenant-id', TENANT], { env: env() });
    expect(binding.code, binding.stderr).toBe(0);
    const bind = await gluon(['port', 'set', port, '--api', 'net-l3vpn', '--host-id', 'compute-1', '--device-owner', 'compute:nova',
      '--device-id', '0b1e2c4d-1111-4222-8333-444455556666', '--profile', '{}', '-f', 'json'], { env: env() });
    expect(bind.code, bind.stderr).toBe(0);
    expect(JSON.parse(bind.stdout)).toMatchObject({ host_id: 'compute-1', vif_type: 'ovs' });

    const view = await gluon(['port', 'describe', port, '--api', 'net-l3vpn', '-f', 'json'], { env: env() });
    expect(view.code, view.stderr).toBe(0);
    expect(JSON.parse(view.stdout)).toMatchObject({
      port: { id: port, name: 'described' },
      binding_state: { bound: true, host_id: 'compute-1', vif_type: 'ovs', device_owner: 'compute:nova' },
      interfaces: [{ id: port, port_id: port, name: 'described_default' }],
      vpnbindings: [{ interface_id: port, service_id: vpnId, ipaddress: '10.10.0.2' }],
      vpns: [{ id: vpnId, name: 'vpn1' }],
    });
    const text = await gluon(['port', 'describe', port, '--api', 'net-l3vpn'], { env: env() });
    expect(text.stdout).toContain('binding_state:\n  bound: true\n  host_id: compute-1');
    expect(text.stdout).toContain('vpnbindings:\n  tenant_id:');
  });
});

describe('protonclient (the original command forms, §10.1, and its transcript)', () => {
  /** What the original printed: the answer with sorted keys, indented by 4. */
  const printed = (value: Record<string, unknown> | Record<string, unknown>[]): string => {
    const sort = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    return `${JSON.stringify(Array.isArray(value) ? value.map(sort) : sort(value), null, 4)}\n`;
  };

  it('port-create, vpn-create, vpnbinding-create, -list, -show, -update, -delete print what gluon shows, as the original printed it', async () => {
    const created = await protonclient(['--api', 'net-l3vpn', 'port-create', '--mac_address', 'c8:2a:14:04:43:80', '--mtu', '1500', '--admin_state_up', 'True', '--name', 'TestVPNPort',
      '--vlan_transparency', 'True', '--vnic_type', 'normal', '--vif_type', 'ovs', '--status', 'ACTIVE', '--tenant_id', TENANT, ...hostPort()]);
    expect(created.code, created.stderr).toBe(0);
    const port = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(created.stdout).toBe(printed(port));
    expect(port).toMatchObject({ name: 'TestVPNPort', mtu: 1500, admin_state_up: true, vlan_transparency: true, vif_type: 'ovs', tenant_id: TENANT });
    const id = String(port['id']);
    const shown = await gluon(['port', 'show', id, '--api', 'net-l3vpn', '-f', 'json'], { env: env() });
    expect(JSON.parse(shown.stdout)).toEqual(port);

    // --host/--port from OS_PROTON_HOST / OS_PROTON_PORT, --api after the command
    const procEnv = { OS_PROTON_HOST: new URL(url).hostname, OS_PROTON_PORT: new URL(url).port };
    const vpn = await protonclient(['vpn-create', '--name', 'TestVPN', '--ipv4_family', '1000:1000', '--route_distinguishers', '1000:1000', '--tenant_id', TENANT, '--api', 'net-l3vpn'], { env: procEnv });
    expect(vpn.code, vpn.stderr).toBe(0);
    const vpnId = String((JSON.parse(vpn.stdout) as Record<string, unknown>)['id']);
    const binding = await protonclient(['--api', 'net-l3vpn', 'vpnbinding-create', '--interface_id', id, '--service_id', vpnId, '--ipaddress', '10.10.0.2',
      '--subnet_prefix', '24', '--gateway', '10.10.0.1', '--tenant_id', TENANT], { env: procEnv });
    expect(binding.code, binding.stderr).toBe(0);
    expect(JSON.parse(binding.stdout)).toMatchObject({ interface_id: id, service_id: vpnId, ipaddress: '10.10.0.2', subnet_prefix: 24, gateway: '10.10.0.1', tenant_id: TENANT });
    const iface = await protonclient(['--api', 'net-l3vpn', 'interface-show', id], { env: procEnv });
    expect(JSON.parse(iface.stdout)).toMatchObject({ id, port_id: id, name: 'TestVPNPort_default', segmentation_type: 'none', segmentation_id: 0 });

    const list = await protonclient(['--api', 'net-l3vpn', 'port-list'], { env: procEnv });
    expect(list.code).toBe(0);
    const ports = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(list.stdout).toBe(printed(ports));
    expect(ports.find((p) => p['id'] === id)).toEqual(port);
    const updated = await protonclient(['--api', 'net-l3vpn', 'port-update', id, '--host_id', 'compute-2'], { env: procEnv });
    expect(JSON.parse(updated.stdout)).toMatchObject({ id, host_id: 'compute-2' });

    for (const command of [['vpnbinding-delete', id], ['vpn-delete', vpnId], ['port-delete', id]]) {
      const deleted = await protonclient(['--api', 'net-l3vpn', ...command], { env: procEnv });
      expect(deleted).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    const gone = await protonclient(['--api', 'net-l3vpn', 'port-show', id], { env: procEnv });
    expect(gone).toEqual({ code: 1, stdout: '', stderr: 'gluon.common.exception.GluonClientException: Bad return status 404\n' });
  });

  it('prints click\'s usage errors as the original did (exit 2), and its --api messages (exit 255)', async () => {
    const missing = await protonclient(['--api', 'net-l3vpn', 'port-create', '--tenant_id', TENANT, ...hostPort()]);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: "Usage: protonclient port-create [OPTIONS]\nTry 'protonclient port-create --help' for help.\n\nError: Missing option '--vlan_transparency'.\n",
    });
    const none = await protonclient(['port-list', ...hostPort()]);
    expect(none.code).toBe(255);
    expect(none.stderr).toContain('--api is not specified!');
    const bad = await protonclient(['--api', 'nope', 'port-list', ...hostPort()]);
    expect(bad.stderr).toContain('Invalid API name!');
    expect(bad.stderr).toContain('--api TEXT      Name of API, one of [ietf-sfc, net-l3vpn, test]');
    expect((await protonclient(['port-list', '--api'])).stderr).toContain('API name is not specified!');
    const unknown = await protonclient(['--api', 'net-l3vpn', 'port-frobnicate', ...hostPort()]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("Error: No such command 'port-frobnicate'.") });
    const option = await protonclient(['--api', 'net-l3vpn', 'port-update', 'x', '--bogus', '1', ...hostPort()]);
    expect(option).toMatchObject({ code: 2, stderr: expect.stringContaining('Error: No such option: --bogus') });
    const value = await protonclient(['--api', 'net-l3vpn', 'port-update', 'x', '--mtu', 'big', ...hostPort()]);
    expect(value).toMatchObject({ code: 2, stderr: expect.stringContaining("Error: Invalid value for '--mtu': 'big'") });
    const noId = await protonclient(['--api', 'net-l3vpn', 'port-show', ...hostPort()]);
    expect(noId).toMatchObject({ code: 2, stderr: expect.stringContaining("Error: Missing argument 'ID'.") });
    const help = await protonclient(['--api', 'test', '--help', ...hostPort()]);
    expect(help.stdout).toContain('  TestBinding-create');
    const commandHelp = await protonclient(['--api', 'net-l3vpn', 'vpnbinding-create', '--help', ...hostPort()]);
    expect(commandHelp.stdout).toContain('--interface_id TEXT  [required]');
    expect(commandHelp.stdout).toContain('--subnet_prefix INTEGER');
  });
});

describe('a vendor\'s model', () => {
  it('gets its commands from the server, named by the model\'s api.name, with its own types checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-vendor-'));
    writeFileSync(join(dir, 'acme-qos.yaml'), `file_version: "1.0"
info:
  name: acme-qos
  version: "1.0"
objects:
  QosPolicy:
    api:
      name: policy
      plural_name: policies
    attributes:
      id:
        type: uuid
        primary: true
      rate_kbps:
        type: integer
        required: true
        min: 64
        max: 100000
      class:
        type: enum
        values: [gold, silver]
`);
    const vendor = await startProton({ models: [join(dir, 'acme-qos.yaml')] });
    try {
      const venv = { GLUON_URL: vendor.url };
      const created = await gluon(['policy', 'create', '--rate-kbps', '512', '--class', 'gold', '-f', 'json'], { env: venv });
      expect(created.code, created.stderr).toBe(0);
      const id = String((JSON.parse(created.stdout) as Record<string, unknown>)['id']);
      expect((await gluon(['policy', 'list', '--class', 'gold', '-f', 'value', '-c', 'id'], { env: venv })).stdout).toBe(`${id}\n`);
      const low = await gluon(['policy', 'set', id, '--rate-kbps', '10'], { env: venv });
      expect(low).toMatchObject({ code: 2, stderr: expect.stringContaining("--rate-kbps: '10' (rule minimum)") });
      const original = await protonclient(['policy-show', id, '--host', new URL(vendor.url).hostname, '--port', new URL(vendor.url).port]);
      expect(original.code, original.stderr).toBe(0);
      expect(JSON.parse(original.stdout)).toMatchObject({ id, rate_kbps: 512, class: 'gold' });
    } finally {
      await vendor.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('after a 401', () => {
  it('says how the server wants callers to get a token, from GET /proton/capabilities', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/proton/capabilities') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ auth: { strategy: 'keystone', auth_url: 'http://keystone.example:5000/v3', how_to_get_token: 'Get a Keystone v3 token.' } }));
        return;
      }
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ faultcode: 'Client', faultstring: 'Authentication required', debuginfo: null, code: 'GLUON_ERR_AUTH_MISSING_TOKEN', details: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const result = await gluon(['port', 'list'], { env: { GLUON_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the server answered 401 [GLUON_ERR_AUTH_MISSING_TOKEN]');
      expect(result.stderr).toContain('hint: the server authenticates with keystone (Keystone: http://keystone.example:5000/v3): Get a Keystone v3 token. To give gluon credentials: --os-cloud <profile>');
    } finally {
      server.close();
    }
  });
});

describe('gluon <resource> list --watch (against a stub speaking the watch protocol)', () => {
  it('prints ADDED/MODIFIED/DELETED, resumes with Last-Event-ID after a slow-client cut, relists after EXPIRED', async () => {
    const p1 = { id: '11111111-1111-4111-8111-111111111111', name: 'one' };
    const stub = await watchStub(url, [
      (res) => {
        sse(res, 'ADDED', '5', p1);
        res.write(': heartbeat\n\n');
        sse(res, 'BOOKMARK', '5', {});
        sse(res, 'MODIFIED', '6', { ...p1, name: 'uno' });
        sse(res, 'ERROR', undefined, { code: 'GLUON_ERR_WATCH_SLOW_CLIENT', faultstring: 'too slow' });
        res.end();
      },
      (res) => {
        sse(res, 'DELETED', '7', { ...p1, name: 'uno' });
        sse(res, 'ERROR', undefined, { code: 'GLUON_ERR_WATCH_EXPIRED', faultstring: 'compacted' });
        res.end();
      },
      (res) => {
        sse(res, 'ADDED', '9', { id: '22222222-2222-4222-8222-222222222222', name: 'two' });
        sse(res, 'BOOKMARK', '9', {});
      },
    ]);
    const controller = new AbortController();
    try {
      const result = await gluon(['port', 'list', '--api', 'net-l3vpn', '--watch', '--status', 'ACTIVE'], {
        env: { GLUON_URL: stub.url },
        signal: controller.signal,
        onOutput: (out) => {
          if (out.includes('two')) controller.abort();
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        [`ADDED ${p1.id} one`, `MODIFIED ${p1.id} uno`, `DELETED ${p1.id} uno`, 'ADDED 22222222-2222-4222-8222-222222222222 two', ''].join('\n'),
      );
      expect(stub.lastEventIds).toEqual([undefined, '6', undefined]);
    } finally {
      stub.server.closeAllConnections();
      stub.server.close();
    }
  });

  it('prints one JSON line per event with -f json, and stops with the fault on another ERROR', async () => {
    const stub = await watchStub(url, [
      (res) => {
        sse(res, 'ADDED', '3', { id: 'a', name: 'x' });
        sse(res, 'ERROR', undefined, { code: 'GLUON_ERR_AUTH_INVALID_TOKEN', faultstring: 'token expired' });
        res.end();
      },
    ]);
    try {
      const result = await gluon(['port', 'list', '--api', 'net-l3vpn', '--watch', '-f', 'json'], { env: { GLUON_URL: stub.url } });
      expect(result.stdout).toBe(`${JSON.stringify({ type: 'ADDED', revision: '3', object: { id: 'a', name: 'x' } })}\n`);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('token expired [GLUON_ERR_AUTH_INVALID_TOKEN]');
    } finally {
      stub.server.closeAllConnections();
      stub.server.close();
    }
  });
});
