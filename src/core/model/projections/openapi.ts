/**
 * An OpenAPI 3.0 document for a set of APIs, derived from their routes and JSON Schemas.
 * The HTTP part serves it at `/proton/openapi.json` (and feeds it to `@fastify/swagger`
 * in static mode).
 */
import type { ApiModel, JsonSchema, ObjectModel, RouteDescription } from '../types.js';
import type { SchemaObject } from './attribute-schema.js';
import { toObjectSchemas } from './json-schema.js';
import { objectNamed } from './lookup.js';
import { toListQuerySchema, toRouteParamsSchema } from './request-schemas.js';
import { toRoutes, versionRoot } from './routes.js';

/** Options of {@link toOpenApi}. */
export interface OpenApiOptions {
  /** `info.title`. */
  readonly title: string;
  /** `info.version` (the server's version, not an API's). */
  readonly version: string;
  /** `servers[0].url`, when known. */
  readonly serverUrl?: string;
  /** `info.description`. */
  readonly description?: string;
}

/** An OpenAPI 3.0 document (plain JSON). */
export type OpenApiDocument = Readonly<Record<string, unknown>>;

/** The fault body of every error response (the original's three keys, plus `code` and `details`). */
export const FAULT_SCHEMA: JsonSchema = Object.freeze({
  title: 'Fault',
  description: 'An error. `faultcode` is `Client` for a 4xx and `Server` for a 5xx; `details` has one entry per bad field.',
  type: 'object',
  properties: {
    faultcode: { type: 'string', enum: ['Client', 'Server'] },
    faultstring: { type: 'string', description: 'What went wrong and what to change.' },
    debuginfo: { type: 'string', nullable: true },
    code: { type: 'string', description: 'Stable error code, e.g. `GLUON_ERR_VALIDATION` (see docs/errors.md).' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string', description: 'The field (or path) at fault.' },
          rule: { type: 'string', description: 'The rule broken: `required`, `maxLength`, `format`, `enum`…' },
          value: { description: 'The value received.' },
          message: { type: 'string' },
        },
        required: ['field', 'rule', 'message'],
      },
    },
  },
  required: ['faultcode', 'faultstring', 'debuginfo'],
});

const FAULT_STATUSES = {
  '400': 'The request is invalid (body, parameters or query); `details` names each bad field.',
  '401': 'No valid credentials were sent.',
  '403': 'The policy denies this action.',
  '404': 'No such object (or not under the parent named in the URL).',
  '409': 'Conflicts with stored state (duplicate key, object in use).',
  '412': 'The `If-Match` revision is not the current one.',
} as const;
type FaultStatus = keyof typeof FAULT_STATUSES;

/**
 * A JSON Schema of this folder in OpenAPI 3.0's dialect: `false` property schemas (read-only
 * fields in bodies) are dropped, and the `nullable` + `not: {const: null}` pair that
 * rejects null robustly under coercion becomes a plain non-nullable schema.
 */
export function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as SchemaObject;
  const out: SchemaObject = {};
  const rejectsNull =
    source['nullable'] === true &&
    ((typeof source['not'] === 'object' && source['not'] !== null && (source['not'] as SchemaObject)['const'] === null) ||
      (Array.isArray(source['enum']) && !(source['enum'] as unknown[]).includes(null)));
  for (const [key, value] of Object.entries(source)) {
    if (rejectsNull && (key === 'nullable' || key === 'not')) continue;
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      const props: SchemaObject = {};
      for (const [name, prop] of Object.entries(value as SchemaObject)) {
        if (prop !== false) props[name] = toOpenApiSchema(prop);
      }
      out[key] = props;
    } else {
      out[key] = toOpenApiSchema(value);
    }
  }
  return out;
}

function openApiPath(api: ApiModel, route: RouteDescription): string {
  return versionRoot(api) + route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function componentName(api: ApiModel, object: ObjectModel, suffix: string): string {
  return `${api.name}.${api.versionId}.${object.name}${suffix}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

function ref(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

function faults(...statuses: FaultStatus[]): Record<string, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/Fault${s}` }]));
}

function jsonBody(schema: unknown, description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema } } };
}

const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'Only act if the object is at this revision (`revision_number=N`); otherwise 412.',
  schema: { type: 'string', pattern: '^revision_number=[0-9]+$' },
};

/** The operations of one route. */
function operations(
  api: ApiModel,
  route: RouteDescription,
  components: Record<string, unknown>,
): Record<string, unknown> {
  const object = objectNamed(api, route.object);
  const tag = `${api.name} ${api.versionId} ${object.api.plural}`;
  const parents = route.params.filter((p) => p.childKey !== undefined).map((p) => p.object);
  const scope = parents.length === 0 ? '' : `Under${[...parents].reverse().join('Under')}`;
  const opId = (verb: string): string => `${api.name}.${api.versionId}.${verb}${object.name}${scope}`;
  const where = parents.length === 0 ? '' : ` under the ${parents[parents.length - 1] ?? ''} in the URL`;
  const paramsSchema = toRouteParamsSchema(api, route) as SchemaObject;
  const pathParams = route.params.map((p) => ({
    name: p.param,
    in: 'path',
    required: true,
    schema: toOpenApiSchema((paramsSchema['properties'] as SchemaObject)[p.param]),
  }));
  // every operation of a DEPRECATED version is marked so (its answers carry a Deprecation header);
  // `x-gluon-name`: the object's singular `api.name`, which clients name their commands after
  const common = { tags: [tag], 'x-gluon-name': object.api.name, parameters: pathParams, ...(api.status === 'DEPRECATED' ? { deprecated: true } : {}) };
  const one = ref(componentName(api, object, ''));
  if (route.kind === 'collection') {
    const query = toListQuerySchema(api, object) as SchemaObject;
    const queryParams = Object.entries(query['properties'] as SchemaObject).map(([name, raw]) => {
      const schema = toOpenApiSchema(raw) as SchemaObject;
      const { description, ...rest } = schema;
      const param: SchemaObject = { name, in: 'query', required: false, schema: rest };
      if (description !== undefined) param['description'] = description;
      if (rest['type'] === 'array') {
        param['style'] = 'form';
        param['explode'] = true;
      }
      return param;
    });
    let createName = componentName(api, object, 'Create');
    if (parents.length > 0) {
      createName = componentName(api, object, 'CreateUnderParent');
      components[createName] ??= toOpenApiSchema(toObjectSchemas(api, object, { parentKeyFromUrl: true }).create);
    }
    return {
      get: {
        ...common,
        operationId: opId('list'),
        summary: `List ${object.api.plural}${where}`,
        parameters: [...pathParams, ...queryParams],
        responses: { '200': jsonBody(ref(componentName(api, object, 'List')), `A page of ${object.api.plural}`), ...faults('400', '401', '403', '404') },
      },
      post: {
        ...common,
        operationId: opId('create'),
        summary: `Create a ${object.name}${where}`,
        requestBody: { required: true, content: { 'application/json': { schema: ref(createName) } } },
        responses: { '201': jsonBody(one, `The ${object.name} created`), ...faults('400', '401', '403', '404', '409') },
      },
    };
  }
  return {
    get: {
      ...common,
      operationId: opId('get'),
      summary: `Show a ${object.name}${where}`,
      responses: { '200': jsonBody(one, `The ${object.name}`), ...faults('400', '401', '403', '404') },
    },
    put: {
      ...common,
      operationId: opId('update'),
      summary: `Update a ${object.name}${where} (only the attributes sent)`,
      parameters: [...pathParams, IF_MATCH],
      requestBody: { required: true, content: { 'application/json': { schema: ref(componentName(api, object, 'Update')) } } },
      responses: { '200': jsonBody(one, `The ${object.name} updated`), ...faults('400', '401', '403', '404', '409', '412') },
    },
    delete: {
      ...common,
      operationId: opId('delete'),
      summary: `Delete a ${object.name}${where}`,
      parameters: [...pathParams, IF_MATCH],
      responses: { '204': { description: 'Deleted' }, ...faults('400', '401', '403', '404', '409', '412') },
    },
  };
}

/**
 * The OpenAPI 3.0.3 document of `apis`: every route of every API under
 * `/proton/<api>/<versionId>` (`{param}` syntax), request bodies and responses from
 * {@link toObjectSchemas} (as `components.schemas` named `<api>.<versionId>.<Object>`,
 * `…Create`, `…CreateUnderParent`, `…Update`, `…List`), the list query parameters
 * (filters, `fields`, `limit`, `marker`, `sort_key`, `sort_dir`), `If-Match` on PUT and
 * DELETE, the {@link FAULT_SCHEMA} for every 4xx, and on every operation the object's
 * singular `api.name` as `x-gluon-name` (the `gluon`/`protonclient` command names). Pure
 * and deterministic.
 */
export function toOpenApi(apis: readonly ApiModel[], options: OpenApiOptions): OpenApiDocument {
  const schemas: Record<string, unknown> = { Fault: toOpenApiSchema(FAULT_SCHEMA) };
  const paths: Record<string, unknown> = {};
  const tags: { name: string; description: string }[] = [];
  for (const api of apis) {
    for (const object of api.objects) {
      const s = toObjectSchemas(api, object);
      schemas[componentName(api, object, '')] = toOpenApiSchema(s.response);
      schemas[componentName(api, object, 'Create')] = toOpenApiSchema(s.create);
      schemas[componentName(api, object, 'Update')] = toOpenApiSchema(s.update);
      schemas[componentName(api, object, 'List')] = toOpenApiSchema({
        ...s.list,
        properties: {
          [object.api.plural]: { type: 'array', items: ref(componentName(api, object, '')) },
          [`${object.api.plural}_links`]: (s.list['properties'] as SchemaObject)[`${object.api.plural}_links`],
        },
      });
      tags.push({
        name: `${api.name} ${api.versionId} ${object.api.plural}`,
        description: object.description ?? `${object.name} of ${api.name} ${api.versionId}${api.description === undefined ? '' : ` (${api.description})`}`,
      });
    }
    for (const route of toRoutes(api)) {
      paths[openApiPath(api, route)] = operations(api, route, schemas);
    }
  }
  const responses = Object.fromEntries(
    Object.entries(FAULT_STATUSES).map(([status, description]) => [
      `Fault${status}`,
      jsonBody(ref('Fault'), description),
    ]),
  );
  const info: Record<string, unknown> = { title: options.title, version: options.version };
  if (options.description !== undefined) info['description'] = options.description;
  const doc: Record<string, unknown> = { openapi: '3.0.3', info };
  if (options.serverUrl !== undefined) doc['servers'] = [{ url: options.serverUrl }];
  doc['tags'] = tags;
  doc['paths'] = paths;
  doc['components'] = { schemas, responses };
  return doc;
}
