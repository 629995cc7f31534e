import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REVISION_FIELD, type PolicyAction, type toObjectSchemas } from '../model/index.js';
import type { ParentScope, ProtonStore, StoredObject } from '../store/index.js';
import { etagFor } from './if-match.js';
import { checkParents } from './parent-check.js';
import { contextOf, resolveParams, type ResolvedParams, type RoutePlan } from './route-plan.js';
import type { GluonRequestContext, ProtonHooks } from './types.js';
import type { WatchHandler } from './watch-routes.js';

/** The JSON Schemas of one object's routes. */
export type ObjectSchemas = ReturnType<typeof toObjectSchemas>;

/** What the routes of one URL path share. */
export interface ObjectRouteOptions {
  readonly plan: RoutePlan;
  /** The URL path (`/<api>/<version>/…`). */
  readonly path: string;
  readonly schemas: ObjectSchemas;
  readonly store: ProtonStore;
  readonly hooks: ProtonHooks;
  /** Registers 405 answers for the other methods of a path. */
  readonly notAllowed: (instance: FastifyInstance, path: string, allowed: readonly string[]) => void;
  /** Serves `?watch=true` on collection routes. */
  readonly watch?: WatchHandler;
}

const kPrepared = Symbol('gluon.prepared');
type PreparedRequest = FastifyRequest & { [kPrepared]?: ResolvedParams };

/** One URL path of an object (a collection or a member): the steps its handlers share. */
export class ObjectRoute {
  readonly plan: RoutePlan;
  readonly path: string;
  readonly schemas: ObjectSchemas;
  readonly store: ProtonStore;
  readonly hooks: ProtonHooks;
  readonly watch: WatchHandler | undefined;
  readonly notAllowed: ObjectRouteOptions['notAllowed'];

  constructor(options: ObjectRouteOptions) {
    this.plan = options.plan;
    this.path = options.path;
    this.schemas = options.schemas;
    this.store = options.store;
    this.hooks = options.hooks;
    this.watch = options.watch;
    this.notAllowed = options.notAllowed;
  }

  /** The keys the request's URL names (read once per request). */
  resolve(request: FastifyRequest): ResolvedParams {
    const prepared = (request as PreparedRequest)[kPrepared];
    if (prepared !== undefined) return prepared;
    const resolved = resolveParams(this.plan, request.params as Record<string, string>);
    (request as PreparedRequest)[kPrepared] = resolved;
    return resolved;
  }

  /** Sets the request's context for `action` and asks the `authorize` hook. */
  async begin(request: FastifyRequest, action: PolicyAction): Promise<GluonRequestContext> {
    const context = contextOf(this.plan, action, this.resolve(request));
    request.gluon = context;
    await this.hooks.authorize?.(request, context);
    return context;
  }

  /** Checks the parents the URL names (see {@link checkParents}). */
  checkParents(request: FastifyRequest, collection: boolean): Promise<void> {
    const { store, hooks } = this;
    return checkParents(request, { store, hooks, api: this.plan.api, parents: this.resolve(request).parents, collection });
  }

  /** The values a write stores, after the `beforeWrite` hook. */
  async beforeWrite(request: FastifyRequest, context: GluonRequestContext, values: Record<string, unknown>): Promise<Readonly<Record<string, unknown>>> {
    return (await this.hooks.beforeWrite?.(request, context, values)) ?? values;
  }

  /** The object to answer, after the `afterWrite` hook. */
  async afterWrite(request: FastifyRequest, context: GluonRequestContext, result: StoredObject | null): Promise<StoredObject | null> {
    return (await this.hooks.afterWrite?.(request, context, result)) ?? result;
  }

  /** Reads the member the request names, under its parent scope. */
  readMember(context: GluonRequestContext): Promise<StoredObject> {
    return this.store.get(this.plan.api, this.plan.object, context.key ?? '', parentOption(context.parent));
  }
}

/** The store option of a parent scope (none without a parent). */
export function parentOption(parent: ParentScope | undefined): { readonly parent?: ParentScope } {
  return parent === undefined ? {} : { parent };
}

/** Sets the `ETag` of an answer from the object's revision. */
export function setEtag(reply: FastifyReply, item: StoredObject): void {
  const etag = etagFor(item[REVISION_FIELD]);
  if (etag !== undefined) void reply.header('etag', etag);
}
