import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GluonError, ValidationError } from '../errors/index.js';
import {
  READ_ONLY_FIELDS,
  createSchemaForChildRoute,
  toObjectSchemas,
  toRoutes,
  type ApiModel,
  type ObjectModel,
  type PolicyAction,
  type RouteDescription,
} from '../model/index.js';
import type { ListQuery, ParentScope, ProtonStore, StoredObject } from '../store/index.js';
import { coerceBody } from './coerce.js';
import { baseUrl } from './discovery-routes.js';
import { missingBody } from './fault.js';
import { etagFor, parseIfMatch } from './if-match.js';
import { parseListQuery, parseMemberQuery, pickFields, queryEntries, rejectQuery } from './query-parser.js';
import type { GluonRequestContext, ProtonHooks } from './types.js';
import { invalidInput, readTypedText } from './typed-text.js';
import type { WatchHandler } from './watch-routes.js';
import { wantsWatch } from './watch-query.js';

/** Options of {@link registerObjectRoutes}. */
export interface ObjectRouteOptions {
  readonly store: ProtonStore;
  readonly hooks: ProtonHooks;
  /** Registers 405 answers for the other methods of a path. */
  readonly notAllowed: (instance: FastifyInstance, path: string, allowed: readonly string[]) => void;
  /** Serves `?watch=true` on collection routes (see watch-routes.ts). */
  readonly watch?: WatchHandler;
}

interface ParentParam {
  readonly param: string;
  readonly object: ObjectModel;
  /** Attribute of the next object down holding this parent's key. */
  readonly childKey: string;
}

/** Everything a handler needs about its route, resolved once at registration. */
interface RoutePlan {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly route: RouteDescription;
  readonly parents: readonly ParentParam[];
  readonly keyParam?: string;
}

function objectNamed(api: ApiModel, name: string): ObjectModel {
  const object = api.objects.find((candidate) => candidate.name === name);
  if (object === undefined) throw new GluonError('GLUON_ERR_INTERNAL', `Route names unknown object ${name} of ${api.name}`);
  return object;
}

function planRoute(api: ApiModel, route: RouteDescription): RoutePlan {
  const object = objectNamed(api, route.object);
  const parents: ParentParam[] = [];
  let keyParam: string | undefined;
  for (const param of route.params) {
    if (param.childKey === undefined) keyParam = param.param;
    else parents.push({ param: param.param, object: objectNamed(api, param.object), childKey: param.childKey });
  }
  return keyParam === undefined || route.kind === 'collection'
    ? { api, object, route, parents }
    : { api, object, route, parents, keyParam };
}

/** Reads one URL key with its object's primary key type (400 in the original's words). */
function readKey(object: ObjectModel, field: string, text: string): string {
  const pk = object.attributes.find((a) => a.name === object.primaryKey);
  if (pk === undefined) return text;
  const typed = readTypedText(pk, text);
  if (typed.ok) return text;
  throw new ValidationError(invalidInput(field, text, typed.message), [
    { field, rule: typed.rule, value: text, message: typed.message },
  ]);
}

interface ResolvedParams {
  readonly parents: readonly { readonly object: ObjectModel; readonly key: string; readonly childKey: string }[];
  readonly key?: string;
}

function resolveParams(plan: RoutePlan, params: Readonly<Record<string, string>>): ResolvedParams {
  const parents = plan.parents.map((parent) => ({
    object: parent.object,
    key: readKey(parent.object, parent.param, params[parent.param] ?? ''),
    childKey: parent.childKey,
  }));
  if (plan.keyParam === undefined) return { parents };
  return { parents, key: readKey(plan.object, 'key', params[plan.keyParam] ?? '') };
}

function scopeOf(parents: ResolvedParams['parents']): ParentScope | undefined {
  const last = parents[parents.length - 1];
  return last === undefined ? undefined : { key: last.childKey, value: last.key };
}

/**
 * Checks that every parent in the URL exists under its own parent (404 otherwise) and,
 * with an `authorizeStored` hook, that the caller may `get` it: a parent the caller may
 * not see answers exactly the 404 of a parent that does not exist (no existence oracle).
 * Without that hook, on a member route (`collection` false) the first parent need not be
 * read on its own: the second is read under it, and the store's parent scope checks the
 * last link.
 */
async function checkParents(store: ProtonStore, hooks: ProtonHooks, request: FastifyRequest, api: ApiModel, parents: ResolvedParams['parents'], collection: boolean): Promise<void> {
  const authorize = hooks.authorizeStored;
  for (let i = collection || authorize !== undefined ? 0 : 1; i < parents.length; i++) {
    const parent = parents[i];
    if (parent === undefined) continue;
    const above = i > 0 ? parents[i - 1] : undefined;
    const stored = await store.get(api, parent.object, parent.key, above === undefined ? {} : { parent: { key: above.childKey, value: above.key } });
    if (authorize !== undefined) {
      const context: GluonRequestContext = { api, object: parent.object, action: 'get', key: parent.key, parents: parents.slice(0, i).map((p) => ({ object: p.object, key: p.key })) };
      await authorize(request, context, stored);
    }
  }
}

function contextOf(plan: RoutePlan, action: PolicyAction, resolved: ResolvedParams): GluonRequestContext {
  const parent = scopeOf(resolved.parents);
  return {
    api: plan.api,
    object: plan.object,
    action,
    ...(resolved.key === undefined ? {} : { key: resolved.key }),
    ...(parent === undefined ? {} : { parent }),
    parents: resolved.parents.map((p) => ({ object: p.object, key: p.key })),
  };
}

function readOnlyError(field: string, value: unknown): GluonError {
  const why = 'Cannot set read only field.';
  return new GluonError('GLUON_ERR_IMMUTABLE_FIELD', invalidInput(field, value, why), {
    details: [{ field, rule: 'readOnly', value, message: why }],
  });
}

/**
 * Checks and shapes a POST/PUT body before schema validation: present and an object,
 * no read-only fields, parent key consistent with the URL (filled in on create), the
 * primary key unchanged on update, then booleans/integers coerced as the original did.
 */
function prepareBody(plan: RoutePlan, resolved: ResolvedParams, body: unknown, mode: 'create' | 'update'): Record<string, unknown> {
  if (body === undefined || body === null) throw missingBody();
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError(invalidInput('body', body, 'Wrong type. Expected a JSON object.'), [
      { field: 'body', rule: 'type', value: body, message: 'the body must be a JSON object' },
    ]);
  }
  const values: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const declared = new Set(plan.object.attributes.map((a) => a.name));
  for (const field of READ_ONLY_FIELDS) {
    if (Object.hasOwn(values, field) && !declared.has(field)) throw readOnlyError(field, values[field]);
  }
  const scope = scopeOf(resolved.parents);
  if (scope !== undefined) {
    const sent = values[scope.key];
    if (sent === undefined || (sent === null && mode === 'create')) {
      if (mode === 'create') values[scope.key] = scope.value;
    } else if (sent !== scope.value) {
      const message = `API parent identifier(${scope.key}): ${String(sent)} does not match parent key value: ${scope.value}`;
      throw new GluonError('GLUON_ERR_PARENT_MISMATCH', message, {
        details: [{ field: scope.key, rule: 'parent', value: sent, message: `must equal the parent id in the URL (${scope.value})`, allowed: [scope.value] }],
      });
    }
  }
  if (mode === 'update' && resolved.key !== undefined && Object.hasOwn(values, plan.object.primaryKey)) {
    const sent = values[plan.object.primaryKey];
    if (sent !== resolved.key) {
      const why = `The primary key cannot be changed (URL key: ${resolved.key}).`;
      throw new GluonError('GLUON_ERR_IMMUTABLE_FIELD', invalidInput(plan.object.primaryKey, sent, why), {
        details: [{ field: plan.object.primaryKey, rule: 'immutable', value: sent, message: why, allowed: [resolved.key] }],
      });
    }
    delete values[plan.object.primaryKey];
  }
  return coerceBody(plan.object, values);
}

function setEtag(reply: FastifyReply, item: StoredObject): void {
  const etag = etagFor(item['revision_number']);
  if (etag !== undefined) void reply.header('etag', etag);
}

/** The `next` link of a list page: the same URL and query, with the new marker. */
function nextLink(request: FastifyRequest, nextMarker: string): string {
  const path = request.url.split('?')[0] ?? '';
  const params = new URLSearchParams();
  for (const [name, value] of queryEntries(request.url)) if (name !== 'marker') params.append(name, value);
  params.append('marker', nextMarker);
  return `${baseUrl(request, '')}${path}?${params.toString()}`;
}

/**
 * ANDs extra filters (from the `listFilters` hook) with the caller's: for a key in both,
 * only values in both remain (null when none remains: the list is empty).
 */
function restrictQuery(query: ListQuery, extra: Readonly<Record<string, readonly unknown[]>> | undefined): ListQuery | null {
  if (extra === undefined) return query;
  const filters: Record<string, readonly unknown[]> = { ...(query.filters ?? {}) };
  for (const [key, allowed] of Object.entries(extra)) {
    const asked = filters[key];
    const kept = asked === undefined ? allowed : asked.filter((value) => allowed.some((a) => String(a) === String(value)));
    if (kept.length === 0) return null;
    filters[key] = kept;
  }
  return { ...query, filters };
}

const kPrepared = Symbol('gluon.prepared');
type PreparedRequest = FastifyRequest & { [kPrepared]?: ResolvedParams };

/** Registers collection and member routes for every route of every API (inside the `/proton` scope). */
export function registerObjectRoutes(scope: FastifyInstance, apis: readonly ApiModel[], options: ObjectRouteOptions): void {
  const { store, hooks } = options;

  for (const api of apis) {
    const schemasByObject = new Map<string, ReturnType<typeof toObjectSchemas>>();
    const schemasOf = (object: ObjectModel): ReturnType<typeof toObjectSchemas> => {
      let schemas = schemasByObject.get(object.name);
      if (schemas === undefined) {
        schemas = toObjectSchemas(api, object);
        schemasByObject.set(object.name, schemas);
      }
      return schemas;
    };

    for (const route of toRoutes(api)) {
      const plan = planRoute(api, route);
      const schemas = schemasOf(plan.object);
      const path = `/${api.name}/${api.versionId}${route.path}`;
      const params = (request: FastifyRequest): Readonly<Record<string, string>> => request.params as Record<string, string>;

      const resolve = (request: FastifyRequest): ResolvedParams => {
        const prepared = (request as PreparedRequest)[kPrepared];
        if (prepared !== undefined) return prepared;
        const resolved = resolveParams(plan, params(request));
        (request as PreparedRequest)[kPrepared] = resolved;
        return resolved;
      };
      const begin = async (request: FastifyRequest, action: PolicyAction): Promise<GluonRequestContext> => {
        const resolved = resolve(request);
        const context = contextOf(plan, action, resolved);
        request.gluon = context;
        await hooks.authorize?.(request, context);
        return context;
      };
      const beforeWrite = async (request: FastifyRequest, context: GluonRequestContext, values: Record<string, unknown>) =>
        (await hooks.beforeWrite?.(request, context, values)) ?? values;
      const afterWrite = async (request: FastifyRequest, context: GluonRequestContext, result: StoredObject | null) =>
        (await hooks.afterWrite?.(request, context, result)) ?? result;

      if (route.kind === 'collection') {
        const createSchema = plan.parents.length > 0 ? createSchemaForChildRoute(api, plan.object) : schemas.create;
        scope.route({
          method: 'GET',
          url: path,
          schema: { response: { 200: structuredClone(schemas.list) } },
          handler: async (request, reply) => {
            const context = await begin(request, 'list');
            if (options.watch !== undefined && wantsWatch(request.url)) {
              await checkParents(store, hooks, request, api, resolve(request).parents, true);
              return options.watch(request, reply, { api, object: plan.object, context, responseSchema: schemas.response });
            }
            const parsed = parseListQuery(plan.object, request.url);
            await checkParents(store, hooks, request, api, resolve(request).parents, true);
            const parent = context.parent;
            const query = restrictQuery(parsed.query, await hooks.listFilters?.(request, context));
            const page = query === null ? { items: [] } : await store.list(api, plan.object, query, parent === undefined ? {} : { parent });
            const items = parsed.fields === undefined ? page.items : page.items.map((item) => pickFields(item, parsed.fields ?? []));
            const plural = plan.object.api.plural;
            const body: Record<string, unknown> = { [plural]: items };
            if (page.nextMarker !== undefined) {
              body[`${plural}_links`] = [{ href: nextLink(request, page.nextMarker), rel: 'next' }];
            }
            return body;
          },
        });
        scope.route({
          method: 'POST',
          url: path,
          schema: { body: structuredClone(createSchema), response: { 201: structuredClone(schemas.response) } },
          preValidation: async (request) => {
            rejectQuery(request.url);
            request.body = prepareBody(plan, resolve(request), request.body, 'create');
          },
          handler: async (request, reply) => {
            const context = await begin(request, 'create');
            await checkParents(store, hooks, request, api, resolve(request).parents, true);
            const values = await beforeWrite(request, context, request.body as Record<string, unknown>);
            const parent = context.parent;
            const created = await store.create(api, plan.object, values, parent === undefined ? {} : { parent });
            const result = (await afterWrite(request, context, created)) ?? created;
            setEtag(reply, result);
            return reply.code(201).send(result);
          },
        });
        options.notAllowed(scope, path, ['GET', 'POST']);
      } else {
        scope.route({
          method: 'GET',
          url: path,
          schema: { response: { 200: structuredClone(schemas.response) } },
          handler: async (request, reply) => {
            const context = await begin(request, 'get');
            const fields = parseMemberQuery(plan.object, request.url);
            await checkParents(store, hooks, request, api, resolve(request).parents, false);
            const parent = context.parent;
            const item = await store.get(api, plan.object, context.key ?? '', parent === undefined ? {} : { parent });
            await hooks.authorizeStored?.(request, context, item);
            setEtag(reply, item);
            return fields === undefined ? item : pickFields(item, fields);
          },
        });
        scope.route({
          method: 'PUT',
          url: path,
          schema: { body: structuredClone(schemas.update), response: { 200: structuredClone(schemas.response) } },
          preValidation: async (request) => {
            rejectQuery(request.url, hooks.updateQuery?.(plan.object) ?? []);
            request.body = prepareBody(plan, resolve(request), request.body, 'update');
          },
          handler: async (request, reply) => {
            const ifRevision = parseIfMatch(request.headers['if-match']);
            const context = await begin(request, 'update');
            await checkParents(store, hooks, request, api, resolve(request).parents, false);
            const parent = context.parent;
            let stored: StoredObject | undefined;
            if (hooks.authorizeStored !== undefined) {
              stored = await store.get(api, plan.object, context.key ?? '', parent === undefined ? {} : { parent });
              await hooks.authorizeStored(request, context, stored, request.body as Record<string, unknown>);
            }
            const patch = await beforeWrite(request, context, request.body as Record<string, unknown>);
            // the caller's If-Match wins over a hook's own guard
            const write = (values: Readonly<Record<string, unknown>>, guard?: { readonly ifRevision?: number; readonly urgent?: boolean }): Promise<StoredObject> => {
              const revision = ifRevision ?? guard?.ifRevision;
              return store.update(api, plan.object, context.key ?? '', values, {
                ...(revision === undefined ? {} : { ifRevision: revision }),
                ...(guard?.urgent === true ? { urgent: true } : {}),
                ...(parent === undefined ? {} : { parent }),
              });
            };
            const updated = hooks.update === undefined ? await write(patch) : await hooks.update(request, context, patch, write, snapshotFor(stored, ifRevision));
            const result = (await afterWrite(request, context, updated)) ?? updated;
            setEtag(reply, result);
            return result;
          },
        });
        scope.route({
          method: 'DELETE',
          url: path,
          handler: async (request, reply) => {
            rejectQuery(request.url);
            const ifRevision = parseIfMatch(request.headers['if-match']);
            const context = await begin(request, 'delete');
            await checkParents(store, hooks, request, api, resolve(request).parents, false);
            const parent = context.parent;
            if (hooks.authorizeStored !== undefined) {
              const stored = await store.get(api, plan.object, context.key ?? '', parent === undefined ? {} : { parent });
              await hooks.authorizeStored(request, context, stored);
            }
            await store.delete(api, plan.object, context.key ?? '', {
              ...(ifRevision === undefined ? {} : { ifRevision }),
              ...(parent === undefined ? {} : { parent }),
            });
            await afterWrite(request, context, null);
            return reply.code(204).send();
          },
        });
        options.notAllowed(scope, path, ['GET', 'PUT', 'DELETE']);
      }
    }
  }
}

/**
 * The stored object handed to an `update` hook: only when the caller's If-Match (if any)
 * names its revision, so a hook guarding its write by that revision never weakens the
 * caller's own precondition.
 */
function snapshotFor(stored: StoredObject | undefined, ifRevision: number | undefined): StoredObject | undefined {
  if (stored === undefined || ifRevision === undefined) return stored;
  return stored['revision_number'] === ifRevision ? stored : undefined;
}
