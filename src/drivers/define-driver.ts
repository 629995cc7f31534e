import { DRIVER_API_VERSION, type DriverDefinition } from './types.js';

/**
 * Declares a backend driver. An identity function that exists for typing: export its
 * result from the module a plugin's `gluon.drivers` entry points at.
 *
 * @example
 * ```ts
 * import { defineDriver } from 'gluon-net/drivers';
 * export default defineDriver({
 *   name: 'acme-l3vpn',
 *   apiVersion: 1,
 *   create: ({ service, gluonNetworkId, gluonSubnetId, logger }) => new AcmeDriver(…),
 * });
 * ```
 */
export function defineDriver<T extends DriverDefinition>(definition: T): T {
  return definition;
}

/**
 * True when `value` looks like a {@link DriverDefinition}: an object with a non-empty
 * string `name`, `apiVersion` and a `create` function. (`apiVersion` is checked
 * separately so the error can say which version was found.)
 */
export function isDriverDefinition(value: unknown): value is DriverDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && v['name'] !== '' && 'apiVersion' in v && typeof v['create'] === 'function';
}

export { DRIVER_API_VERSION };
