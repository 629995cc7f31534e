import { GluonError, ValidationError } from '../errors/index.js';
import type { ApiModel, ObjectModel, PolicyAction, RouteDescription } from '../model/index.js';
import type { ParentScope } from '../store/index.js';
import type { GluonRequestContext } from './types.js';
import { invalidInput, readTypedText } from './typed-text.js';

/** A parent named in a route's URL. */
export interface ParentParam {
  readonly param: string;
  readonly object: ObjectModel;
  /** Attribute of the next object down holding this parent's key. */
  readonly childKey: string;
}

/** Everything a handler needs about its route, resolved once at registration. */
export interface RoutePlan {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly route: RouteDescription;
  readonly parents: readonly ParentParam[];
  readonly keyParam?: string;
}

/** A parent of a request, its key read from the URL. */
export interface ResolvedParent {
  readonly object: ObjectModel;
  readonly key: string;
  readonly childKey: string;
}

/** The keys a request's URL names: its parents' and, on a member route, its own. */
export interface ResolvedParams {
  readonly parents: readonly ResolvedParent[];
  readonly key?: string;
}

function objectNamed(api: ApiModel, name: string): ObjectModel {
  const object = api.objects.find((candidate) => candidate.name === name);
  if (object === undefined) throw new GluonError('GLUON_ERR_INTERNAL', `Route names unknown object ${name} of ${api.name}`);
  return object;
}

/** Resolves the objects a route names (its own and its parents'). */
export function planRoute(api: ApiModel, route: RouteDescription): RoutePlan {
  const object = objectNamed(api, route.object);
  const parents: ParentParam[] = [];
  let keyParam: string | undefined;
  for (const param of route.params) {
    if (param.childKey === undefined) keyParam = param.param;
    else parents.push({ param: param.param, object: objectNamed(api, param.object), childKey: param.childKey });
  }
  return keyParam === undefined || route.kind === 'collection' ? { api, object, route, parents } : { api, object, route, parents, keyParam };
}

/** Reads one URL key with its object's primary key type (400 in the original's words). */
function readKey(object: ObjectModel, field: string, text: string): string {
  const pk = object.attributes.find((a) => a.name === object.primaryKey);
  if (pk === undefined) return text;
  const typed = readTypedText(pk, text);
  if (typed.ok) return text;
  throw new ValidationError(invalidInput(field, text, typed.message), [{ field, rule: typed.rule, value: text, message: typed.message }]);
}

/** Reads the keys of a request's URL parameters. */
export function resolveParams(plan: RoutePlan, params: Readonly<Record<string, string>>): ResolvedParams {
  const parents = plan.parents.map((parent) => ({
    object: parent.object,
    key: readKey(parent.object, parent.param, params[parent.param] ?? ''),
    childKey: parent.childKey,
  }));
  if (plan.keyParam === undefined) return { parents };
  return { parents, key: readKey(plan.object, 'key', params[plan.keyParam] ?? '') };
}

/** The store's parent scope of a request: its nearest parent. */
export function scopeOf(parents: readonly ResolvedParent[]): ParentScope | undefined {
  const last = parents[parents.length - 1];
  return last === undefined ? undefined : { key: last.childKey, value: last.key };
}

/** The context handed to the hooks for `action` on a planned route. */
export function contextOf(plan: RoutePlan, action: PolicyAction, resolved: ResolvedParams): GluonRequestContext {
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
