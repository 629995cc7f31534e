import type { FastifyInstance } from 'fastify';
import { REVISION_FIELD } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { parseIfMatch } from './if-match.js';
import { respondWithSchema } from './lazy-response.js';
import { parentOption, setEtag, type ObjectRoute } from './object-route.js';
import { rejectQuery } from './query-parser.js';
import { prepareBody } from './request-body.js';
import type { GluonRequestContext, UpdateWrite } from './types.js';

/**
 * The stored object handed to an `update` hook: only when the caller's If-Match (if any)
 * names its revision, so a hook guarding its write by that revision never weakens the
 * caller's own precondition.
 */
function snapshotFor(stored: StoredObject | undefined, ifRevision: number | undefined): StoredObject | undefined {
  if (stored === undefined || ifRevision === undefined) return stored;
  return stored[REVISION_FIELD] === ifRevision ? stored : undefined;
}

/** The store update of a PUT: the caller's If-Match wins over a hook's own guard. */
function storeWrite(route: ObjectRoute, context: GluonRequestContext, ifRevision: number | undefined): UpdateWrite {
  const { plan, store } = route;
  return (values, guard) => {
    const revision = ifRevision ?? guard?.ifRevision;
    return store.update(plan.api, plan.object, context.key ?? '', values, {
      ...(revision === undefined ? {} : { ifRevision: revision }),
      ...(guard?.urgent === true ? { urgent: true } : {}),
      ...parentOption(context.parent),
    });
  };
}

/**
 * `PUT <member>`: updates an object with the patch sent, honouring `If-Match`. An
 * `update` hook may perform the write itself (port binding waits there for the shim's
 * result; `updateQuery` names the query parameters it reads, e.g. `bind_timeout`).
 */
export function registerUpdateRoute(scope: FastifyInstance, route: ObjectRoute): void {
  const { plan, schemas, hooks } = route;
  const respond = respondWithSchema(schemas.response);
  scope.route({
    method: 'PUT',
    url: route.path,
    schema: { body: structuredClone(schemas.update) },
    preValidation: async (request) => {
      rejectQuery(request.url, hooks.updateQuery?.(plan.object) ?? []);
      request.body = prepareBody({ plan, resolved: route.resolve(request), mode: 'update' }, request.body);
    },
    handler: async (request, reply) => {
      const ifRevision = parseIfMatch(request.headers['if-match']);
      const context = await route.begin(request, 'update');
      await route.checkParents(request, false);
      let stored: StoredObject | undefined;
      if (hooks.authorizeStored !== undefined) {
        stored = await route.readMember(context);
        await hooks.authorizeStored(request, context, stored, request.body as Record<string, unknown>);
      }
      const patch = await route.beforeWrite(request, context, request.body as Record<string, unknown>);
      const write = storeWrite(route, context, ifRevision);
      const snapshot = snapshotFor(stored, ifRevision);
      const updated = hooks.update === undefined ? await write(patch) : await hooks.update(request, context, { patch, write, ...(snapshot === undefined ? {} : { stored: snapshot }) });
      const result = (await route.afterWrite(request, context, updated)) ?? updated;
      setEtag(reply, result);
      return respond(reply, result);
    },
  });
}
