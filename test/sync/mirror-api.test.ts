import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import type { SqlStore } from '../../src/core/store/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { API, TENANT, diff, etcdClient, etcdContent, portBody, sqlContent, tempDir, uniquePrefix } from './helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { call } from '../setup/http-call.js';

/**
 * Every object of net-l3vpn through the HTTP API, mixed creates, updates and deletes:
 * etcd then holds exactly SQL's content, as typed JSON.
 */
describe('etcd mirror of the HTTP API (real etcd)', () => {
  const prefix = uniquePrefix();
  let server: ProtonServer;
  let base: string;
  let etcd: KeyValueStore;

  beforeAll(async () => {
    const endpoint = inject('etcdEndpoint');
    server = await createProtonServer({ db: `sqlite:${join(tempDir(), 'gluon.db')}`, port: 0, etcd: endpoint, etcdPrefix: prefix, logger: { level: 'silent' } });
    base = await server.listen();
    etcd = etcdClient(endpoint, prefix);
  });
  afterAll(async () => {
    await server.close();
    await etcd.close();
  });

  it('holds exactly SQL\'s content after creates, updates and deletes of every object', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call(`${base}${API}/ports`, { method: 'POST', body: portBody(i) });
      expect(res.status).toBe(201);
      ids.push(String(res.json()['id']));
    }
    const vpns: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(`${base}${API}/vpns`, { method: 'POST', body: { tenant_id: TENANT, name: `vpn${i}`, ipv4_family: '100:1', route_distinguishers: `100:${i}` } });
      expect(res.status).toBe(201);
      vpns.push(String(res.json()['id']));
    }
    // extra interfaces on a port (child route), bindings, af configs, peerings, tunnels
    const iface = await call(`${base}${API}/ports/${ids[0]}/interfaces`, { method: 'POST', body: { tenant_id: TENANT, name: 'vlan10', segmentation_type: 'vlan', segmentation_id: 10 } });
    expect(iface.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const b = await call(`${base}${API}/vpnbindings`, { method: 'POST', body: { tenant_id: TENANT, interface_id: ids[i], service_id: vpns[i % 3], ipaddress: `10.0.0.${i + 1}`, subnet_prefix: 24, gateway: '10.0.0.254' } });
      expect(b.status).toBe(201);
    }
    for (const rt of ['100:1', '100:2', '100:3']) {
      expect((await call(`${base}${API}/vpnafconfigs`, { method: 'POST', body: { tenant_id: TENANT, vrf_rt_value: rt, vrf_rt_type: 'both' } })).status).toBe(201);
    }
    const peerings: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await call(`${base}${API}/bgppeerings`, { method: 'POST', body: { tenant_id: TENANT, name: `bgp${i}`, local_ip_address: '192.0.2.1', peer_ip_address: `192.0.2.${10 + i}`, as_number: 65000 + i } });
      expect(r.status).toBe(201);
      peerings.push(String(r.json()['id']));
    }
    const tunnels: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await call(`${base}${API}/dataplanetunnels`, { method: 'POST', body: { tenant_id: TENANT, name: `t${i}`, local_tunnel_endpoint: '198.51.100.1', remote_tunnel_endpoint: `198.51.100.${10 + i}` } });
      expect(r.status).toBe(201);
      tunnels.push(String(r.json()['id']));
    }
    // updates
    expect((await call(`${base}${API}/ports/${ids[1]}`, { method: 'PUT', body: { mtu: 9000, admin_state_up: false, host_id: 'compute-1' } })).status).toBe(200);
    expect((await call(`${base}${API}/ports/${ids[1]}`, { method: 'PUT', body: { mtu: 1400 } })).status).toBe(200);
    expect((await call(`${base}${API}/ports/${ids[2]}`, { method: 'PUT', body: { tenant_id: 'b868a466bca84df18404a77db0ecac72' } })).status).toBe(200);
    expect((await call(`${base}${API}/interfaces/${String(iface.json()['id'])}`, { method: 'PUT', body: { segmentation_id: 11 } })).status).toBe(200);
    expect((await call(`${base}${API}/vpns/${vpns[0]}`, { method: 'PUT', body: { name: 'renamed' } })).status).toBe(200);
    expect((await call(`${base}${API}/vpnbindings/${ids[0]}`, { method: 'PUT', body: { ipaddress: '10.0.0.9' } })).status).toBe(200);
    expect((await call(`${base}${API}/vpnafconfigs/100:2`, { method: 'PUT', body: { import_route_policy: 'p1' } })).status).toBe(200);
    expect((await call(`${base}${API}/bgppeerings/${peerings[0]}`, { method: 'PUT', body: { as_number: 65100 } })).status).toBe(200);
    expect((await call(`${base}${API}/dataplanetunnels/${tunnels[0]}`, { method: 'PUT', body: { name: 'renamed' } })).status).toBe(200);
    // deletes (binding before its port; a port takes its default interface along)
    expect((await call(`${base}${API}/vpnbindings/${ids[2]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/ports/${ids[2]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/ports/${ids[5]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/vpns/${vpns[2]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/vpnafconfigs/100:3`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/bgppeerings/${peerings[1]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${API}/dataplanetunnels/${tunnels[1]}`, { method: 'DELETE' })).status).toBe(204);
    // create then delete at once: must not reappear
    const gone = await call(`${base}${API}/ports`, { method: 'POST', body: portBody(99) });
    expect((await call(`${base}${API}/ports/${String(gone.json()['id'])}`, { method: 'DELETE' })).status).toBe(204);

    await server.mirror?.flush?.(30_000);
    const apis = server.registry.list().filter((a) => a.name === 'net-l3vpn');
    const expected = await sqlContent(server.store as SqlStore, apis);
    const actual = await etcdContent(etcd, ['net-l3vpn']);
    expect(diff(expected, actual)).toEqual([]);

    // every object kind is there, typed
    const kinds = new Set([...actual.keys()].map((k) => k.split('/').slice(0, 4).join('/')));
    for (const o of ['Port', 'Interface', 'VpnService', 'VpnBinding', 'VpnAfConfig', 'BGPPeering', 'DataplaneTunnel']) {
      expect(kinds).toContain(`/proton/net-l3vpn/${o}`);
    }
    const port = JSON.parse(actual.get(`/proton/net-l3vpn/Port/${ids[1]}`) ?? '{}') as Record<string, unknown>;
    expect(port).toMatchObject({ id: ids[1], mtu: 1400, admin_state_up: false, vlan_transparency: false, host_id: 'compute-1', revision_number: 3 });
    expect(port['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(port['updated_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const binding = JSON.parse(actual.get(`/proton/net-l3vpn/VpnBinding/${ids[0]}`) ?? '{}') as Record<string, unknown>;
    expect(binding['subnet_prefix']).toBe(24);
    expect(JSON.parse(actual.get(`/gluon/port/${ids[0]}`) ?? '{}')).toEqual({ tenant_id: TENANT, service: 'net-l3vpn', url: server.advertisedUrl });
    expect(JSON.parse(actual.get(`/gluon/port/${ids[2]}`) ?? 'null')).toBeNull();
    expect(actual.has(`/proton/net-l3vpn/Port/${String(gone.json()['id'])}`)).toBe(false);
    expect(actual.has(`/proton/net-l3vpn/Interface/${ids[5]}`)).toBe(false);
  });

  it('reports the publisher lag in /readyz and on /metrics', async () => {
    // precondition, observed rather than assumed: this server leads and has published everything
    await waitFor('the mirror to lead with nothing pending', async () => {
      const body = (await call(`${base}/readyz`)).json();
      const m = (body['checks'] as Record<string, Record<string, unknown>> | undefined)?.['mirror'];
      return m?.['leader'] === true && m['pending'] === 0;
    });
    const ready = await call(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const mirror = (ready.json()['checks'] as Record<string, Record<string, unknown>>)['mirror'];
    expect(mirror).toMatchObject({ ok: true, leader: true, pending: 0, oldestAgeMs: 0 });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^gluon_outbox_pending 0$/m);
    expect(text).toMatch(/^gluon_mirror_leader 1$/m);
    expect(text).toMatch(/^gluon_mirror_published_total \d+$/m);
    expect(text).toMatch(/^gluon_mirror_publish_errors_total 0$/m);
    expect(text).toMatch(/gluon_http_requests_total\{route="\/proton\/net-l3vpn\/v1.0\/ports",method="POST",status="201"\} \d+/);
    expect(text).toMatch(/gluon_http_request_duration_seconds_bucket\{le="[^"]+",route=/);
  });
});
