import type { ApiModel, ObjectModel } from '../model/index.js';

/** One attribute of an object that names another object, and the objects it may name. */
export interface RoleReference {
  /** The attribute holding the other object's key. */
  readonly attribute: string;
  /** The objects the key may belong to (any one of them), in model order. */
  readonly targets: readonly ObjectModel[];
}

/** The attributes a service binding's role makes references, and the roles they name. */
const SERVICE_BINDING_REFERENCES: readonly { readonly attribute: string; readonly roles: readonly ObjectModel['role'][] }[] = [
  // A port's default interface shares the port's id; a model without interface objects
  // binds ports directly.
  { attribute: 'interface_id', roles: ['interface', 'port'] },
  { attribute: 'service_id', roles: ['service'] },
];

/**
 * Every attribute of `object` that names another object, whatever the model's typing:
 * - an attribute typed as an object (`type: Port`);
 * - a child's parent key (`api.parent_key`) → its parent object;
 * - a service binding's `interface_id` → the API's interfaces (or ports when it has no
 *   interface object) and `service_id` → the API's services.
 * Gluon's models type these as plain uuids; treating them by role is what keeps a caller
 * from keying a binding by another project's interface.
 */
export function roleReferences(api: ApiModel, object: ObjectModel): RoleReference[] {
  const out = new Map<string, readonly ObjectModel[]>();
  const named = (name: string): ObjectModel | undefined => api.objects.find((o) => o.name === name);
  for (const attribute of object.attributes) {
    const target = attribute.reference === undefined ? undefined : named(attribute.reference);
    if (target !== undefined) out.set(attribute.name, [target]);
  }
  const parent = object.api.parent === undefined ? undefined : named(object.api.parent);
  const parentKey = object.api.parentKey;
  if (parent !== undefined && parentKey !== undefined && !out.has(parentKey)) out.set(parentKey, [parent]);
  if (object.role === 'service-binding') {
    for (const { attribute, roles } of SERVICE_BINDING_REFERENCES) {
      if (out.has(attribute) || !object.attributes.some((a) => a.name === attribute)) continue;
      for (const role of roles) {
        const targets = api.objects.filter((o) => o.role === role);
        if (targets.length > 0) {
          out.set(attribute, targets);
          break;
        }
      }
    }
  }
  return [...out].map(([attribute, targets]) => ({ attribute, targets }));
}
