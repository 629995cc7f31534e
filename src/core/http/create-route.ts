import type { FastifyInstance } from 'fastify';
import { createSchemaForChildRoute } from '../model/index.js';
import { respondWithSchema } from './lazy-response.js';
import { parentOption, setEtag, type ObjectRoute } from './object-route.js';
import { rejectQuery } from './query-parser.js';
import { prepareBody } from './request-body.js';

/**
 * `POST <collection>`: creates an object (201). On a child route (under a parent in the
 * URL) the body may leave out the parent key: the URL supplies it.
 */
export function registerCreateRoute(scope: FastifyInstance, route: ObjectRoute): void {
  const { plan, schemas, store } = route;
  const createSchema = plan.parents.length > 0 ? createSchemaForChildRoute(plan.api, plan.object) : schemas.create;
  const respond = respondWithSchema(schemas.response);
  scope.route({
    method: 'POST',
    url: route.path,
    schema: { body: structuredClone(createSchema) },
    preValidation: async (request) => {
      rejectQuery(request.url);
      request.body = prepareBody({ plan, resolved: route.resolve(request), mode: 'create' }, request.body);
    },
    handler: async (request, reply) => {
      const context = await route.begin(request, 'create');
      await route.checkParents(request, true);
      const values = await route.beforeWrite(request, context, request.body as Record<string, unknown>);
      const created = await store.create(plan.api, plan.object, values, parentOption(context.parent));
      const result = (await route.afterWrite(request, context, created)) ?? created;
      setEtag(reply, result);
      return respond(reply.code(201), result);
    },
  });
}
