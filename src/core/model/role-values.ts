import { DEFAULT_STRING_LENGTH } from './projections/attribute-schema.js';
import type { AttributeModel, ObjectModel } from './types.js';

/** The attribute of every base object naming the project that owns it (`BaseObject.tenant_id`). */
export const OWNER_ATTRIBUTE = 'tenant_id';

/** The attribute of every base object holding its human-readable name (`BaseObject.name`). */
export const NAME_ATTRIBUTE = 'name';

/** The attribute every object carries with its revision (bumped on each change, read by `If-Match`). */
export const REVISION_FIELD = 'revision_number';

/**
 * What the `interface` role gives a port's **default interface**, the one created with
 * the port: its name is the port's with this suffix (or `unnamed` for a port without a
 * name), and it is not segmented (`segmentation_type` none, segment 0).
 */
export const DEFAULT_INTERFACE = {
  nameSuffix: '_default',
  unnamed: 'default',
  segmentation: { segmentation_type: 'none', segmentation_id: 0 },
} as const;

/** The port a default interface is created for. */
export interface DefaultInterfacePort {
  /** The port's primary key: the interface's key and parent key. */
  readonly id: string;
  /** The port as stored (its owner and name are read). */
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * The attribute values of the default interface `iface` (an object with the `interface`
 * role under a port) of `port`: the same id, the parent key set to it, the port's owner,
 * the name and segmentation of {@link DEFAULT_INTERFACE}; every other attribute null.
 */
export function defaultInterfaceValues(iface: ObjectModel, port: DefaultInterfacePort): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const attribute of iface.attributes) values[attribute.name] = defaultInterfaceValue(iface, attribute, port);
  return values;
}

function defaultInterfaceValue(iface: ObjectModel, attribute: AttributeModel, port: DefaultInterfacePort): unknown {
  if (attribute.name === iface.primaryKey || attribute.name === iface.api.parentKey) return port.id;
  if (attribute.name === OWNER_ATTRIBUTE) return port.values[OWNER_ATTRIBUTE] ?? null;
  if (attribute.name === NAME_ATTRIBUTE) return defaultInterfaceName(attribute, port.values[NAME_ATTRIBUTE]);
  if (Object.hasOwn(DEFAULT_INTERFACE.segmentation, attribute.name)) return segmentationValue(attribute);
  return null;
}

/** `<port name>_default`, cut to the attribute's length; `default` for a port without a name. */
function defaultInterfaceName(attribute: AttributeModel, portName: unknown): string {
  const name = typeof portName === 'string' ? `${portName}${DEFAULT_INTERFACE.nameSuffix}` : DEFAULT_INTERFACE.unnamed;
  const max = attribute.type === 'string' ? (attribute.length ?? DEFAULT_STRING_LENGTH) : undefined;
  return max !== undefined && name.length > max ? name.slice(0, max) : name;
}

/** The unsegmented value of a segmentation attribute (null when its enum has no such value). */
function segmentationValue(attribute: AttributeModel): unknown {
  const value: unknown = DEFAULT_INTERFACE.segmentation[attribute.name as keyof typeof DEFAULT_INTERFACE.segmentation];
  if (attribute.type === 'enum' && !(attribute.values ?? []).includes(String(value))) return null;
  return value;
}
