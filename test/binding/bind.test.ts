import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import type { ProtonServer } from '../../src/server/index.js';
import { createDummyShim, type Shim } from '../../src/shim-sdk/index.js';
import { API, bindBody, createPort, etcdClient, startServer, uniquePrefix } from './helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { call } from '../setup/http-call.js';

const OVS_DETAILS = '{"port_filter": false, "bridge_name": "br-gluon"}';

describe('port binding end to end (real etcd, dummy shim)', () => {
  const prefix = uniquePrefix();
  let server: ProtonServer;
  let base: string;
  let shimKv: KeyValueStore;
  let shim: Shim;

  beforeAll(async () => {
    const endpoint = inject('etcdEndpoint');
    ({ server, base } = await startServer({ etcd: endpoint, etcdPrefix: prefix, bindTimeoutMs: 5_000 }));
    shimKv = etcdClient(endpoint, prefix);
    const model = server.registry.defaultVersion('net-l3vpn');
    shim = createDummyShim(shimKv, model === undefined ? {} : { model });
    await shim.start();
  });
  afterAll(async () => {
    await shim.close();
    await shimKv.close();
    await server.close();
  });

  it('binds with a PUT: the answer carries the shim\'s vif_type and vif_details and status ACTIVE; unbind clears them', async () => {
    const id = await createPort(base);
    const body = bindBody();
    const bound = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body });
    expect(bound.status).toBe(200);
    expect(bound.json()).toMatchObject({ ...body, vif_type: 'ovs', vif_details: OVS_DETAILS, status: 'ACTIVE' });
    expect((await call(`${base}${API}/ports/${id}`)).json()).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE' });
    // the result key holds the shim's answer for this binding
    const result = JSON.parse((await shimKv.get(`/controller/net-l3vpn/Port/${id}`))?.value ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({ vif_type: 'ovs', controller: 'net-l3vpn-dummy', host_id: 'compute-1' });

    const unbound = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body: { host_id: '', device_id: '', device_owner: '', profile: '' } });
    expect(unbound.status).toBe(200);
    expect(unbound.json()).toMatchObject({ host_id: '', device_id: '', vif_type: null, vif_details: '{}', status: 'DOWN' });
    // shims are told through the mirror: the dummy shim unbinds and writes {}
    await waitFor('the shim to clear the bind result', async () => (await shimKv.get(`/controller/net-l3vpn/Port/${id}`))?.value === '{}');
  });

  it('a bind the port already holds answers at once, with the VIF kept', async () => {
    const id = await createPort(base);
    const body = bindBody();
    expect((await call(`${base}${API}/ports/${id}`, { method: 'PUT', body })).json()['vif_type']).toBe('ovs');
    const again = await call(`${base}${API}/ports/${id}?bind_timeout=0`, { method: 'PUT', body });
    expect(again.json()).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE' });
  });

  it('a failure the shim reports answers binding_failed with its reason (no service binding)', async () => {
    const id = await createPort(base, { binding: false });
    const res = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body: bindBody() });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ vif_type: 'binding_failed', status: 'DOWN' });
    const details = JSON.parse(String(res.json()['vif_details'])) as Record<string, unknown>;
    expect(details['reason']).toBe('no_service_binding');
    expect(String(details['message'])).toContain(id.slice(0, 8));
  });

  it('concurrent binds of one port to the same host share one result; another host meanwhile is a 409', async () => {
    const id = await createPort(base);
    await shim.stop();
    const body = bindBody('compute-7');
    const first = call(`${base}${API}/ports/${id}?bind_timeout=20000`, { method: 'PUT', body });
    await waitFor('the pending bind to compute-7', async () => (await call(`${base}${API}/ports/${id}`)).json()['host_id'] === 'compute-7');
    const second = call(`${base}${API}/ports/${id}?bind_timeout=20000`, { method: 'PUT', body });
    const other = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body: bindBody('compute-8') });
    expect(other.status).toBe(409);
    expect(other.json()['code']).toBe('GLUON_ERR_BIND_PENDING');
    await shim.start();
    const [a, b] = await Promise.all([first, second]);
    expect(a.json()).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE', host_id: 'compute-7' });
    expect(b.json()).toEqual(a.json());
  });

  it('stop the shim, make changes including a bind, start it: the bind completes', async () => {
    const keep = await createPort(base);
    const gone = await createPort(base, { binding: false });
    const id = await createPort(base);
    await shim.stop();
    const renamed = await call(`${base}${API}/ports/${keep}`, { method: 'PUT', body: { name: 'renamed' } });
    expect(renamed.status).toBe(200);
    expect((await call(`${base}${API}/ports/${gone}`, { method: 'DELETE' })).status).toBe(204);
    const extra = await createPort(base);
    const pending = call(`${base}${API}/ports/${id}?bind_timeout=30000`, { method: 'PUT', body: bindBody('compute-2') });
    await waitFor('the port to be bound to compute-2', async () => (await call(`${base}${API}/ports/${id}`)).json()['host_id'] === 'compute-2');
    await shim.start();
    const res = await pending;
    expect(res.json()).toMatchObject({ vif_type: 'ovs', status: 'ACTIVE', host_id: 'compute-2' });
    await shim.idle();
    expect(shim.objects.get(`/proton/net-l3vpn/Port/${keep}`)?.['name']).toBe('renamed');
    expect(shim.objects.get(`/proton/net-l3vpn/Port/${gone}`)).toBeUndefined();
    expect(shim.objects.get(`/proton/net-l3vpn/Port/${extra}`)).toBeDefined();
  });

  it('bind_timeout is checked (integer ms up to the maximum) and only ports take it', async () => {
    const id = await createPort(base);
    const bad = await call(`${base}${API}/ports/${id}?bind_timeout=soon`, { method: 'PUT', body: bindBody() });
    expect(bad.status).toBe(400);
    expect(bad.json()['faultstring']).toContain('bind_timeout');
    expect((await call(`${base}${API}/ports/${id}?bind_timeout=999999999`, { method: 'PUT', body: bindBody() })).status).toBe(400);
    const vpn = await call(`${base}${API}/vpns`);
    const vpnId = String((vpn.json()['vpns'] as Record<string, unknown>[])[0]?.['id']);
    const notPort = await call(`${base}${API}/vpns/${vpnId}?bind_timeout=10`, { method: 'PUT', body: { description: 'x' } });
    expect(notPort.status).toBe(400);
    expect(notPort.json()['faultstring']).toContain('Unknown argument');
  });
});

describe('port binding with no shim running (real etcd)', () => {
  const prefix = uniquePrefix();
  let server: ProtonServer;
  let base: string;

  beforeAll(async () => {
    ({ server, base } = await startServer({ etcd: inject('etcdEndpoint'), etcdPrefix: prefix, bindTimeoutMs: 1_500 }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers binding_failed with a reason at the deadline, and other requests sent meanwhile complete first', async () => {
    const id = await createPort(base);
    const other = await createPort(base);
    const done: string[] = [];
    const bind = call(`${base}${API}/ports/${id}`, { method: 'PUT', body: bindBody() }).then((res) => {
      done.push('bind');
      return res;
    });
    await waitFor('the port DOWN on compute-1', async () => (await call(`${base}${API}/ports/${id}`)).json()['status'] === 'DOWN' && (await call(`${base}${API}/ports/${id}`)).json()['host_id'] === 'compute-1');
    const others = [
      call(`${base}${API}/ports`).then((r) => done.push(`list:${r.status}`)),
      call(`${base}${API}/ports/${other}`, { method: 'PUT', body: { name: 'meanwhile' } }).then((r) => done.push(`update:${r.status}`)),
      call(`${base}${API}/vpns`, { method: 'POST', body: { tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', name: 'v' } }).then((r) => done.push(`create:${r.status}`)),
      call(`${base}${API}/ports/${id}`).then((r) => done.push(`get:${r.status}`)),
    ];
    await Promise.all(others);
    const res = await bind;
    expect(done.indexOf('bind')).toBe(done.length - 1);
    expect(done.slice(0, -1).sort()).toEqual(['create:201', 'get:200', 'list:200', 'update:200']);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ vif_type: 'binding_failed', status: 'DOWN', host_id: 'compute-1' });
    expect(JSON.parse(String(res.json()['vif_details']))).toMatchObject({ reason: 'timeout' });
    expect(String(res.json()['vif_details']).length).toBeLessThanOrEqual(128);
  });

  it('a late result for the current bind is applied; a stale one (other host) is ignored', async () => {
    const id = await createPort(base);
    const res = await call(`${base}${API}/ports/${id}?bind_timeout=50`, { method: 'PUT', body: bindBody('compute-3') });
    expect(res.json()['vif_type']).toBe('binding_failed');
    const kv = etcdClient(inject('etcdEndpoint'), prefix);
    try {
      const key = `/controller/net-l3vpn/Port/${id}`;
      await kv.put(key, JSON.stringify({ vif_type: 'vhostuser', vif_details: { sock: '/x' }, controller: 'other', host_id: 'compute-9' }));
      await kv.put(key, JSON.stringify({ vif_type: 'ovs', vif_details: { port_filter: true }, controller: 'late', port_revision: res.json()['revision_number'], host_id: 'compute-3' }));
      await waitFor('the port bound with an ovs VIF', async () => (await call(`${base}${API}/ports/${id}`)).json()['vif_type'] === 'ovs');
      expect((await call(`${base}${API}/ports/${id}`)).json()).toMatchObject({ vif_type: 'ovs', vif_details: '{"port_filter": true}', status: 'ACTIVE' });
    } finally {
      await kv.close();
    }
  });

  it('bind_timeout=0 answers at once with the pending port', async () => {
    const id = await createPort(base);
    const res = await call(`${base}${API}/ports/${id}?bind_timeout=0`, { method: 'PUT', body: bindBody() });
    expect(res.json()).toMatchObject({ vif_type: null, vif_details: null, status: 'DOWN', host_id: 'compute-1' });
  });
});

describe('the embedded default (in-process store and in-process dummy shim)', () => {
  it('completes a bind with no other process', async () => {
    const { server, base } = await startServer({});
    try {
      expect(server.kv.kind).toBe('memory');
      const id = await createPort(base);
      const res = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body: bindBody() });
      expect(res.json()).toMatchObject({ vif_type: 'ovs', vif_details: OVS_DETAILS, status: 'ACTIVE' });
    } finally {
      await server.close();
    }
  });
});
