import { neutronFault, type NeutronFault } from './neutron-errors.js';

/**
 * True when a `POST /v2.0/ports` body (single `{"port": …}` or bulk `{"ports": [...]}`)
 * creates a port on `networkId`. A body that is not JSON is not ours to judge (Neutron
 * answers it).
 */
export function createsOnNetwork(body: Buffer | undefined, networkId: string): boolean {
  if (body === undefined || body.length === 0) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const record = parsed as Record<string, unknown>;
  const ports = Array.isArray(record['ports']) ? (record['ports'] as unknown[]) : [record['port']];
  return ports.some((port) => typeof port === 'object' && port !== null && (port as Record<string, unknown>)['network_id'] === networkId);
}

/**
 * 409 for a port created on GluonNetwork through the facade. GluonNetwork is shared and
 * its addresses are the Gluon ports' (which Neutron does not know), so a port made there
 * could claim a Gluon port's address; Gluon ports are made through the Proton API.
 */
export function gluonNetworkReserved(networkId: string): NeutronFault {
  return neutronFault(
    409,
    'GluonNetworkReserved',
    `Network ${networkId} is GluonNetwork, the placeholder network of Gluon ports; ports cannot be created on it through Neutron, ` +
      'because its addresses belong to Gluon ports. Create a Gluon port through the Proton API of its service (POST /proton/<service>/<version>/ports), ' +
      'or use another network for a Neutron port.',
  );
}

/**
 * 409 for `DELETE /v2.0/ports/<id>` of a Gluon port. A 404 would be read by clients
 * (openstacksdk, hence `openstack port delete`) as "already deleted", and a 204 would
 * lie: the port belongs to its Proton server, where deleting it also removes the objects
 * that hang on it (interfaces, service bindings).
 */
export function gluonPortDeleteRefused(id: string, service: string): NeutronFault {
  return neutronFault(
    409,
    'GluonPortDeleteRefused',
    `Port ${id} is a Gluon port of service ${service}; it is not deleted through Neutron. ` +
      `Delete it through the Proton API of that service (DELETE /proton/${service}/<version>/ports/${id}), which also removes its service bindings.`,
  );
}
