/**
 * The SQL table description of an API object (see {@link TableDescription}), and all
 * tables of an API in an order that creates referenced tables first.
 */
import type {
  ApiModel,
  AttributeModel,
  ColumnDescription,
  ForeignKeyDescription,
  IndexDescription,
  ObjectModel,
  TableDescription,
} from '../types.js';
import { DEFAULT_STRING_LENGTH, UUID_LENGTH } from './attribute-schema.js';
import { keyAttribute, objectNamed, valueAttribute } from './lookup.js';
import { indexName, tableName } from './naming.js';

/**
 * The column of one attribute. Types: string → `string` (its `length`, default 255);
 * uuid → `string` (36); integer → `integer`, or `bigint` for `format: int64`;
 * number → `float`; boolean → `boolean`; enum → `enum` with its values. A reference takes
 * the type and length of the referenced key. `nullable = !required && !primary`.
 */
function columnOf(api: ApiModel, object: ObjectModel, attr: AttributeModel): ColumnDescription {
  const value = valueAttribute(api, attr);
  const primaryKey = attr.name === object.primaryKey;
  const nullable = !attr.required && !primaryKey;
  const base = { name: attr.name, nullable, primaryKey, ...(attr.renamedFrom === undefined ? {} : { renamedFrom: [...attr.renamedFrom] }) };
  switch (value.type) {
    case 'string':
      return { ...base, type: 'string', length: value.length ?? DEFAULT_STRING_LENGTH };
    case 'uuid':
      return { ...base, type: 'string', length: UUID_LENGTH };
    case 'integer':
      return { ...base, type: value.format === 'int64' ? 'bigint' : 'integer' };
    case 'number':
      return { ...base, type: 'float' };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'enum':
      return { ...base, type: 'enum', values: [...(value.values ?? [])] };
  }
}

const META_COLUMNS: readonly ColumnDescription[] = [
  { name: 'created_at', type: 'datetime', nullable: false, primaryKey: false },
  { name: 'updated_at', type: 'datetime', nullable: false, primaryKey: false },
  { name: 'revision_number', type: 'integer', nullable: false, primaryKey: false },
];

/**
 * The table of `object`: attribute columns in model order, then `created_at`,
 * `updated_at` (datetime NOT NULL) and `revision_number` (integer NOT NULL); the primary
 * key; a foreign key per reference (to the referenced object's table and key column);
 * a non-unique index per reference or parent-key column that is not the primary key, and
 * a unique index over the natural key columns when the object has them, and one per
 * {@link uniqueSets} entry (`unique:` sets and allocated attributes with their scope). An attribute's
 * `renamed_from` becomes the column's `renamedFrom`, an object's the table's former table
 * names. Pure; the result is frozen.
 */
export function toTableDescription(api: ApiModel, object: ObjectModel): TableDescription {
  const name = tableName(api, object.name);
  const attrNames = new Set(object.attributes.map((a) => a.name));
  const columns = [
    ...object.attributes.map((attr) => columnOf(api, object, attr)),
    ...META_COLUMNS.filter((c) => !attrNames.has(c.name)),
  ];
  const foreignKeys: ForeignKeyDescription[] = [];
  const indexed: string[] = [];
  for (const attr of object.attributes) {
    if (attr.reference !== undefined) {
      const target = objectNamed(api, attr.reference);
      foreignKeys.push({
        column: attr.name,
        table: tableName(api, target.name),
        references: keyAttribute(target).name,
        object: target.name,
      });
    }
    const isParentKey = object.api.parentKey === attr.name;
    if ((attr.reference !== undefined || isParentKey) && attr.name !== object.primaryKey && !indexed.includes(attr.name)) {
      indexed.push(attr.name);
    }
  }
  const indexes: IndexDescription[] = indexed.map((column) => ({
    name: indexName(name, [column], 'idx'),
    columns: [column],
    unique: false,
  }));
  if (object.naturalKey.length > 0) {
    indexes.push({ name: indexName(name, object.naturalKey, 'uniq'), columns: [...object.naturalKey], unique: true });
  }
  for (const columns of uniqueSets(object)) {
    if (indexes.some((i) => i.unique && i.columns.join(',') === columns.join(','))) continue;
    indexes.push({ name: indexName(name, columns, 'uniq'), columns: [...columns], unique: true });
  }
  return Object.freeze({
    name,
    object: object.name,
    columns: Object.freeze(columns.map((c) => Object.freeze(c))),
    primaryKey: object.primaryKey,
    foreignKeys: Object.freeze(foreignKeys.map((f) => Object.freeze(f))),
    indexes: Object.freeze(indexes.map((i) => Object.freeze(i))),
    ...(object.renamedFrom === undefined ? {} : { renamedFrom: Object.freeze(object.renamedFrom.map((old) => tableName(api, old))) }),
  });
}

/**
 * The attribute sets an object keeps unique besides its keys: its `unique:` sets, then
 * `[scope, attribute]` (or `[attribute]`) of each allocated attribute.
 */
export function uniqueSets(object: ObjectModel): (readonly string[])[] {
  const sets: (readonly string[])[] = [...(object.unique ?? [])];
  for (const attr of object.attributes) {
    if (attr.allocate === undefined) continue;
    const set = attr.allocate.scope === undefined ? [attr.name] : [attr.allocate.scope, attr.name];
    if (!sets.some((s) => s.join(',') === set.join(','))) sets.push(set);
  }
  return sets;
}

/**
 * The tables of every object of `api`, referenced tables before the tables that reference
 * them (depth-first in model order; a reference cycle is cut where it closes, and a
 * self-reference is ignored), so they can be created one by one with their foreign keys.
 */
export function toTableDescriptions(api: ApiModel): TableDescription[] {
  const ordered: ObjectModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (object: ObjectModel): void => {
    if (state.has(object.name)) return;
    state.set(object.name, 'visiting');
    for (const attr of object.attributes) {
      if (attr.reference !== undefined && attr.reference !== object.name) visit(objectNamed(api, attr.reference));
    }
    state.set(object.name, 'done');
    ordered.push(object);
  };
  for (const object of api.objects) visit(object);
  return ordered.map((object) => toTableDescription(api, object));
}
