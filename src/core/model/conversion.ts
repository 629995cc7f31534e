import type { ObjectConversion } from './versions.js';

/** The fields every stored object has besides its attributes. */
const STORE_FIELDS = ['created_at', 'updated_at', 'revision_number'] as const;

/**
 * A body written through a served version, as the storage object holds it: attributes
 * renamed to their storage names. On create, attributes left out get their declared
 * `default`, and so do hidden storage attributes that have one.
 */
export function toStorageValues(conversion: ObjectConversion, values: Readonly<Record<string, unknown>>, mode: 'create' | 'update'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) out[conversion.storageNames.get(name) ?? name] = value;
  if (mode === 'create') {
    for (const attr of conversion.served.attributes) {
      const storageName = conversion.storageNames.get(attr.name) ?? attr.name;
      if (attr.default !== undefined && out[storageName] === undefined) out[storageName] = attr.default;
    }
    for (const hidden of conversion.hiddenDefaults) if (out[hidden.name] === undefined) out[hidden.name] = hidden.value;
  }
  return out;
}

/**
 * A stored object as a served version shows it: its attributes in its order under its
 * names (an attribute this version adds reads as its default where storage holds null),
 * then `created_at`, `updated_at`, `revision_number`; hidden attributes left out.
 */
export function fromStorageObject(conversion: ObjectConversion, stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attr of conversion.served.attributes) {
    const value = stored[conversion.storageNames.get(attr.name) ?? attr.name];
    out[attr.name] = (value === null || value === undefined) && attr.default !== undefined && conversion.added.includes(attr) ? attr.default : (value ?? null);
  }
  for (const field of STORE_FIELDS) if (field in stored) out[field] = stored[field];
  return out;
}

/** The storage name of a served attribute (filters, sort keys, parent keys); other names unchanged. */
export function storageName(conversion: ObjectConversion, name: string): string {
  return conversion.storageNames.get(name) ?? name;
}
