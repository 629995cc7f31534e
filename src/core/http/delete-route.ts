import type { FastifyInstance } from 'fastify';
import { parseIfMatch } from './if-match.js';
import { parentOption, type ObjectRoute } from './object-route.js';
import { rejectQuery } from './query-parser.js';

/** `DELETE <member>` (204), honouring `If-Match`. */
export function registerDeleteRoute(scope: FastifyInstance, route: ObjectRoute): void {
  const { plan, store, hooks } = route;
  scope.route({
    method: 'DELETE',
    url: route.path,
    handler: async (request, reply) => {
      rejectQuery(request.url);
      const ifRevision = parseIfMatch(request.headers['if-match']);
      const context = await route.begin(request, 'delete');
      await route.checkParents(request, false);
      if (hooks.authorizeStored !== undefined) await hooks.authorizeStored(request, context, await route.readMember(context));
      await store.delete(plan.api, plan.object, context.key ?? '', {
        ...(ifRevision === undefined ? {} : { ifRevision }),
        ...parentOption(context.parent),
      });
      await route.afterWrite(request, context, null);
      return reply.code(204).send();
    },
  });
}
