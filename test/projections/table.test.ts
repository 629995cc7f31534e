import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snakeCase, tableName, toTableDescription, toTableDescriptions, type ApiModel } from '../../src/core/model/index.js';
import { attr, chain, cyclic, iface, netL3vpn, object, port, vpnAfConfig, vpnBinding } from './fixtures.js';

describe('toTableDescription', () => {
  it('names tables <api>_<versionId>_<snake object>', () => {
    expect(netL3vpn.objects.map((o) => toTableDescription(netL3vpn, o).name)).toEqual([
      'net_l3vpn_v1_0_port',
      'net_l3vpn_v1_0_interface',
      'net_l3vpn_v1_0_vpn_service',
      'net_l3vpn_v1_0_vpn_binding',
      'net_l3vpn_v1_0_vpn_af_config',
      'net_l3vpn_v1_0_bgp_peering',
      'net_l3vpn_v1_0_dataplane_tunnel',
    ]);
    expect(snakeCase('SfDataPlaneLocator')).toBe('sf_data_plane_locator');
  });

  it('maps attribute types to columns, then the three server columns', () => {
    const t = toTableDescription(netL3vpn, port);
    const col = (n: string) => t.columns.find((c) => c.name === n);
    expect(t.columns.map((c) => c.name)).toEqual([...port.attributes.map((a) => a.name), 'created_at', 'updated_at', 'revision_number']);
    expect(col('id')).toEqual({ name: 'id', type: 'string', length: 36, nullable: false, primaryKey: true });
    expect(col('tenant_id')).toEqual({ name: 'tenant_id', type: 'string', length: 36, nullable: false, primaryKey: false });
    expect(col('name')).toEqual({ name: 'name', type: 'string', length: 64, nullable: true, primaryKey: false });
    expect(col('mtu')).toMatchObject({ type: 'integer', nullable: false });
    expect(col('admin_state_up')).toMatchObject({ type: 'boolean' });
    expect(col('status')).toMatchObject({ type: 'enum', values: ['ACTIVE', 'DOWN'] });
    expect(col('created_at')).toEqual({ name: 'created_at', type: 'datetime', nullable: false, primaryKey: false });
    expect(col('revision_number')).toEqual({ name: 'revision_number', type: 'integer', nullable: false, primaryKey: false });
    expect(t.primaryKey).toBe('id');
    expect(t.foreignKeys).toEqual([]);
    expect(t.indexes).toEqual([]);
  });

  it('VpnBinding: foreign keys to the interface and vpn service tables, keyed by interface_id', () => {
    const t = toTableDescription(netL3vpn, vpnBinding);
    expect(t.primaryKey).toBe('interface_id');
    expect(t.foreignKeys).toEqual([
      { column: 'interface_id', table: 'net_l3vpn_v1_0_interface', references: 'id', object: 'Interface' },
      { column: 'service_id', table: 'net_l3vpn_v1_0_vpn_service', references: 'id', object: 'VpnService' },
    ]);
    // the primary key is indexed already; the other reference gets an index
    expect(t.indexes).toEqual([{ name: 'net_l3vpn_v1_0_vpn_binding_service_id_idx', columns: ['service_id'], unique: false }]);
    expect(t.columns.find((c) => c.name === 'service_id')).toMatchObject({ type: 'string', length: 36, nullable: false });
  });

  it('Interface: parent key is a foreign key with one index; a string key keeps its length', () => {
    const t = toTableDescription(netL3vpn, iface);
    expect(t.foreignKeys).toEqual([{ column: 'port_id', table: 'net_l3vpn_v1_0_port', references: 'id', object: 'Port' }]);
    expect(t.indexes).toEqual([{ name: 'net_l3vpn_v1_0_interface_port_id_idx', columns: ['port_id'], unique: false }]);
    expect(toTableDescription(netL3vpn, vpnAfConfig).columns[1]).toEqual({
      name: 'vrf_rt_value', type: 'string', length: 32, nullable: false, primaryKey: true,
    });
  });

  it('a reference to a string key takes the key column type; bigint, float; natural key unique index', () => {
    const api: ApiModel = {
      ...netL3vpn,
      objects: [...netL3vpn.objects, object('Use', 'use', [attr('id', 'uuid', { primary: true }), attr('rt', 'string', { reference: 'VpnAfConfig' })])],
    };
    const use = api.objects[api.objects.length - 1];
    if (use === undefined) throw new Error('fixture');
    const t = toTableDescription(api, use);
    expect(t.columns.find((c) => c.name === 'rt')).toEqual({ name: 'rt', type: 'string', length: 32, nullable: true, primaryKey: false });
    expect(t.foreignKeys).toEqual([{ column: 'rt', table: 'net_l3vpn_v1_0_vpn_af_config', references: 'vrf_rt_value', object: 'VpnAfConfig' }]);
    const nic = toTableDescription(chain, chain.objects[3] ?? port);
    expect(nic.columns.find((c) => c.name === 'slot')).toMatchObject({ type: 'bigint' });
    expect(nic.columns.find((c) => c.name === 'speed')).toMatchObject({ type: 'float' });
    expect(nic.indexes).toContainEqual({ name: 'chain_v2_nic_slot_port_uniq', columns: ['slot', 'port'], unique: true });
  });

  it('keeps identifiers within 64 characters and distinct (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,80}$/), fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,80}$/), (a, b) => {
        const api = { ...netL3vpn, name: 'a-very-long-service-name-for-testing' };
        const ta = tableName(api, a);
        expect(ta.length).toBeLessThanOrEqual(64);
        expect(ta).toMatch(/^[a-z0-9_]+$/);
        if (snakeCase(a) !== snakeCase(b)) expect(ta).not.toBe(tableName(api, b));
      }),
    );
  });
});

describe('toTableDescriptions', () => {
  it('puts referenced tables first', () => {
    const names = toTableDescriptions(netL3vpn).map((t) => t.object);
    expect(names).toHaveLength(7);
    const before = (a: string, b: string) => expect(names.indexOf(a)).toBeLessThan(names.indexOf(b));
    before('Port', 'Interface');
    before('Interface', 'VpnBinding');
    before('VpnService', 'VpnBinding');
    expect(toTableDescriptions(chain).map((t) => t.object)).toEqual(['Site', 'Rack', 'Host', 'Nic']);
  });

  it('terminates on reference cycles and self-references, listing each table once', () => {
    const names = toTableDescriptions(cyclic).map((t) => t.object);
    expect([...names].sort()).toEqual(['A', 'B', 'Tree']);
  });

  it('is deterministic and frozen', () => {
    expect(toTableDescriptions(netL3vpn)).toEqual(toTableDescriptions(netL3vpn));
    expect(Object.isFrozen(toTableDescription(netL3vpn, port).columns)).toBe(true);
  });
});
