import type { FastifyInstance } from 'fastify';
import { toObjectSchemas, toRoutes, type ApiModel } from '../model/index.js';
import type { ProtonStore } from '../store/index.js';
import { registerCreateRoute } from './create-route.js';
import { registerDeleteRoute } from './delete-route.js';
import { registerGetRoute } from './get-route.js';
import { registerListRoute } from './list-route.js';
import { ObjectRoute, type ObjectSchemas } from './object-route.js';
import { planRoute } from './route-plan.js';
import type { ProtonHooks } from './types.js';
import { registerUpdateRoute } from './update-route.js';
import type { WatchHandler } from './watch-routes.js';

/** Options of {@link registerObjectRoutes}. */
export interface ObjectRouteOptions {
  readonly store: ProtonStore;
  readonly hooks: ProtonHooks;
  /** Registers 405 answers for the other methods of a path. */
  readonly notAllowed: (instance: FastifyInstance, path: string, allowed: readonly string[]) => void;
  /** Serves `?watch=true` on collection routes (see watch-routes.ts). */
  readonly watch?: WatchHandler;
}

/** `GET` (list) and `POST` (create) on a collection, top-level or under a parent. */
function registerCollectionRoutes(scope: FastifyInstance, route: ObjectRoute): void {
  registerListRoute(scope, route);
  registerCreateRoute(scope, route);
  route.notAllowed(scope, route.path, ['GET', 'POST']);
}

/** `GET`, `PUT` (an update, or a bind through the `update` hook) and `DELETE` on a member. */
function registerMemberRoutes(scope: FastifyInstance, route: ObjectRoute): void {
  registerGetRoute(scope, route);
  registerUpdateRoute(scope, route);
  registerDeleteRoute(scope, route);
  route.notAllowed(scope, route.path, ['GET', 'PUT', 'DELETE']);
}

/** Registers the routes of one API version (every route the model derives). */
function registerApiRoutes(scope: FastifyInstance, api: ApiModel, options: ObjectRouteOptions): void {
  const schemasByObject = new Map<string, ObjectSchemas>();
  for (const description of toRoutes(api)) {
    const plan = planRoute(api, description);
    let schemas = schemasByObject.get(plan.object.name);
    if (schemas === undefined) {
      schemas = toObjectSchemas(api, plan.object);
      schemasByObject.set(plan.object.name, schemas);
    }
    const route = new ObjectRoute({ ...options, plan, schemas, path: `/${api.name}/${api.versionId}${description.path}` });
    if (description.kind === 'collection') registerCollectionRoutes(scope, route);
    else registerMemberRoutes(scope, route);
  }
}

/** Registers collection and member routes for every route of every API (inside the `/proton` scope). */
export function registerObjectRoutes(scope: FastifyInstance, apis: readonly ApiModel[], options: ObjectRouteOptions): void {
  for (const api of apis) registerApiRoutes(scope, api, options);
}
