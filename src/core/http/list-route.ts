import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ListJsonPage, ListQuery } from '../store/index.js';
import { baseUrl } from './discovery-routes.js';
import { respondWithSchema } from './lazy-response.js';
import { parentOption, type ObjectRoute } from './object-route.js';
import { parseListQuery, pickFields, queryEntries } from './query-parser.js';
import { wantsWatch } from './watch-query.js';

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

/** Property types whose schema serializer writes a value just as `JSON.stringify` does. */
const PLAIN_TYPES: ReadonlySet<unknown> = new Set(['string', 'integer', 'boolean']);

/**
 * True when the response schema's serializer writes every object the store lists exactly
 * as `JSON.stringify` does: each property one plain type (nullable or not), nothing that
 * makes it choose between schemas. The store's JSON text can then be sent as it is.
 */
function servesStoredJson(response: Readonly<Record<string, unknown>>): boolean {
  const properties = response['properties'];
  if (typeof properties !== 'object' || properties === null) return false;
  return Object.values(properties).every((property: unknown) => {
    if (typeof property !== 'object' || property === null) return false;
    const schema = property as Readonly<Record<string, unknown>>;
    return PLAIN_TYPES.has(schema['type']) && !['anyOf', 'oneOf', 'allOf', 'if', '$ref'].some((keyword) => keyword in schema);
  });
}

/** The list body `{"<plural>": <items>, "<plural>_links"?: […]}` around a page's JSON text, as the list schema's serializer writes it. */
function listBody(plural: string, page: ListJsonPage, request: FastifyRequest): string {
  const links = page.nextMarker === undefined ? '' : `,${JSON.stringify(`${plural}_links`)}:${JSON.stringify([{ href: nextLink(request, page.nextMarker), rel: 'next' }])}`;
  return `{${JSON.stringify(plural)}:${page.json}${links}}`;
}

/** `GET <collection>`: a page of the list `{"<plural>": [...]}` (with a `next` link), or with `?watch=true` a stream of changes. */
export function registerListRoute(scope: FastifyInstance, route: ObjectRoute): void {
  const { plan, schemas, store, hooks } = route;
  const storedJson = servesStoredJson(schemas.response);
  const respond = respondWithSchema(schemas.list);
  scope.route({
    method: 'GET',
    url: route.path,
    handler: async (request, reply) => {
      const context = await route.begin(request, 'list');
      if (route.watch !== undefined && wantsWatch(request.url)) {
        await route.checkParents(request, true);
        return route.watch(request, reply, { api: plan.api, object: plan.object, context, responseSchema: schemas.response });
      }
      const parsed = parseListQuery(plan.object, request.url);
      await route.checkParents(request, true);
      const query = restrictQuery(parsed.query, await hooks.listFilters?.(request, context));
      const plural = plan.object.api.plural;
      if (query !== null && parsed.fields === undefined && storedJson && store.listJson !== undefined) {
        const text = await store.listJson(plan.api, plan.object, query, parentOption(context.parent));
        if (text !== undefined) return reply.type('application/json; charset=utf-8').send(listBody(plural, text, request));
      }
      const page = query === null ? { items: [] } : await store.list(plan.api, plan.object, query, parentOption(context.parent));
      const items = parsed.fields === undefined ? page.items : page.items.map((item) => pickFields(item, parsed.fields ?? []));
      const body: Record<string, unknown> = { [plural]: items };
      if (page.nextMarker !== undefined) body[`${plural}_links`] = [{ href: nextLink(request, page.nextMarker), rel: 'next' }];
      return respond(reply, body);
    },
  });
}
