/**
 * The routes of an API: a root collection and member for every object, and child routes
 * under the parent's member at every depth of the parent chain.
 */
import type { ApiModel, ObjectModel, RouteDescription, RouteParam } from '../types.js';
import { keyAttribute, parentChain } from './lookup.js';

const COLLECTION_METHODS = Object.freeze(['GET', 'POST'] as const);
const MEMBER_METHODS = Object.freeze(['GET', 'PUT', 'DELETE'] as const);

/** The URL root of one API version: `/proton/<api>/<versionId>`, e.g. `/proton/net-l3vpn/v1.0`. */
export function versionRoot(api: ApiModel): string {
  return `/proton/${api.name}/${api.versionId}`;
}

/** A name usable as a fastify parameter: every run of characters other than `[A-Za-z0-9_]` becomes `_`. */
function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_]+/g, '_');
}

/**
 * Names the parameters of one path. `chain` is outermost first and ends with the object
 * served. Rule: the member key is named after its object's primary key attribute (`id`),
 * and that name is reserved on the collection route too, so a collection and its member
 * share their parent parameter names; then each parent, nearest first, gets its own key attribute's name
 * when still free in this path, else `<singular api name>_<key>` (`port_id`), else that
 * name with `_2`, `_3`… appended. Characters outside `[A-Za-z0-9_]` become `_`.
 */
function nameParams(chain: readonly ObjectModel[]): string[] {
  const taken = new Set<string>();
  const names: string[] = new Array<string>(chain.length);
  const claim = (index: number): void => {
    const object = chain[index] as ObjectModel;
    const key = identifier(keyAttribute(object).name);
    let name = key;
    if (taken.has(name)) name = identifier(`${object.api.name}_${key}`);
    const base = name;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    names[index] = name;
  };
  const last = chain.length - 1;
  claim(last);
  for (let i = last - 1; i >= 0; i--) claim(i);
  return names;
}

/** The collection and member route of `object` under the given ancestors (outermost first). */
function routesUnder(ancestors: readonly ObjectModel[], object: ObjectModel): RouteDescription[] {
  const chain = [...ancestors, object];
  const out: RouteDescription[] = [];
  const names = nameParams(chain);
  for (const kind of ['collection', 'member'] as const) {
    const params: RouteParam[] = [];
    let path = '';
    ancestors.forEach((ancestor, i) => {
      const child = chain[i + 1] as ObjectModel;
      const param = names[i] as string;
      path += `/${ancestor.api.plural}/:${param}`;
      params.push(child.api.parentKey === undefined
        ? { param, object: ancestor.name }
        : { param, object: ancestor.name, childKey: child.api.parentKey });
    });
    path += `/${object.api.plural}`;
    if (kind === 'member') {
      const param = names[chain.length - 1] as string;
      path += `/:${param}`;
      params.push({ param, object: object.name });
    }
    out.push({
      kind,
      object: object.name,
      path,
      params,
      methods: kind === 'collection' ? COLLECTION_METHODS : MEMBER_METHODS,
    });
  }
  return out;
}

/**
 * Every route of `api`, relative to {@link versionRoot}, in model order: for each object its
 * root collection `/<plural>` and member `/<plural>/:<key>`, then, when it has a parent,
 * the same pair under its parent's member, under its grandparent's and parent's members,
 * and so on up the whole chain (`/ports/:port_id/interfaces`, `/ports/:port_id/interfaces/:id`).
 * Parameter naming is described at `nameParams`: the member key keeps its attribute name,
 * a parent whose key name is taken is prefixed with its singular API name. Collections
 * answer GET and POST, members GET, PUT and DELETE.
 */
export function toRoutes(api: ApiModel): RouteDescription[] {
  const routes: RouteDescription[] = [];
  for (const object of api.objects) {
    routes.push(...routesUnder([], object));
    const chain = parentChain(api, object);
    for (let depth = 1; depth <= chain.length; depth++) {
      const ancestors = chain.slice(0, depth).reverse();
      routes.push(...routesUnder(ancestors, object));
    }
  }
  return routes;
}
