import type { ObjectRole } from './types.js';

/** The base objects that give an API object its role. */
export const ROLE_BASES: Readonly<Record<string, ObjectRole>> = {
  BasePort: 'port',
  BaseInterface: 'interface',
  BaseService: 'service',
  BaseServiceBinding: 'service-binding',
};

/**
 * The role of an object from its `extends` chain (nearest first): the first base object
 * in the chain that names a role wins (BasePort → `port`, BaseInterface → `interface`,
 * BaseService → `service`, BaseServiceBinding → `service-binding`); otherwise `plain`.
 */
export function deriveRole(extendsChain: readonly string[]): ObjectRole {
  for (const name of extendsChain) {
    const role = ROLE_BASES[name];
    if (role !== undefined) return role;
  }
  return 'plain';
}
