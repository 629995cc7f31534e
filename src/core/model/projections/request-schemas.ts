/**
 * Schemas of the non-body parts of a request: URL parameters of a route and the query
 * string of a list.
 */
import type { ApiModel, JsonSchema, ObjectModel, RouteDescription } from '../types.js';
import { attributeValueSchema, type SchemaObject } from './attribute-schema.js';
import { READ_ONLY_FIELDS } from './json-schema.js';
import { keyAttribute, objectNamed } from './lookup.js';

/** Query parameters of a list that are not filters. */
export const LIST_CONTROL_PARAMETERS = ['fields', 'limit', 'marker', 'sort_key', 'sort_dir'] as const;

/**
 * The schema of a route's URL parameters: each holds the primary key of its object, so it
 * is checked like that key (a uuid key must look like a uuid: `/ports/not-a-uuid` is a 400).
 */
export function toRouteParamsSchema(api: ApiModel, route: RouteDescription): JsonSchema {
  const properties: Record<string, SchemaObject> = {};
  for (const param of route.params) {
    const key = keyAttribute(objectNamed(api, param.object));
    properties[param.param] = {
      ...attributeValueSchema(api, key),
      description: `${key.name} of the ${param.object}`,
    };
  }
  return { type: 'object', properties, required: route.params.map((p) => p.param), additionalProperties: false };
}

/**
 * The query-string schema of a list of `object` (Neutron style):
 * - `<attribute>=value` filters on an attribute; repeating it means OR, so each filter is an
 *   array (fastify's default `coerceTypes: 'array'` turns a single value into one);
 * - `fields` (repeatable) selects the attributes returned;
 * - `limit` (≥ 1) and `marker` (the primary key of the last object of the previous page) page;
 * - `sort_key` (an attribute, `created_at`, `updated_at` or `revision_number`) and
 *   `sort_dir` (`asc` | `desc`) sort.
 * A paging parameter wins over an attribute of the same name. Unknown parameters are a 400.
 */
export function toListQuerySchema(api: ApiModel, object: ObjectModel): JsonSchema {
  const properties: Record<string, SchemaObject> = {};
  const control = new Set<string>(LIST_CONTROL_PARAMETERS);
  for (const attr of object.attributes) {
    if (control.has(attr.name)) continue;
    const item = attributeValueSchema(api, attr, { typeOnly: true });
    delete item['description'];
    properties[attr.name] = { type: 'array', items: item, description: `Only ${object.api.plural} whose ${attr.name} is one of these values.` };
  }
  const sortable = [...object.attributes.map((a) => a.name), ...READ_ONLY_FIELDS.filter((f) => !object.attributes.some((a) => a.name === f))];
  const key = keyAttribute(object);
  properties['fields'] = {
    type: 'array',
    items: { type: 'string', enum: sortable },
    description: 'Return only these attributes.',
  };
  properties['limit'] = { type: 'integer', minimum: 1, description: 'At most this many objects per page.' };
  properties['marker'] = {
    ...attributeValueSchema(api, key, { typeOnly: true }),
    description: `Start after the ${object.name} with this ${key.name} (the last one of the previous page).`,
  };
  properties['sort_key'] = { type: 'string', enum: sortable, description: 'Sort by this attribute (default: the primary key).' };
  properties['sort_dir'] = { type: 'string', enum: ['asc', 'desc'], description: 'Sort direction (default: asc).' };
  return { type: 'object', properties, additionalProperties: false };
}
