import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../http/helpers.js';
import { API, TENANT, bind, createPort, createVpn, serverForTests } from './helpers.js';
import { call } from '../setup/http-call.js';

type Detail = { field: string; rule: string; value: unknown; message: string };

function firstDetail(res: { json(): Record<string, unknown> }): Detail | undefined {
  return (res.json()['details'] as Detail[] | undefined)?.[0];
}

describe.each(BACKENDS)('VpnBinding address families and pools (%s)', (backend) => {
  const server = serverForTests(backend);

  it.each([
    ['an IPv6 address into a VPN with only an IPv4 family', { ipv4_family: '100:1' }, { ipaddress: '2001:db8::5', subnet_prefix: 64 }, 'ipaddress'],
    ['an IPv6 address into a VPN with no family', { ipv4_family: null }, { ipaddress: '2001:db8::5', subnet_prefix: 64 }, 'ipaddress'],
    ['an IPv4 address into a VPN with only an IPv6 family', { ipv4_family: null, ipv6_family: '100:6' }, { ipaddress: '10.0.0.5', subnet_prefix: 24 }, 'ipaddress'],
    ['an IPv6 gateway into a VPN with only an IPv4 family', { ipv4_family: '100:1' }, { ipaddress: '10.0.0.5', gateway: '2001:db8::1' }, 'gateway'],
  ])('should answer 400 address-family for %s, naming the field and the value', async (_, vpnExtra, body, field) => {
    const { app } = server();
    const vpn = await createVpn(app, vpnExtra);
    const res = await bind(app, await createPort(app), vpn['id'], body);
    expect(res.status).toBe(400);
    expect(res.json()['code']).toBe('GLUON_ERR_VALIDATION');
    const detail = firstDetail(res);
    expect(detail).toMatchObject({ field, rule: 'address-family', value: (body as Record<string, unknown>)[field] });
    expect(detail?.message).toContain(String(vpn['id']));
  });

  it.each([
    ['IPv4 into a VPN with no family (as before families were checked)', { ipv4_family: null }, '10.0.0.5'],
    ['IPv4 into a VPN with both families', { ipv4_family: '100:1', ipv6_family: '100:6' }, '10.0.0.5'],
    ['IPv6 into a VPN with both families', { ipv4_family: '100:1', ipv6_family: '100:6' }, '2001:db8::5'],
    ['IPv6 into an IPv6-only VPN', { ipv4_family: null, ipv6_family: '100:6' }, '2001:db8::5'],
  ])('should accept %s', async (_, vpnExtra, ipaddress) => {
    const { app } = server();
    const vpn = await createVpn(app, vpnExtra);
    expect((await bind(app, await createPort(app), vpn['id'], { ipaddress })).status).toBe(201);
  });

  it('should check the family inside an allocating create too', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { address_pool: '172.24.0.0/24' });
    const res = await bind(app, await createPort(app), vpn['id'], { gateway: '2001:db8::1' });
    expect(res.status).toBe(400);
    expect(firstDetail(res)).toMatchObject({ field: 'gateway', rule: 'address-family', value: '2001:db8::1' });
    // the same create with a gateway of the VPN's family is accepted
    expect((await bind(app, await createPort(app), vpn['id'], { gateway: '172.24.0.1' })).status).toBe(201);
  });

  it('should refuse an IPv6 pool on a VPN without an IPv6 family, on create and on update', async () => {
    const { app } = server();
    const res = await call(`${API}/vpns`, { app, method: 'POST', body: { tenant_id: TENANT, name: 'v', ipv4_family: '100:1', address_pool: '2001:db8:9::/64' } });
    expect(res.status).toBe(400);
    expect(firstDetail(res)).toMatchObject({ field: 'address_pool', rule: 'address-family', value: '2001:db8:9::/64' });
    const vpn = await createVpn(app, { ipv6_family: '100:6', address_pool: '2001:db8:9::/64' });
    const dropped = await call(`${API}/vpns/${String(vpn['id'])}`, { app, method: 'PUT', body: { ipv6_family: null } });
    expect(dropped.status).toBe(400);
    expect(firstDetail(dropped)).toMatchObject({ field: 'address_pool', rule: 'address-family' });
  });

  it('should check the family on an update of the address against the VPN', async () => {
    const { app } = server();
    const vpn = await createVpn(app);
    const port = await createPort(app);
    expect((await bind(app, port, vpn['id'], { ipaddress: '10.0.0.5' })).status).toBe(201);
    const res = await call(`${API}/vpnbindings/${port}`, { app, method: 'PUT', body: { ipaddress: '2001:db8::5' } });
    expect(res.status).toBe(400);
    expect(firstDetail(res)).toMatchObject({ field: 'ipaddress', rule: 'address-family', value: '2001:db8::5' });
  });

  it.each([
    ['outside the pool', '10.9.0.5'],
    ["the pool's network address", '172.20.0.0'],
    ["the pool's broadcast address", '172.20.0.255'],
    ['of the other family', '2001:db8::5'],
  ])('should answer 400 in-pool for an explicit address %s', async (_, ipaddress) => {
    const { app } = server();
    const vpn = await createVpn(app, { ipv6_family: '100:6', address_pool: '172.20.0.0/24' });
    const res = await bind(app, await createPort(app), vpn['id'], { ipaddress });
    expect(res.status).toBe(400);
    const detail = firstDetail(res);
    expect(detail).toMatchObject({ field: 'ipaddress', rule: 'in-pool', value: ipaddress });
    expect(detail?.message).toContain('172.20.0.0/24');
  });

  it('should accept an explicit address inside the pool, excluded ones too (pinned by the operator), and refuse one outside it on update', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { address_pool: '172.21.0.0/24', address_pool_exclude: '172.21.0.1,172.21.0.200/29' });
    const port = await createPort(app);
    expect((await bind(app, port, vpn['id'], { ipaddress: '172.21.0.17', subnet_prefix: 24 })).status).toBe(201);
    expect((await bind(app, await createPort(app), vpn['id'], { ipaddress: '172.21.0.201', subnet_prefix: 24 })).status).toBe(201);
    const moved = await call(`${API}/vpnbindings/${port}`, { app, method: 'PUT', body: { ipaddress: '172.22.0.17' } });
    expect(moved.status).toBe(400);
    expect(firstDetail(moved)).toMatchObject({ field: 'ipaddress', rule: 'in-pool', value: '172.22.0.17' });
  });

  it('should never allocate an address a binding holds explicitly', async () => {
    const { app } = server();
    // a /29 has six hosts (.1-.6): five are taken explicitly, one is left for the allocator
    const vpn = await createVpn(app, { address_pool: '172.23.0.0/29' });
    for (const host of [1, 2, 3, 5, 6]) {
      expect((await bind(app, await createPort(app), vpn['id'], { ipaddress: `172.23.0.${host}` })).status).toBe(201);
    }
    const allocated = await bind(app, await createPort(app), vpn['id']);
    expect(allocated.status).toBe(201);
    expect(allocated.json()['ipaddress']).toBe('172.23.0.4');
    const full = await bind(app, await createPort(app), vpn['id']);
    expect(full.status).toBe(409);
    expect(full.json()['code']).toBe('GLUON_ERR_POOL_EXHAUSTED');
  });

  it('should store an address changed by an update in its canonical text, so the allocator and the unique index see it', async () => {
    const { app } = server();
    const vpn = await createVpn(app, { ipv6_family: '100:6', address_pool: '2001:db8:7::/126' });
    // a /126 has three hosts (::1-::3)
    const [a, b] = [await createPort(app), await createPort(app)];
    expect((await bind(app, a, vpn['id'], { ipaddress: '2001:db8:7::1' })).status).toBe(201);
    expect((await bind(app, b, vpn['id'], { ipaddress: '2001:db8:7::2' })).status).toBe(201);
    const moved = await call(`${API}/vpnbindings/${b}`, { app, method: 'PUT', body: { ipaddress: '2001:0DB8:0007:0:0:0:0:0003' } });
    expect(moved.status).toBe(200);
    expect(moved.json()['ipaddress']).toBe('2001:db8:7::3');
    const allocated = await bind(app, await createPort(app), vpn['id']);
    expect(allocated.status).toBe(201);
    expect(allocated.json()['ipaddress']).toBe('2001:db8:7::2');
    expect((await bind(app, await createPort(app), vpn['id'])).json()['code']).toBe('GLUON_ERR_POOL_EXHAUSTED');
  });
});
