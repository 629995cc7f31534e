import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PortArbiter, clientMessage, listOrder, matchesFilters, neutronTimestamp, pageLinks, parsePageRequest, parsePortQuery, selectFields, slicePage } from '../../src/core/arbiter/index.js';
import { GluonError } from '../../src/core/errors/index.js';
import { createEtcdStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { startEtcd, type EtcdInstance } from '../setup/etcd.js';
import { RecordingDriver, isolatedStore, neutronPort, register, waitFor } from './helpers.js';

describe('PortArbiter semantics (real etcd registry, recording driver)', () => {
  let kv: KeyValueStore;
  let driver: RecordingDriver;
  let arbiter: PortArbiter;

  beforeEach(async () => {
    kv = isolatedStore();
    driver = new RecordingDriver('net-l3vpn');
    driver.add(neutronPort('p1', { device_id: 'vm-1', device_owner: 'compute:nova', name: 'web', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ ip_address: '10.0.0.1', subnet_id: 'sub-g' }] }));
    driver.add(neutronPort('p2', { device_id: 'vm-2', name: 'db', admin_state_up: false, status: 'DOWN' }));
    driver.add(neutronPort('p3', { tenant_id: 'tenant-b', project_id: 'tenant-b', device_id: 'vm-1', name: 'other' }));
    await register(kv, 'p1');
    await register(kv, 'p2');
    await register(kv, 'p3', 'net-l3vpn', 'tenant-b');
    arbiter = new PortArbiter({ kv, drivers: new Map([['net-l3vpn', driver]]) });
    await arbiter.start();
  });

  afterEach(async () => {
    await arbiter.close();
    await kv.deletePrefix('/gluon/');
    await kv.close();
  });

  it('knows Gluon ports from the registry without reading etcd per request', async () => {
    expect(arbiter.isGluonPort('p1')).toBe(true);
    expect(arbiter.isGluonPort('neutron-port')).toBe(false);
    const before = arbiter.registry.revision;
    await arbiter.getPort('p1');
    await arbiter.getPorts({});
    expect(arbiter.registry.revision).toBe(before);
  });

  it('getPort applies fields and answers 404 for unknown or foreign ports', async () => {
    expect(await arbiter.getPort('p1', { fields: ['id', 'binding:host_id', 'nope'] })).toEqual({ id: 'p1', 'binding:host_id': '' });
    await expect(arbiter.getPort('zzz')).rejects.toMatchObject({ code: 'GLUON_ERR_NOT_FOUND', status: 404, message: 'Port zzz could not be found.' });
    await expect(arbiter.getPort('p3', { ctx: { projectId: 'tenant-a' } })).rejects.toMatchObject({ status: 404 });
    expect((await arbiter.getPort('p3', { ctx: { projectId: 'tenant-b' } }))['name']).toBe('other');
  });

  it('getPorts projects fields and batches one driver call for every registered port', async () => {
    driver.calls.length = 0;
    const byDevice = await arbiter.getPorts({ device_id: ['vm-1'] }, { fields: ['id'] });
    expect(byDevice.map((p) => p['id']).sort()).toEqual(['p1', 'p3']);
    expect(byDevice.every((p) => Object.keys(p).join() === 'id')).toBe(true);
    expect(driver.calls).toHaveLength(1);
    expect(driver.calls[0]?.method).toBe('getPorts');
    expect([...(driver.calls[0]?.ids ?? [])].sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it.each([
    { filters: { name: ['web', 'db'] }, ids: ['p1', 'p2'], rule: 'OR within a key' },
    { filters: { name: ['web'], device_id: ['vm-2'] }, ids: [], rule: 'AND across keys' },
    { filters: { admin_state_up: ['False'] }, ids: ['p2'], rule: 'a boolean written as Neutron clients send it' },
    { filters: { project_id: ['tenant-b'] }, ids: ['p3'], rule: 'project_id' },
    { filters: { tenant_id: ['tenant-b'] }, ids: ['p3'], rule: 'tenant_id, the same project' },
    { filters: { fixed_ips: ['ip_address=10.0.0.1'] }, ids: ['p1'], rule: 'a fixed IP' },
    { filters: { mac_address: ['fa:16:3e:00:00:01'], status: ['ACTIVE'] }, ids: ['p1', 'p3'], rule: 'mac_address and status' },
    { filters: { network_id: ['other-net'] }, ids: [], rule: 'a network no Gluon port is on' },
    { filters: { bogus_attribute: ['x'] }, ids: [], rule: 'an attribute no port has' },
  ])('getPorts filters by $rule', async ({ filters, ids }) => {
    expect((await arbiter.getPorts(filters)).map((p) => p['id']).sort()).toEqual(ids);
  });

  it('getPorts with an id filter asks the driver for those ids only', async () => {
    driver.calls.length = 0;
    expect((await arbiter.getPorts({ id: ['p2', 'not-gluon'] })).map((p) => p['id'])).toEqual(['p2']);
    expect(driver.calls[0]?.ids).toEqual(['p2']);
  });

  it('getPorts sorts by the given key and direction', async () => {
    expect((await arbiter.getPorts({}, { sortKeys: ['name'], sortDirs: ['desc'] })).map((p) => p['name'])).toEqual(['web', 'other', 'db']);
  });

  it('scopes a non-admin caller to its project and hides the admin-only binding keys', async () => {
    const mine = await arbiter.getPorts({}, { ctx: { projectId: 'tenant-a' } });
    expect(mine.map((p) => p['id']).sort()).toEqual(['p1', 'p2']);
    expect(mine[0]).not.toHaveProperty('binding:host_id');
    expect(mine[0]).not.toHaveProperty('binding:vif_type');
    expect(mine[0]).toHaveProperty('binding:vnic_type');
    const admin = await arbiter.getPorts({}, { ctx: { projectId: 'tenant-a', isAdmin: true } });
    expect(admin).toHaveLength(3);
    expect(admin[0]).toHaveProperty('binding:host_id');
    await expect(arbiter.updatePort('p3', { name: 'x' }, { projectId: 'tenant-a' })).rejects.toMatchObject({ status: 404 });
  });

  it('a body without binding:host_id is a plain update, never an unbind', async () => {
    await arbiter.updatePort('p1', { 'binding:host_id': 'compute-1', device_id: 'vm-1', device_owner: 'compute:nova' });
    driver.calls.length = 0;
    const port = await arbiter.updatePort('p1', { name: 'renamed', admin_state_up: false });
    expect(driver.calls.map((c) => c.method)).toEqual(['updatePort']);
    expect(driver.calls[0]?.changes).toEqual({ name: 'renamed', admin_state_up: false });
    expect(port).toMatchObject({ name: 'renamed', admin_state_up: false, 'binding:host_id': 'compute-1', 'binding:vif_type': 'ovs' });
  });

  it('binding:host_id non-empty binds; null or "" unbinds', async () => {
    driver.calls.length = 0;
    const bound = await arbiter.updatePort('p2', { 'binding:host_id': 'compute-7', device_id: 'vm-9', device_owner: 'compute:az1', 'binding:profile': { a: 1 } }, { token: 'tok', requestId: 'req-1' });
    expect(driver.calls.map((c) => c.method)).toEqual(['bind']);
    expect(driver.calls[0]?.request).toEqual({ hostId: 'compute-7', deviceId: 'vm-9', deviceOwner: 'compute:az1', profile: { a: 1 } });
    expect(driver.calls[0]?.ctx).toEqual({ token: 'tok', requestId: 'req-1' });
    expect(bound).toMatchObject({ 'binding:host_id': 'compute-7', 'binding:vif_type': 'ovs', device_id: 'vm-9' });

    for (const host of [null, '']) {
      driver.calls.length = 0;
      const unbound = await arbiter.updatePort('p2', { 'binding:host_id': host, device_id: '', device_owner: '', 'binding:profile': {}, dns_name: '' });
      expect(driver.calls.map((c) => c.method)).toEqual(['unbind']);
      expect(unbound).toMatchObject({ 'binding:host_id': '', 'binding:vif_type': 'unbound', device_id: '' });
    }
  });

  it('a bind without device_id/device_owner keeps the current ones; extra keys are applied as a plain update first', async () => {
    driver.calls.length = 0;
    await arbiter.updatePort('p1', { 'binding:host_id': 'compute-2', name: 'moved' });
    expect(driver.calls.map((c) => c.method)).toEqual(['updatePort', 'getPort', 'bind']);
    expect(driver.calls[0]?.changes).toEqual({ name: 'moved' });
    expect(driver.calls[2]?.request).toMatchObject({ hostId: 'compute-2', deviceId: 'vm-1', deviceOwner: 'compute:nova' });
  });

  it('rejects read-only attributes and bad binding:host_id with 400 naming the key', async () => {
    await expect(arbiter.updatePort('p1', { network_id: 'x' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('network_id') });
    await expect(arbiter.updatePort('p1', { 'binding:host_id': 42 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('binding:host_id') });
    await expect(arbiter.updatePort('p1', { security_groups: [] })).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', status: 400 });
  });

  it('leaves ports of a failing backend or a service without driver out of lists, and fails single reads with 503-class errors', async () => {
    await register(kv, 'q1', 'no-such-service');
    await waitFor('q1 registered', () => arbiter.isGluonPort('q1'));
    expect((await arbiter.getPorts({})).map((p) => p['id']).sort()).toEqual(['p1', 'p2', 'p3']);
    await expect(arbiter.getPort('q1')).rejects.toMatchObject({ code: 'GLUON_ERR_ARBITER_NO_DRIVER', status: 503 });
    driver.failWith = new GluonError('GLUON_ERR_DRIVER_UNREACHABLE', 'down');
    expect(await arbiter.getPorts({})).toEqual([]);
    await expect(arbiter.getPort('p1')).rejects.toMatchObject({ code: 'GLUON_ERR_DRIVER_UNREACHABLE' });
  });

  it('follows registrations added, changed and deleted in etcd', async () => {
    driver.add(neutronPort('p4'));
    await register(kv, 'p4');
    await waitFor('p4 appears', () => arbiter.isGluonPort('p4'));
    expect((await arbiter.getPort('p4'))['id']).toBe('p4');
    await register(kv, 'p4', 'net-l3vpn', 'tenant-z');
    await waitFor('p4 re-registered', () => arbiter.registry.get('p4')?.tenantId === 'tenant-z');
    await kv.delete('/gluon/port/p4');
    await waitFor('p4 gone', () => !arbiter.isGluonPort('p4'));
    await expect(arbiter.getPort('p4')).rejects.toMatchObject({ status: 404 });
    await kv.put('/gluon/port/bad', 'not json');
    await kv.put('/gluon/port/p5', JSON.stringify({ tenant_id: 't', service: 'net-l3vpn', url: 'http://x' }));
    await waitFor('p5 appears', () => arbiter.isGluonPort('p5'));
    expect(arbiter.isGluonPort('bad')).toBe(false);
  });

  it('refuses requests before start', async () => {
    const cold = new PortArbiter({ kv, drivers: () => driver });
    await expect(cold.getPorts({})).rejects.toMatchObject({ code: 'GLUON_ERR_ARBITER_NOT_STARTED', status: 503 });
  });
});

describe('PortArbiter registry and compaction (private etcd)', () => {
  let etcd: EtcdInstance;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('relists after etcd compacted the history it missed while stopped', async () => {
    const kv = createEtcdStore({ hosts: etcd.endpoint });
    const driver = new RecordingDriver('net-l3vpn');
    for (const id of ['p1', 'p2', 'p3']) await register(kv, id);
    const arbiter = new PortArbiter({ kv, drivers: new Map([['net-l3vpn', driver]]) });
    await arbiter.start();
    expect(arbiter.registry.size).toBe(3);
    await arbiter.registry.stop();
    await kv.delete('/gluon/port/p2');
    await register(kv, 'p6');
    await kv.put('/gluon/other', 'x');
    await kv.compact(await kv.currentRevision());
    await arbiter.registry.start();
    await waitFor('relisted', () => arbiter.registry.relists > 0 && arbiter.isGluonPort('p6') && !arbiter.isGluonPort('p2'));
    expect(arbiter.registry.size).toBe(3);
    // and it keeps following after the relist
    await register(kv, 'p7');
    await waitFor('p7 after relist', () => arbiter.isGluonPort('p7'));
    await arbiter.close();
    await kv.close();
  });
});

describe('port query parsing and filters (property)', () => {
  it('parses repeated filters as OR lists, fields and sort keys', () => {
    const q = parsePortQuery('?device_id=a&device_id=b&fields=id&fields=name,status&limit=2&marker=m&sort_key=name&sort_dir=desc&tenant_id=t');
    expect(q.filters).toEqual({ device_id: ['a', 'b'], tenant_id: ['t'] });
    expect(q.fields).toEqual(['id', 'name', 'status']);
    expect(q.sortKeys).toEqual(['name']);
    expect(q.sortDirs).toEqual(['desc']);
  });

  it('a port always matches filters built from its own values, and selectFields never invents keys', () => {
    const portArb = fc.record({
      id: fc.uuid(), name: fc.string(), device_id: fc.string(), status: fc.constantFrom('ACTIVE', 'DOWN'), admin_state_up: fc.boolean(), revision_number: fc.nat(),
    });
    fc.assert(
      fc.property(portArb, fc.subarray(['id', 'name', 'device_id', 'status', 'admin_state_up', 'revision_number']), fc.array(fc.string()), (port, keys, fields) => {
        const filters = Object.fromEntries(keys.map((k) => [k, [String((port as Record<string, unknown>)[k])]]));
        expect(matchesFilters(port, filters)).toBe(true);
        const picked = selectFields(port, fields);
        for (const key of Object.keys(picked)) expect(fields.length === 0 || fields.includes(key)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('untrusted query strings never throw', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const q = parsePortQuery(s);
        expect(matchesFilters({ id: 'x' }, q.filters)).toBeTypeOf('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('fixed_ips filters as Neutron: ip_address_substr, values of one key ORed, different keys on the same address', () => {
    const port = { id: 'p', fixed_ips: [{ ip_address: '10.0.0.5', subnet_id: 's1' }, { ip_address: '192.168.1.7', subnet_id: 's2' }] };
    expect(matchesFilters(port, { fixed_ips: ['ip_address_substr=10.0.0'] })).toBe(true);
    expect(matchesFilters(port, { fixed_ips: ['ip_address_substr=172.16'] })).toBe(false);
    expect(matchesFilters(port, { fixed_ips: ['ip_address=1.1.1.1', 'ip_address=192.168.1.7'] })).toBe(true);
    expect(matchesFilters(port, { fixed_ips: ['subnet_id=s1', 'ip_address=10.0.0.5'] })).toBe(true);
    // the address and the subnet must belong to the same fixed IP
    expect(matchesFilters(port, { fixed_ips: ['subnet_id=s1', 'ip_address=192.168.1.7'] })).toBe(false);
    expect(matchesFilters({ id: 'q', fixed_ips: [] }, { fixed_ips: ['ip_address_substr=1'] })).toBe(false);
  });

  it('tag filters: a port without tags matches not-tags / not-tags-any, never tags / tags-any', () => {
    const port = { id: 'p', tags: [] };
    expect(matchesFilters(port, { tags: ['a'] })).toBe(false);
    expect(matchesFilters(port, { 'tags-any': ['a,b'] })).toBe(false);
    expect(matchesFilters(port, { 'not-tags': ['a'] })).toBe(true);
    expect(matchesFilters(port, { 'not-tags-any': ['a,b'] })).toBe(true);
    expect(matchesFilters({ id: 't', tags: ['a', 'b'] }, { tags: ['a,b'] })).toBe(true);
  });

  it('timestamps in Neutron\'s form and client messages without internal URLs', () => {
    expect(neutronTimestamp('2026-12-04T17:19:48.503Z')).toBe('2026-12-04T17:19:48Z');
    expect(neutronTimestamp('2026-12-04T18:19:48+01:00')).toBe('2026-12-04T17:19:48Z');
    expect(neutronTimestamp('not a date')).toBe('not a date');
    expect(clientMessage('Proton server answered PUT http://10.1.2.3:2705/proton/net-l3vpn/v1.0/ports/x with 400: Unknown attribute description'))
      .toBe('Unknown attribute description');
    expect(clientMessage('Neutron at http://10.1.2.3:9696 did not answer')).toBe('Neutron at <internal URL> did not answer');
  });

  it('paging: following next links with any limit returns every port once, in one order, and every handed-out marker works', () => {
    const portsArb = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), name: fc.constantFrom('a', 'b', 'c') }), { selector: (p) => p.id, maxLength: 25 });
    fc.assert(
      fc.property(portsArb, fc.integer({ min: 1, max: 30 }), fc.constantFrom([], ['name']), (ports, limit, sortKeys) => {
        const order = listOrder(sortKeys, []);
        const sorted = [...ports].sort(order);
        const seen: string[] = [];
        let params = new URLSearchParams({ limit: String(limit) });
        for (let pages = 0; pages <= ports.length + 1; pages++) {
          const page = parsePageRequest(params);
          if (page === undefined) throw new Error('valid query refused');
          const marker = page.marker === undefined ? undefined : sorted.find((p) => p.id === page.marker);
          const items = slicePage(sorted, page, { order, markerPort: marker });
          seen.push(...items.map((p) => p.id));
          const next = pageLinks(items, page, { baseUrl: 'http://facade/v2.0/ports', params }).find((l) => l.rel === 'next');
          if (next === undefined) break;
          params = new URL(next.href).searchParams;
        }
        expect(seen).toEqual(sorted.map((p) => p.id));
        // the page after the last port is empty, not an error
        const last = sorted.at(-1);
        if (last !== undefined) expect(slicePage(sorted, { limit, marker: last.id, reverse: false }, { order, markerPort: last })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
