import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTS, portBody, spawnNode, tempDir, type Spawned } from '../server/helpers.js';
import { call } from '../setup/http-call.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API = '/proton/net-l3vpn/v1.0';
const TENANT = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
let proc: Spawned;
let url: string;
let removeTmp: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir('gluon-example-');
  removeTmp = tmp.remove;
  proc = spawnNode(['--import', 'tsx', join(ROOT, 'examples/custom-server/server.ts')], {
    cwd: ROOT,
    env: { PORT: '0', DB: `sqlite:${join(tmp.dir, 'example.db')}` },
  });
  const line = await proc.waitFor(/custom server listening on /);
  url = line.slice(line.indexOf('http'));
}, 60_000);

afterAll(async () => {
  if (proc !== undefined && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  await removeTmp?.();
});

describe('examples/custom-server', () => {
  it('serves its own route next to the Proton API', async () => {
    expect(await call(`${url}/hello`)).toMatchObject({ status: 200, body: { hello: 'from my own route', protons: expect.arrayContaining(['net-l3vpn']) } });
    const discovery = await call(`${url}/proton/`);
    expect(discovery.status).toBe(200);
    expect(JSON.stringify(discovery.body)).toContain('net-l3vpn');
  });

  it('stores ports through the mounted plugin', async () => {
    const id = '3f0e2d9a-7a3b-4c11-9d2e-777777777777';
    expect((await call(`${url}${PORTS}`, { method: 'POST', body: portBody(id) })).status).toBe(201);
    expect(await call(`${url}${PORTS}/${id}`)).toMatchObject({ status: 200, body: { id } });
  });

  it('binds a port: the answer carries the vif_type the shim reported', async () => {
    const id = randomUUID();
    expect((await call(`${url}${API}/ports`, { method: 'POST', body: portBody(id, { mac_address: 'fa:16:3e:00:00:09' }) })).status).toBe(201);
    const vpn = await call(`${url}${API}/vpns`, { method: 'POST', body: { tenant_id: TENANT, name: 'vpn', ipv4_family: '100:1', route_distinguishers: '100:1' } });
    expect(vpn.status).toBe(201);
    const binding = await call(`${url}${API}/vpnbindings`, {
      method: 'POST',
      body: { tenant_id: TENANT, interface_id: id, service_id: (vpn.body as { id: string }).id, ipaddress: '10.0.0.5', subnet_prefix: 24, gateway: '10.0.0.1' },
    });
    expect(binding.status).toBe(201);
    const bound = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: { host_id: 'compute-1', device_id: randomUUID() } });
    expect(bound).toMatchObject({ status: 200, body: { host_id: 'compute-1', vif_type: 'ovs' } });
  });

  it('serves /healthz, /readyz and /metrics like gluon serve', async () => {
    expect(await call(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await call(`${url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
  });

  it('stops cleanly on SIGTERM', async () => {
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
