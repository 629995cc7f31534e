import { describe, expect, it } from 'vitest';
import { parseIp, parseIpPrefix, contains } from '../../src/core/model/index.js';
import { BACKENDS } from '../http/helpers.js';
import { API, bind, createPort, createVpn, serverForTests } from './helpers.js';
import { call } from '../setup/http-call.js';

describe.each(BACKENDS)('VpnBinding addressing (%s)', (backend) => {
  const server = serverForTests(backend);

  it('should answer 409 naming ipaddress and the holder for a duplicate address in one VPN, and accept it in another VPN', async () => {
    const { app } = server();
    const blue = await createVpn(app);
    const red = await createVpn(app);
    const [first, second, third] = [await createPort(app), await createPort(app), await createPort(app)];
    expect((await bind(app, first, blue['id'], { ipaddress: '10.0.0.2', subnet_prefix: 24 })).status).toBe(201);
    const duplicate = await bind(app, second, blue['id'], { ipaddress: '10.0.0.2', subnet_prefix: 24 });
    expect(duplicate.status).toBe(409);
    const fault = duplicate.json();
    expect(fault['code']).toBe('GLUON_ERR_VALUE_TAKEN');
    expect(fault['faultstring']).toContain(first);
    expect((fault['details'] as { field: string }[]).map((d) => d.field)).toEqual(['service_id', 'ipaddress']);
    expect((await bind(app, third, red['id'], { ipaddress: '10.0.0.2', subnet_prefix: 24 })).status).toBe(201);
  });

  it.each([
    ['a gateway outside the subnet', { ipaddress: '10.0.0.2', subnet_prefix: 24, gateway: '192.168.9.1' }, 'gateway', 'gateway-in-subnet'],
    ['an address equal to the gateway', { ipaddress: '10.0.0.1', subnet_prefix: 24, gateway: '10.0.0.1' }, 'gateway', 'gateway-not-address'],
    ['the network address', { ipaddress: '10.0.0.0', subnet_prefix: 24 }, 'ipaddress', 'not-network-address'],
    ['the broadcast address', { ipaddress: '10.0.0.255', subnet_prefix: 24 }, 'ipaddress', 'not-broadcast-address'],
    ['an IPv4 prefix longer than 32', { ipaddress: '10.0.0.2', subnet_prefix: 64 }, 'subnet_prefix', 'prefix-length'],
    ['an IPv6 gateway for an IPv4 address', { ipaddress: '10.0.0.2', subnet_prefix: 24, gateway: '2001:db8::1' }, 'gateway', 'gateway-in-subnet'],
  ])('should answer 400 for %s, naming the field, the rule and the value', async (_, body, field, rule) => {
    const { app } = server();
    const vpn = await createVpn(app);
    const res = await bind(app, await createPort(app), vpn['id'], body);
    expect(res.status).toBe(400);
    const detail = (res.json()['details'] as { field: string; rule: string; value: unknown }[])[0];
    expect(detail).toMatchObject({ field, rule, value: (body as Record<string, unknown>)[field] });
  });

  it('should check the subnet rules on update against the stored object', async () => {
    const { app } = server();
    const vpn = await createVpn(app);
    const port = await createPort(app);
    expect((await bind(app, port, vpn['id'], { ipaddress: '10.1.0.5', subnet_prefix: 24, gateway: '10.1.0.1' })).status).toBe(201);
    const res = await call(`${API}/vpnbindings/${port}`, { app, method: 'PUT', body: { gateway: '10.2.0.1' } });
    expect(res.status).toBe(400);
    expect((res.json()['details'] as { rule: string }[])[0]?.rule).toBe('gateway-in-subnet');
  });

  it('should allocate a free address of the VPN pool when ipaddress is left out, never the excluded ones', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { address_pool: '172.16.5.0/28', address_pool_exclude: '172.16.5.1,172.16.5.8/30' });
    const seen = new Set<string>();
    // a /28 has 14 hosts (.1-.14); .1 and .8-.11 are excluded: 9 are free
    for (let i = 0; i < 9; i++) {
      const res = await bind(app, await createPort(app), vpn['id'], { subnet_prefix: 28, gateway: '172.16.5.1' });
      expect(res.status).toBe(201);
      const address = String(res.json()['ipaddress']);
      const parsed = parseIp(address);
      const pool = parseIpPrefix('172.16.5.0/28');
      expect(parsed !== undefined && pool !== undefined && contains(pool.address, pool.prefix, parsed)).toBe(true);
      expect(['172.16.5.0', '172.16.5.1', '172.16.5.8', '172.16.5.9', '172.16.5.10', '172.16.5.11', '172.16.5.15']).not.toContain(address);
      seen.add(address);
    }
    expect(seen.size).toBe(9);
    // the etcd mirror gets the binding with the address it was given
    const outbox = await server().store.readOutbox(0, 100_000);
    const mirrored = outbox.filter((e) => e.key.includes('/VpnBinding/') && e.value !== null).map((e) => String(JSON.parse(e.value ?? '{}').ipaddress));
    for (const address of seen) expect(mirrored).toContain(address);
    expect((await bind(app, await createPort(app), vpn['id'])).json()['code']).toBe('GLUON_ERR_POOL_EXHAUSTED');
  });

  it('should answer 409 GLUON_ERR_POOL_EXHAUSTED when the pool is full, and hand out a deleted binding\'s address again', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { address_pool: '192.0.2.0/30' });
    const [a, b, c] = [await createPort(app), await createPort(app), await createPort(app)];
    const first = await bind(app, a, vpn['id']);
    const second = await bind(app, b, vpn['id']);
    expect([first.status, second.status]).toEqual([201, 201]);
    const full = await bind(app, c, vpn['id']);
    expect(full.status).toBe(409);
    expect(full.json()['code']).toBe('GLUON_ERR_POOL_EXHAUSTED');
    expect(full.json()['faultstring']).toContain('192.0.2.0/30');
    expect((await call(`${API}/vpnbindings/${a}`, { app, method: 'DELETE' })).status).toBe(204);
    const again = await bind(app, c, vpn['id']);
    expect(again.status).toBe(201);
    expect(again.json()['ipaddress']).toBe(first.json()['ipaddress']);
  });

  it('should leave ipaddress empty when the VPN has no pool, as before pools existed', async () => {
    const { app } = server();
    const vpn = await createVpn(app);
    const res = await bind(app, await createPort(app), vpn['id']);
    expect(res.status).toBe(201);
    expect(res.json()['ipaddress']).toBeNull();
  });

  it('should allocate IPv6 addresses from an IPv6 pool and compare explicit IPv6 addresses by value', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { ipv6_family: '100:6', address_pool: '2001:db8:5::/120' });
    const res = await bind(app, await createPort(app), vpn['id'], { subnet_prefix: 120 });
    expect(res.status).toBe(201);
    const address = String(res.json()['ipaddress']);
    expect(address).toMatch(/^2001:db8:5::[0-9a-f]{1,2}$/);
    const spelled = address.replace('2001:db8:5::', '2001:0DB8:0005:0:0:0:0:');
    const duplicate = await bind(app, await createPort(app), vpn['id'], { ipaddress: spelled, subnet_prefix: 120 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json()['code']).toBe('GLUON_ERR_VALUE_TAKEN');
  });

  it('should give every VPN its own VNI unless one is sent, and refuse a VNI that another VPN holds', async () => {
    const { app } = server();
    const vnis = new Set<number>();
    for (let i = 0; i < 5; i++) vnis.add(Number((await createVpn(app))['vni']));
    expect(vnis.size).toBe(5);
    for (const v of vnis) expect(v >= 1 && v <= 16777215).toBe(true);
    const [held] = [...vnis];
    const res = await call(`${API}/vpns`, { app, method: 'POST', body: { tenant_id: '5f0c1c6e-8d8e-4a53-9d2b-3c1f6a7e9b10', name: 'x', vni: held } });
    expect(res.status).toBe(409);
    expect(res.json()['code']).toBe('GLUON_ERR_VALUE_TAKEN');
  });
});
