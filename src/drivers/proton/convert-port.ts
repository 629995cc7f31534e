import { GluonError, type ErrorDetail } from '../../core/errors/index.js';
import type { NeutronPort, NeutronPortChanges } from '../types.js';

/** The dummy Neutron objects every Gluon port is attached to. @internal */
export interface GluonDummies {
  readonly gluonNetworkId: string;
  readonly gluonSubnetId: string;
}

type ProtonPort = Readonly<Record<string, unknown>>;

function text(value: unknown, fallback = ''): string {
  if (value === null || value === undefined) return fallback;
  return typeof value === 'string' ? value : String(value);
}

/** JSON text (or an already-parsed object) → object; anything else → `{}`. */
function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...(value as Record<string, unknown>) };
  if (typeof value !== 'string' || value.trim() === '') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A Proton port → a Neutron port, as the original Gluon's `_convert_port_data` did:
 * `network_id` is the dummy GluonNetwork's id, `fixed_ips` holds the service binding's
 * `ipaddress` on the dummy GluonSubnet (`[]` when the port's default interface has no
 * binding), `binding:*` come from `host_id`, `vif_type`, `vif_details` (JSON text),
 * `vnic_type` and `profile` (JSON text), `devname` is `"tap" + id[:11]`, and unknown
 * values are `""`.
 * @internal
 */
export function toNeutronPort(port: ProtonPort, ipAddress: string | undefined, dummies: GluonDummies): NeutronPort {
  const id = text(port['id']);
  const tenant = text(port['tenant_id']);
  const revision = port['revision_number'];
  return {
    id,
    name: text(port['name']),
    network_id: dummies.gluonNetworkId,
    tenant_id: tenant,
    project_id: tenant,
    mac_address: text(port['mac_address']),
    admin_state_up: typeof port['admin_state_up'] === 'boolean' ? port['admin_state_up'] : true,
    status: text(port['status']),
    device_id: text(port['device_id']),
    device_owner: text(port['device_owner']),
    fixed_ips: ipAddress === undefined || ipAddress === '' ? [] : [{ ip_address: ipAddress, subnet_id: dummies.gluonSubnetId }],
    'binding:host_id': text(port['host_id']),
    'binding:vif_type': text(port['vif_type']),
    'binding:vif_details': jsonObject(port['vif_details']),
    'binding:vnic_type': text(port['vnic_type'], 'normal') || 'normal',
    'binding:profile': jsonObject(port['profile']),
    devname: `tap${id.slice(0, 11)}`,
    security_groups: [],
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    created_at: text(port['created_at']),
    updated_at: text(port['updated_at']),
    revision_number: typeof revision === 'number' ? revision : 0,
    description: text(port['description']),
    tags: [],
  };
}

/** Neutron attribute → Proton port attribute, for plain updates. */
const UPDATABLE: Readonly<Record<string, string>> = {
  name: 'name',
  admin_state_up: 'admin_state_up',
  mac_address: 'mac_address',
  device_id: 'device_id',
  device_owner: 'device_owner',
  description: 'description',
  'binding:vnic_type': 'vnic_type',
  'binding:profile': 'profile',
};

/** The Neutron keys a plain update may carry when the port model has every mapped attribute. @internal */
export const UPDATABLE_NEUTRON_KEYS: readonly string[] = Object.keys(UPDATABLE);

/**
 * The Neutron keys a plain update may carry on a port whose model has `attributes` (the
 * Proton attribute names): those whose Proton attribute exists, so the list follows the
 * model instead of a hand-written one. All mapped keys when `attributes` is not known.
 * @internal
 */
export function updatableNeutronKeys(attributes?: ReadonlySet<string>): string[] {
  return Object.entries(UPDATABLE).filter(([, target]) => attributes === undefined || attributes.has(target)).map(([key]) => key);
}

/**
 * Maps a plain Neutron update back to Proton attributes (`binding:profile` becomes JSON
 * text). Every key that cannot be mapped, or whose Proton attribute the port's model
 * lacks (`attributes`, when known), is reported at once.
 * @throws GluonError `GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE` naming each bad key and the updatable ones
 * @internal
 */
export function toProtonChanges(portId: string, changes: NeutronPortChanges, attributes?: ReadonlySet<string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const problems: ErrorDetail[] = [];
  const allowed = updatableNeutronKeys(attributes);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const target = UPDATABLE[key];
    if (target === undefined || !allowed.includes(key)) {
      const why = key === 'binding:host_id'
        ? 'binding:host_id binds or unbinds the port: use bind()/unbind(), not a plain update'
        : target === undefined
          ? `port attribute ${key} cannot be updated on a Gluon port; updatable: ${allowed.join(', ')}`
          : `port attribute ${key} cannot be updated on this Gluon port: its port model has no ${target} attribute; updatable: ${allowed.join(', ')}`;
      problems.push({ field: key, rule: 'updatable', value, message: why, allowed });
      continue;
    }
    body[target] = key === 'binding:profile' ? (value === null ? '' : JSON.stringify(value)) : value;
  }
  if (problems.length > 0) {
    throw new GluonError(
      'GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE',
      `Cannot update Gluon port ${portId}: ${problems.map((p) => p.message).join('; ')}.`,
      { details: problems },
    );
  }
  return body;
}
