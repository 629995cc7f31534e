/**
 * The port arbiter (the original Gluon wrapper plugin's logic: `get_port`, `get_ports`,
 * `update_port` for Gluon ports, through backend drivers) and the Neutron API facade
 * that puts it in front of a real Neutron for Nova.
 * @packageDocumentation
 */
export { PortArbiter, READ_ONLY_PORT_KEYS, isAdminContext, portNotFound } from './port-arbiter.js';
export { PortRegistry, PORT_REGISTRY_PREFIX } from './port-registry.js';
export type { PortRegistryOptions, PortRegistryChange } from './port-registry.js';
export {
  parsePortQuery,
  matchesFilters,
  selectFields,
  hideAdminKeys,
  sortPorts,
  comparePorts,
  NON_FILTER_PARAMS,
  FIXED_IP_FILTER_KEYS,
  TAG_FILTERS,
  ADMIN_ONLY_PORT_KEYS,
} from './port-filters.js';
export type { PortQuery } from './port-filters.js';
export { parsePageRequest, slicePage, pageLinks, listOrder, wantsOrderedList } from './port-paging.js';
export type { PagePlacement, PageRequest } from './port-paging.js';
export { neutronTimestamp } from './port-arbiter.js';
export { neutronFault, toNeutronFault, clientMessage, INTERNAL_ERROR_MESSAGE } from './neutron-errors.js';
export type { NeutronFault } from './neutron-errors.js';
export { NeutronUpstream, HOP_BY_HOP_HEADERS } from './upstream.js';
export type { NeutronUpstreamOptions, UpstreamRequest, UpstreamResponse } from './upstream.js';
export { findGluonObjects, GLUON_NETWORK_NAME, GLUON_SUBNET_NAME } from './gluon-objects.js';
export type { GluonObjectIds, FindGluonObjectsOptions } from './gluon-objects.js';
export { createNeutronFacade, headerIdentity } from './neutron-facade.js';
export type { NeutronFacade, NeutronFacadeOptions, FacadeIdentity, IdentifyCaller } from './neutron-facade.js';
export type {
  ArbiterContext,
  PortFilters,
  GetPortOptions,
  GetPortsOptions,
  PortRegistration,
  DriverLookup,
  PortArbiterOptions,
} from './types.js';
