import type { FastifyInstance } from 'fastify';
import { respondWithSchema } from './lazy-response.js';
import { setEtag, type ObjectRoute } from './object-route.js';
import { parseMemberQuery, pickFields } from './query-parser.js';

/** `GET <member>`: one object (with its `ETag`), `?fields=` picking some attributes. */
export function registerGetRoute(scope: FastifyInstance, route: ObjectRoute): void {
  const respond = respondWithSchema(route.schemas.response);
  scope.route({
    method: 'GET',
    url: route.path,
    handler: async (request, reply) => {
      const context = await route.begin(request, 'get');
      const fields = parseMemberQuery(route.plan.object, request.url);
      await route.checkParents(request, false);
      const item = await route.readMember(context);
      await route.hooks.authorizeStored?.(request, context, item);
      setEtag(reply, item);
      return respond(reply, fields === undefined ? item : pickFields(item, fields));
    },
  });
}
