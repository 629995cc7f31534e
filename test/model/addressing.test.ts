import { describe, expect, it } from 'vitest';
import { compileOne, doc, issuesOf } from './helpers.js';

const POOLED = `  Net:
    api: {name: net}
    attributes:
      id: {type: uuid, primary: true}
      v4: {type: string}
      v6: {type: string}
      cidr: {type: string, format: cidr, family_from: {ipv4: v4, ipv6: v6, default: ipv4}}
      skip: {type: string}
      vni: {type: integer, min: 1, max: 4094, allocate: {exclude: [1]}}
  Host:
    api: {name: host}
    unique:
      - [net_id, name]
    subnet: {address: addr, prefix: plen, gateway: gw}
    attributes:
      id: {type: uuid, primary: true}
      name: {type: string}
      net_id: {type: Net}
      addr: {type: string, format: ip, allocate: {scope: net_id, pool_from: cidr, exclude_from: skip}, family_from: {scope: net_id, ipv6: v6}}
      plen: {type: integer}
      gw: {type: string, format: ipv4}
`;

describe('model language: unique, subnet and allocate', () => {
  it('should compile unique sets, subnet rules and pools, and give each a unique index', () => {
    const [api] = compileOne(doc(POOLED));
    const host = api?.objects.find((o) => o.name === 'Host');
    expect(host?.unique).toEqual([['net_id', 'name']]);
    expect(host?.subnet).toEqual({ address: 'addr', prefix: 'plen', gateway: 'gw' });
    expect(host?.attributes.find((a) => a.name === 'addr')?.allocate).toEqual({ scope: 'net_id', poolFrom: 'cidr', excludeFrom: 'skip' });
    const net = api?.objects.find((o) => o.name === 'Net');
    expect(net?.attributes.find((a) => a.name === 'vni')?.allocate).toEqual({ exclude: [1] });
    expect(host?.attributes.find((a) => a.name === 'addr')?.familyFrom).toEqual({ scope: 'net_id', ipv6: 'v6', default: [] });
    expect(net?.attributes.find((a) => a.name === 'cidr')?.familyFrom).toEqual({ ipv4: 'v4', ipv6: 'v6', default: ['ipv4'] });
  });

  it.each([
    ['a unique set naming an unknown attribute', POOLED.replace('[net_id, name]', '[net_id, nme]'), 'objects.Host.unique', 'unknown-attribute'],
    ['unique that is not a list of lists', POOLED.replace('      - [net_id, name]', '      - net_id'), 'objects.Host.unique', 'unique-form'],
    ['a subnet address that is not an address', POOLED.replace('address: addr', 'address: name'), 'objects.Host.subnet', 'subnet-address-format'],
    ['a subnet prefix that is not an integer', POOLED.replace('prefix: plen', 'prefix: name'), 'objects.Host.subnet', 'subnet-prefix-type'],
    ['an unknown subnet key', POOLED.replace('gateway: gw}', 'gateway: gw, mask: plen}'), 'objects.Host.subnet', 'unknown-key'],
    ['an unknown allocate key', POOLED.replace('exclude_from: skip}', 'exclude_from: skip, size: 4}'), 'objects.Host.attributes.addr.allocate', 'unknown-key'],
    ['pool_from naming no attribute of the scope object', POOLED.replace('pool_from: cidr', 'pool_from: cdir'), 'objects.Host.attributes.addr.allocate', 'pool-from'],
    ['pool_from without a scope', POOLED.replace('scope: net_id, ', ''), 'objects.Host.attributes.addr.allocate', 'pool-from-scope'],
    ['a pool that is not a CIDR', POOLED.replace('scope: net_id, pool_from: cidr, exclude_from: skip', 'pool: 10.0.0.0/33'), 'objects.Host.attributes.addr.allocate', 'allocate-pool'],
    ['allocate on a boolean', POOLED.replace('plen: {type: integer}', 'plen: {type: boolean, allocate: {}}'), 'objects.Host.attributes.plen.allocate', 'allocate-type'],
    ['an integer pool without max', POOLED.replace('min: 1, max: 4094, ', 'min: 1, '), 'objects.Net.attributes.vni.allocate', 'allocate-range'],
    ['family_from that is not a mapping', POOLED.replace('family_from: {scope: net_id, ipv6: v6}', 'family_from: v6'), 'objects.Host.attributes.addr.family_from', 'family-form'],
    ['family_from on an attribute that holds no address', POOLED.replace('name: {type: string}', 'name: {type: string, family_from: {scope: net_id, ipv6: v6}}'), 'objects.Host.attributes.name.family_from', 'family-format'],
    ['a family_from scope that is no reference', POOLED.replace('scope: net_id, ipv6: v6', 'scope: name, ipv6: v6'), 'objects.Host.attributes.addr.family_from', 'family-scope'],
    ['a family attribute the scope object lacks', POOLED.replace('scope: net_id, ipv6: v6', 'scope: net_id, ipv6: v7'), 'objects.Host.attributes.addr.family_from', 'family-attribute'],
    ['family_from naming no family', POOLED.replace('scope: net_id, ipv6: v6', 'scope: net_id'), 'objects.Host.attributes.addr.family_from', 'family-attribute'],
    ['a default family without an attribute', POOLED.replace('scope: net_id, ipv6: v6', 'scope: net_id, ipv6: v6, default: ipv4'), 'objects.Host.attributes.addr.family_from', 'family-default'],
    ['a default that is not a family', POOLED.replace('default: ipv4}}', 'default: ip4}}'), 'objects.Net.attributes.cidr.family_from', 'family-default'],
    ['an unknown family_from key', POOLED.replace('scope: net_id, ipv6: v6', 'scope: net_id, ipv6: v6, ipv8: v6'), 'objects.Host.attributes.addr.family_from', 'unknown-key'],
    ['a required allocated attribute', POOLED.replace('vni: {type: integer,', 'vni: {type: integer, required: true,'), 'objects.Net.attributes.vni.allocate', 'allocate-optional'],
  ])('should refuse %s, naming the file and path', (_, objects, path, rule) => {
    const issues = issuesOf(doc(objects));
    expect(issues.map((i) => ({ file: i.file, path: i.path, rule: i.rule }))).toContainEqual({ file: 'm/t.yaml', path, rule });
    expect(issues.every((i) => typeof i.line === 'number')).toBe(true);
  });

  it('should accept ip and cidr as string formats and refuse an unknown one', () => {
    expect(issuesOf(doc('  T:\n    api: {name: t}\n    attributes:\n      id: {type: uuid, primary: true}\n      a: {type: string, format: ip}\n      c: {type: string, format: cidr}\n'))).toEqual([]);
    expect(issuesOf(doc('  T:\n    api: {name: t}\n    attributes:\n      id: {type: uuid, primary: true}\n      a: {type: string, format: ipv4-cidr}\n'))[0]?.rule).toBe('format');
  });
});
