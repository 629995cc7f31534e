import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../auth/index.js';
import type { ApiModel, ObjectModel, PolicyAction } from '../model/index.js';
import type { ProtonRegistry } from '../registry/index.js';
import type { ParentScope, ProtonStore, StoredObject } from '../store/index.js';
import type { ProtonWatchOptions } from './watch-routes.js';
import type { CapabilitiesOptions } from './capabilities-routes.js';

/** What the plugin knows about the request it is serving, set on `request.gluon`. */
export interface GluonRequestContext {
  /** The API version served. */
  readonly api: ApiModel;
  /** The API object served. */
  readonly object: ObjectModel;
  /** The operation, named like a policy action. */
  readonly action: PolicyAction;
  /** The member key from the URL (get, update, delete). */
  readonly key?: string;
  /** The immediate parent scope on a child route. */
  readonly parent?: ParentScope;
  /** Every parent along the URL, outermost first. */
  readonly parents: readonly {
    /** The parent's object model. */
    readonly object: ObjectModel;
    /** The parent's key, from the URL. */
    readonly key: string;
  }[];
}

/** Performs the store update of a PUT (If-Match and parent scope applied; `ifRevision` guards it when the caller sent no If-Match). */
export type UpdateWrite = (patch: Readonly<Record<string, unknown>>, options?: { readonly ifRevision?: number; readonly urgent?: boolean }) => Promise<StoredObject>;

/** What an `update` hook receives about the PUT it performs. */
export interface UpdateChange {
  /** The validated patch (after `beforeWrite`). */
  readonly patch: Readonly<Record<string, unknown>>;
  /** The store write the hook replaces (call it to store a patch). */
  readonly write: UpdateWrite;
  /** The object as read for `authorizeStored` just before (undefined without that hook). */
  readonly stored?: StoredObject;
}

/**
 * Extension points of the plugin. **Experimental**: port binding and
 * authorization plug in here; the shape may still change.
 */
export interface ProtonHooks {
  /**
   * Called first on every request under `/proton` (fastify `onRequest`); set
   * `request.identity` or throw a GluonError (e.g. 401). May set reply headers
   * (`WWW-Authenticate`) before throwing.
   */
  authenticate?(request: FastifyRequest, reply: FastifyReply): void | Promise<void>;
  /** Called before every object operation; throw a GluonError to refuse it. */
  authorize?(request: FastifyRequest, context: GluonRequestContext): void | Promise<void>;
  /**
   * Called for get, update and delete with the **stored** object (read under the URL's
   * parent scope) before the operation; for an update also with the patch the caller
   * sent. Throw a GluonError to refuse (404 to hide the object, 403 to deny).
   */
  authorizeStored?(
    request: FastifyRequest,
    context: GluonRequestContext,
    stored: StoredObject,
    patch?: Readonly<Record<string, unknown>>,
  ): void | Promise<void>;
  /**
   * Called for a list: extra filters (attribute → allowed values) ANDed with the
   * caller's query filters, e.g. `{ tenant_id: ['<project>'] }` to scope a list to the
   * caller's project. Return undefined for no restriction.
   */
  listFilters?(
    request: FastifyRequest,
    context: GluonRequestContext,
  ): Readonly<Record<string, readonly unknown[]>> | undefined | Promise<Readonly<Record<string, readonly unknown[]>> | undefined>;
  /**
   * Called with the validated values of a create (full body) or update (patch) right
   * before the store write; may return replacement values.
   */
  beforeWrite?(
    request: FastifyRequest,
    context: GluonRequestContext,
    values: Readonly<Record<string, unknown>>,
  ): void | Readonly<Record<string, unknown>> | Promise<void | Readonly<Record<string, unknown>>>;
  /**
   * Replaces the store write of an update (PUT): receives the validated patch (after
   * `beforeWrite`) and `write`, which performs the store update with If-Match and the
   * parent scope applied (and, when the caller sent no If-Match, `options.ifRevision` as
   * the guard); resolves with the object to answer (before `afterWrite`). `stored` is the
   * object as read for `authorizeStored` just before (undefined without that hook): a
   * hook may decide on it instead of reading again, guarding its write by its revision.
   * Port binding uses it to wait for the shim's result.
   */
  update?(request: FastifyRequest, context: GluonRequestContext, change: UpdateChange): Promise<StoredObject>;
  /**
   * Query parameters a PUT on `object` accepts (read by `update`, e.g. `bind_timeout` on
   * ports); any other query parameter is still a 400 `Unknown argument`.
   */
  updateQuery?(object: ObjectModel): readonly string[];
  /**
   * Called after a successful create, update (with the stored object) or delete (with
   * null); may return a replacement object for the response.
   */
  afterWrite?(
    request: FastifyRequest,
    context: GluonRequestContext,
    result: StoredObject | null,
  ): void | StoredObject | Promise<void | StoredObject>;
}

/** Options of {@link protonPlugin}. */
export interface ProtonPluginOptions {
  /** The Protons served. */
  readonly registry: ProtonRegistry;
  /** Where objects are stored (its `init()` must have run for the registry's models). */
  readonly store: ProtonStore;
  /** Serve `/proton/openapi.json` and the Swagger UI at `/proton/docs` (default true). */
  readonly docs?: boolean;
  /** Experimental extension points (binding, auth). */
  readonly hooks?: ProtonHooks;
  /**
   * Deepest nesting of arrays and objects a request body may have (the body object is
   * level 1); a deeper body is refused at parse time with 400 `GLUON_ERR_JSON_TOO_DEEP`.
   * @default 32
   */
  readonly maxJsonDepth?: number;
  /**
   * Base URL of the server (`http://proton.example.net:2705`), for the `href`s of a
   * request that names no `Host` (HTTP/1.0). A function is asked on each such request.
   * @default the address the request arrived at
   */
  readonly advertisedUrl?: string | (() => string);
  /**
   * The watch stream (`GET …/<plural>?watch=true`, Server-Sent Events) reads the
   * objects' key/value mirror; without this option a watch request is answered 501.
   */
  readonly watch?: ProtonWatchOptions;
  /** What `GET /proton/capabilities` says beyond what the plugin knows itself (server version, auth, bind bounds). */
  readonly capabilities?: CapabilitiesOptions;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by {@link protonPlugin} on the requests it serves (null elsewhere). */
    gluon: GluonRequestContext | null;
    /** The authenticated caller, set by the `authenticate` hook (null without one). */
    identity: Identity | null;
  }
}
