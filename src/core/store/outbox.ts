import { MIRROR_VERSION_FIELD, OWNER_ATTRIBUTE, type ApiModel, type ObjectModel } from '../model/index.js';
import { objectKey as wireObjectKey, portRegistryKey } from '../wire/index.js';
import type { InsertTarget, PlannedRow } from './group-writer.js';
import { q, toSqlDate } from './sql-text.js';
import type { StoredObject } from './types.js';

/** The outbox table's name. */
export const OUTBOX_TABLE = 'gluon_outbox';

/** Insert target of the outbox table (`key`, `value`, `created_at`; `seq` is generated). @internal */
export const OUTBOX_TARGET: InsertTarget = {
  head: `INSERT INTO ${q(OUTBOX_TABLE)} (${q('key')}, ${q('value')}, ${q('created_at')}) VALUES `,
  width: 3,
  outbox: true,
};

/** `/proton/<api>/<ObjectName>/<pk>`: where an object is mirrored. */
export function objectKey(api: ApiModel, object: ObjectModel, pk: string): string {
  return wireObjectKey(api.name, object.name, pk);
}

/** `/gluon/port/<id>`: where a port is registered for the port arbiter. */
export function portKey(id: string): string {
  return portRegistryKey(id);
}

/** `"api_version"`, as JSON. */
const VERSION_KEY = JSON.stringify(MIRROR_VERSION_FIELD);

/**
 * The mirrored JSON of an object: what `get` returns through the storage model, plus
 * `api_version`, the storage version the value is written in (e.g. `"v1.0"`), so a shim
 * knows which version's schema to read it with.
 */
export function objectValue(api: ApiModel, obj: StoredObject): string {
  // an attribute of that name keeps its place, with the version as its value
  if (Object.hasOwn(obj, MIRROR_VERSION_FIELD)) return JSON.stringify({ ...obj, [MIRROR_VERSION_FIELD]: api.versionId });
  // else the field comes last: written onto the object's JSON instead of a copy of it
  const json = JSON.stringify(obj);
  const version = `${VERSION_KEY}:${JSON.stringify(api.versionId)}}`;
  return json === '{}' ? `{${version}` : `${json.slice(0, -1)},${version}`;
}

/** The JSON registration of a port: `{"tenant_id", "service", "url"}`. */
export function portValue(api: ApiModel, obj: StoredObject, url: string): string {
  const tenant = obj[OWNER_ATTRIBUTE];
  return JSON.stringify({ tenant_id: tenant === undefined ? null : tenant, service: api.name, url });
}

/** The last commit time written as text (the rows of one write share their `Date`). */
let lastAt: { readonly at: Date; readonly time: number; readonly text: string } | undefined;

/** An outbox row to insert (null value = delete the key). @internal */
export function outboxRow(key: string, value: string | null, at: Date): PlannedRow {
  if (lastAt?.at !== at || lastAt.time !== at.getTime()) lastAt = { at, time: at.getTime(), text: toSqlDate(at) };
  return { target: OUTBOX_TARGET, values: [key, value, lastAt.text], at };
}
