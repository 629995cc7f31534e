import { describe, expect, it } from 'vitest';
import { toRouteParamsSchema, toRoutes, versionRoot, type ApiModel } from '../../src/core/model/index.js';
import { check } from './ajv.js';
import { attr, chain, netL3vpn, object } from './fixtures.js';

describe('toRoutes', () => {
  it('net-l3vpn: a collection and member per object, and interfaces under ports', () => {
    const routes = toRoutes(netL3vpn);
    const paths = routes.map((r) => `${r.kind} ${r.path}`);
    expect(paths).toEqual([
      'collection /ports',
      'member /ports/:id',
      'collection /interfaces',
      'member /interfaces/:id',
      'collection /ports/:port_id/interfaces',
      'member /ports/:port_id/interfaces/:id',
      'collection /vpns',
      'member /vpns/:id',
      'collection /vpnbindings',
      'member /vpnbindings/:interface_id',
      'collection /vpnafconfigs',
      'member /vpnafconfigs/:vrf_rt_value',
      'collection /bgppeerings',
      'member /bgppeerings/:id',
      'collection /dataplanetunnels',
      'member /dataplanetunnels/:id',
    ]);
    const child = routes.find((r) => r.path === '/ports/:port_id/interfaces/:id');
    expect(child).toEqual({
      kind: 'member',
      object: 'Interface',
      path: '/ports/:port_id/interfaces/:id',
      params: [
        { param: 'port_id', object: 'Port', childKey: 'port_id' },
        { param: 'id', object: 'Interface' },
      ],
      methods: ['GET', 'PUT', 'DELETE'],
    });
    expect(routes.find((r) => r.path === '/ports')?.methods).toEqual(['GET', 'POST']);
  });

  it('a three-level parent chain gets child routes at every depth', () => {
    const nic = toRoutes(chain).filter((r) => r.object === 'Nic');
    expect(nic.map((r) => r.path)).toEqual([
      '/nics',
      '/nics/:id',
      '/hosts/:host_id/nics',
      '/hosts/:host_id/nics/:id',
      '/racks/:rack_id/hosts/:host_id/nics',
      '/racks/:rack_id/hosts/:host_id/nics/:id',
      '/sites/:site_id/racks/:rack_id/hosts/:host_id/nics',
      '/sites/:site_id/racks/:rack_id/hosts/:host_id/nics/:id',
    ]);
    const deepest = nic[nic.length - 1];
    expect(deepest?.params).toEqual([
      { param: 'site_id', object: 'Site', childKey: 'site_id' },
      { param: 'rack_id', object: 'Rack', childKey: 'rack_id' },
      { param: 'host_id', object: 'Host', childKey: 'host_id' },
      { param: 'id', object: 'Nic' },
    ]);
  });

  it('parameter names are unique within every path, also when key names clash', () => {
    const clash: ApiModel = {
      ...netL3vpn,
      objects: [
        object('Box', 'box-item', [attr('id', 'uuid', { primary: true })]),
        object('Item', 'item', [attr('box_item_id', 'uuid', { primary: true }), attr('box', 'uuid', { reference: 'Box' })], {
          parent: 'Box',
          parentKey: 'box',
        }),
        object('Leaf', 'leaf', [attr('box_item_id', 'uuid', { primary: true }), attr('item', 'uuid', { reference: 'Item' })], {
          parent: 'Item',
          parentKey: 'item',
        }),
      ],
    };
    for (const route of toRoutes(clash)) {
      const names = route.params.map((p) => p.param);
      expect(new Set(names).size, route.path).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_]+$/);
    }
    expect(toRoutes(clash).map((r) => r.path)).toContain('/box-items/:id/items/:item_box_item_id/leafs/:box_item_id');
  });

  it('versionRoot is /proton/<api>/<versionId>', () => {
    expect(versionRoot(netL3vpn)).toBe('/proton/net-l3vpn/v1.0');
  });
});

describe('toRouteParamsSchema', () => {
  it('checks each parameter like the key it holds', () => {
    const route = toRoutes(netL3vpn).find((r) => r.path === '/ports/:port_id/interfaces/:id');
    if (route === undefined) throw new Error('route');
    const schema = toRouteParamsSchema(netL3vpn, route);
    const id = '3f0e2d9a-7a3b-4c11-9d2e-111111111111';
    expect(check(schema, { port_id: id, id }).errors).toEqual([]);
    expect(check(schema, { port_id: 'not-a-uuid', id }).errors).toEqual([['pattern', '/port_id']]);
    const af = toRoutes(netL3vpn).find((r) => r.path === '/vpnafconfigs/:vrf_rt_value');
    if (af === undefined) throw new Error('route');
    expect(check(toRouteParamsSchema(netL3vpn, af), { vrf_rt_value: '100:1' }).errors).toEqual([]);
  });
});
