/**
 * Hand-built ApiModels for the projection tests (independent of the YAML loader):
 * net-l3vpn fully merged, as §2.10 of the inventory describes it, and a three-level
 * parent chain.
 */
import { CONFORMANCE_DIR } from '../fixtures/paths.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiModel, AttributeModel, ObjectModel, ObjectRole, PolicyAction, ScalarType } from '../../src/core/model/index.js';

type AttrOptions = Partial<Omit<AttributeModel, 'name' | 'type'>>;

export function attr(name: string, type: ScalarType, options: AttrOptions = {}): AttributeModel {
  const length = type === 'string' ? 255 : type === 'uuid' ? 36 : undefined;
  return {
    name,
    type,
    primary: false,
    naturalKey: false,
    required: false,
    ...(length === undefined ? {} : { length }),
    ...options,
  };
}

const POLICIES: Readonly<Record<PolicyAction, string>> = {
  create: 'rule:admin_or_owner',
  get: 'rule:admin_or_owner',
  list: 'rule:admin',
  update: 'rule:admin_or_owner',
  delete: 'rule:admin_or_owner',
};

export function object(
  name: string,
  apiName: string,
  attributes: AttributeModel[],
  options: { plural?: string; parent?: string; parentKey?: string; role?: ObjectRole; extendsChain?: string[] } = {},
): ObjectModel {
  const key = attributes.find((a) => a.primary) ?? attributes[0];
  if (key === undefined) throw new Error(`fixture ${name} has no attributes`);
  return {
    name,
    api: {
      name: apiName,
      plural: options.plural ?? `${apiName}s`,
      ...(options.parent === undefined ? {} : { parent: options.parent }),
      ...(options.parentKey === undefined ? {} : { parentKey: options.parentKey }),
    },
    role: options.role ?? 'plain',
    extendsChain: options.extendsChain ?? [],
    attributes,
    primaryKey: key.name,
    naturalKey: attributes.filter((a) => a.naturalKey).map((a) => a.name),
    policies: POLICIES,
  };
}

const baseObject = (): AttributeModel[] => [
  attr('id', 'uuid', { primary: true }),
  attr('tenant_id', 'uuid', { required: true }),
  attr('name', 'string', { length: 64 }),
];

export const port = object(
  'Port',
  'port',
  [
    ...baseObject(),
    attr('mac_address', 'string', { length: 18, required: true, format: 'mac' }),
    attr('admin_state_up', 'boolean', { required: true }),
    attr('status', 'enum', { required: true, values: ['ACTIVE', 'DOWN'] }),
    attr('vnic_type', 'enum', { required: true, values: ['normal', 'virtual', 'direct', 'macvtap', 'sriov', 'whole-dev'] }),
    attr('mtu', 'integer', { required: true }),
    attr('vlan_transparency', 'boolean', { required: true }),
    attr('profile', 'string', { length: 128, format: 'json' }),
    attr('device_id', 'uuid'),
    attr('device_owner', 'string', { length: 128 }),
    attr('host_id', 'string', { length: 64 }),
    attr('vif_details', 'string', { length: 128, format: 'json' }),
    attr('vif_type', 'string', { length: 32 }),
  ],
  { role: 'port', extendsChain: ['BasePort', 'BaseObject'] },
);

export const iface = object(
  'Interface',
  'interface',
  [
    ...baseObject(),
    attr('port_id', 'uuid', { required: true, reference: 'Port' }),
    attr('segmentation_type', 'enum', { required: true, values: ['none', 'vlan', 'tunnel_vxlan', 'tunnel_gre', 'mpls'] }),
    attr('segmentation_id', 'integer', { required: true }),
  ],
  { parent: 'Port', parentKey: 'port_id', role: 'interface', extendsChain: ['BaseInterface', 'BaseObject'] },
);

export const vpnService = object(
  'VpnService',
  'vpn',
  [
    ...baseObject(),
    attr('description', 'string', { length: 256 }),
    attr('ipv4_family', 'string', { length: 255 }),
    attr('ipv6_family', 'string', { length: 255 }),
    attr('route_distinguishers', 'string', { length: 32 }),
  ],
  { role: 'service', extendsChain: ['BaseService', 'BaseObject'] },
);

export const vpnBinding = object(
  'VpnBinding',
  'vpnbinding',
  [
    attr('tenant_id', 'uuid', { required: true }),
    attr('interface_id', 'uuid', { required: true, primary: true, reference: 'Interface' }),
    attr('service_id', 'uuid', { required: true, reference: 'VpnService' }),
    attr('ipaddress', 'string', { length: 16, format: 'ipv4' }),
    attr('subnet_prefix', 'integer', { format: 'int32', min: 1, max: 31 }),
    attr('gateway', 'string', { length: 16, format: 'ipv4' }),
  ],
  { role: 'service-binding', extendsChain: ['BaseServiceBinding'] },
);

export const vpnAfConfig = object('VpnAfConfig', 'vpnafconfig', [
  attr('tenant_id', 'uuid', { required: true }),
  attr('vrf_rt_value', 'string', { required: true, length: 32, primary: true }),
  attr('vrf_rt_type', 'enum', { required: true, values: ['export_extcommunity', 'import_extcommunity', 'both'] }),
  attr('import_route_policy', 'string', { length: 32 }),
  attr('export_route_policy', 'string', { length: 32 }),
]);

export const bgpPeering = object(
  'BGPPeering',
  'bgppeering',
  [
    ...baseObject(),
    attr('local_ip_address', 'string', { required: true, format: 'ipv4', length: 16 }),
    attr('peer_ip_address', 'string', { required: true, format: 'ipv4', length: 16 }),
    attr('as_number', 'integer', { required: true, format: 'int32' }),
  ],
  { extendsChain: ['BaseObject'] },
);

export const dataplaneTunnel = object(
  'DataplaneTunnel',
  'dataplanetunnel',
  [
    ...baseObject(),
    attr('local_tunnel_endpoint', 'string', { required: true, format: 'ipv4', length: 16 }),
    attr('remote_tunnel_endpoint', 'string', { required: true, format: 'ipv4', length: 16 }),
  ],
  { extendsChain: ['BaseObject'] },
);

export const netL3vpn: ApiModel = {
  name: 'net-l3vpn',
  version: '1.0',
  versionId: 'v1.0',
  description: 'L3VPN API Specification',
  objects: [port, iface, vpnService, vpnBinding, vpnAfConfig, bgpPeering, dataplaneTunnel],
  files: ['fixture'],
};

/** Site → Rack → Host → Nic (three parents), with a string-keyed Rack and a natural key on Nic. */
export const chain: ApiModel = {
  name: 'chain',
  version: '2',
  versionId: 'v2',
  objects: [
    object('Site', 'site', [attr('id', 'uuid', { primary: true }), attr('label', 'string')]),
    object('Rack', 'rack', [attr('id', 'uuid', { primary: true }), attr('site_id', 'uuid', { required: true, reference: 'Site' })], {
      parent: 'Site',
      parentKey: 'site_id',
    }),
    object('Host', 'host', [attr('id', 'uuid', { primary: true }), attr('rack_id', 'uuid', { required: true, reference: 'Rack' })], {
      parent: 'Rack',
      parentKey: 'rack_id',
    }),
    object(
      'Nic',
      'nic',
      [
        attr('id', 'uuid', { primary: true }),
        attr('host_id', 'uuid', { required: true, reference: 'Host' }),
        attr('slot', 'integer', { naturalKey: true, format: 'int64' }),
        attr('port', 'integer', { naturalKey: true, min: 0, max: 7 }),
        attr('speed', 'number', { min: 0.5 }),
      ],
      { parent: 'Host', parentKey: 'host_id' },
    ),
  ],
  files: ['fixture'],
};

/** Two objects that reference each other (a cycle) plus one referencing itself. */
export const cyclic: ApiModel = {
  name: 'cyclic',
  version: '1.0',
  versionId: 'v1.0',
  objects: [
    object('A', 'a', [attr('id', 'uuid', { primary: true }), attr('b_id', 'uuid', { reference: 'B' })]),
    object('B', 'b', [attr('id', 'uuid', { primary: true }), attr('a_id', 'uuid', { reference: 'A' })]),
    object('Tree', 'tree', [attr('id', 'uuid', { primary: true }), attr('parent_id', 'uuid', { reference: 'Tree' })]),
  ],
  files: ['fixture'],
};

/** The conformance material the project carries (test/fixtures/conformance). */
export { CONFORMANCE_DIR };

/** One exchange of the original server's wire capture. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  note: string;
  request_body?: unknown;
}

/** Every exchange of the wire capture, in order. */
export function captureExchanges(): Exchange[] {
  const raw = readFileSync(join(CONFORMANCE_DIR, 'gluon-wire-capture.json'), 'utf8');
  return (JSON.parse(raw) as { exchanges: Exchange[] }).exchanges;
}
