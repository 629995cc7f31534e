import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, TENANT_ATTRIBUTE, roleReferences, type AccessGuard, type Authenticator, type Identity, type RoleReference } from '../auth/index.js';
import { GluonError, NotFoundError, isGluonError } from '../errors/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { ProtonStore, StoredObject } from '../store/index.js';
import type { GluonRequestContext, ProtonHooks, UpdateWrite } from './types.js';

/** Options of {@link createAuthHooks}. */
export interface AuthHooksOptions {
  /** Who the caller is (noauth, token file, Keystone). */
  readonly authenticator: Authenticator;
  /** The policy, applied to every object operation. */
  readonly guard: AccessGuard;
  /**
   * Paths under `/proton` served without authentication (exact, query string ignored).
   * @default ['/proton/openapi.json', '/proton/capabilities'] (the model's schema and the
   * server's features, no tenant data: a client reads them before it has a token)
   */
  readonly publicPaths?: readonly string[];
  /**
   * The store, to check that objects referenced by a create or update (`port_id`,
   * `interface_id`, `service_id`, a child's parent key, …) exist and are visible to the
   * caller. Without it references are not checked here (the store still refuses dangling
   * typed references).
   */
  readonly store?: ProtonStore;
}

function identityOf(request: FastifyRequest): Identity {
  const identity = request.identity;
  if (identity === null) throw new GluonError('GLUON_ERR_INTERNAL', 'authorization ran before authentication (no request.identity)');
  return identity;
}

const referencesByObject = new WeakMap<ObjectModel, readonly RoleReference[]>();

function referencesOf(api: ApiModel, object: ObjectModel): readonly RoleReference[] {
  let references = referencesByObject.get(object);
  if (references === undefined) {
    references = roleReferences(api, object);
    referencesByObject.set(object, references);
  }
  return references;
}

/** The stored object of `target` with key `key`, or undefined when there is none (or the key cannot be one). */
async function findObject(store: ProtonStore, api: ApiModel, wanted: { readonly target: ObjectModel; readonly key: string }): Promise<StoredObject | undefined> {
  try {
    return await store.get(api, wanted.target, wanted.key);
  } catch (err) {
    if (isGluonError(err) && (err.code === 'GLUON_ERR_NOT_FOUND' || err.code === 'GLUON_ERR_VALIDATION')) return undefined;
    throw err;
  }
}

/**
 * Checks every reference set in `values` — typed ones and those the object's role makes
 * references (a service binding's `interface_id`/`service_id`, a child's parent key, see
 * `roleReferences`): the named object must exist and the caller's `get` rule must hold
 * on it. A missing and a hidden object get the same 404, so nobody learns which ids exist.
 */
async function checkReferences(options: AuthHooksOptions, caller: { readonly identity: Identity; readonly context: GluonRequestContext }, values: Readonly<Record<string, unknown>>): Promise<void> {
  const { identity, context } = caller;
  const { api, object } = context;
  const store = options.store;
  if (store === undefined) return;
  for (const reference of referencesOf(api, object)) {
    const value = values[reference.attribute];
    if (value === undefined || value === null || value === '') continue;
    const key = String(value);
    let visible = false;
    for (const target of reference.targets) {
      const stored = await findObject(store, api, { target, key });
      if (stored !== undefined && options.guard.mayGet(identity, { api, object: target }, stored)) {
        visible = true;
        break;
      }
    }
    if (!visible) throw referenceNotFound(reference, key);
  }
}

/** The 404 of a reference to an object that is missing or that the caller may not see. */
function referenceNotFound(reference: RoleReference, key: string): NotFoundError {
  const names = reference.targets.map((t) => t.name);
  const message = `Object of ${names[0] ?? 'object'} with Primary Key ${key} not found.`;
  return new NotFoundError(message, {
    details: [{ field: reference.attribute, rule: 'reference', value: key, message: `no ${names.join(' or ')} with this key that the caller may get` }],
  });
}

/**
 * The protonPlugin hooks that authenticate every `/proton` request and apply the
 * policy to every object operation (see `AccessGuard`): create against the body;
 * get/update/delete against the stored object (404 when the caller may not see it);
 * lists scoped to the caller's project unless the list rule gives more; every reference
 * a create or update sets must name an object the caller may get.
 *
 * Combine with other hooks (binding) with {@link combineHooks}.
 */
export function createAuthHooks(options: AuthHooksOptions): Required<Pick<ProtonHooks, 'authenticate' | 'authorize' | 'authorizeStored' | 'listFilters'>> {
  const { authenticator, guard } = options;
  const publicPaths = new Set(options.publicPaths ?? ['/proton/openapi.json', '/proton/capabilities']);
  return {
    async authenticate(request: FastifyRequest, reply: FastifyReply) {
      const path = request.url.split('?')[0] ?? request.url;
      try {
        request.identity = guard.withAdminFlag(await authenticator.authenticate(request.headers));
      } catch (err) {
        if (publicPaths.has(path)) return;
        if (err instanceof AuthError && err.challenge !== undefined) void reply.header('www-authenticate', err.challenge);
        else if (isGluonError(err) && err.status === 401 && authenticator.strategy === 'token-file') void reply.header('www-authenticate', 'Token');
        throw err;
      }
    },
    async authorize(request, context) {
      if (context.action !== 'create') return;
      const body = (request.body ?? {}) as Record<string, unknown>;
      guard.authorizeCreate(identityOf(request), context, body);
      await checkReferences(options, { identity: identityOf(request), context }, body);
    },
    async authorizeStored(request, context, stored, patch) {
      if (context.action !== 'get' && context.action !== 'update' && context.action !== 'delete') return;
      guard.authorizeStored(identityOf(request), context, { action: context.action, stored, key: context.key ?? '', patch });
      if (context.action === 'update' && patch !== undefined) await checkReferences(options, { identity: identityOf(request), context }, patch);
    },
    listFilters(request, context) {
      const scope = guard.listScope(identityOf(request), context);
      return scope.all ? undefined : { [TENANT_ATTRIBUTE]: [scope.tenantId] };
    },
  };
}

/**
 * Runs several hook sets in order: `authenticate`, `authorize`, `authorizeStored` and
 * `listFilters` of each (filters are merged), then `beforeWrite`/`afterWrite` chained
 * (each sees the previous one's result).
 */
export function combineHooks(...sets: readonly (ProtonHooks | undefined)[]): ProtonHooks {
  const all = sets.filter((s): s is ProtonHooks => s !== undefined);
  return {
    async authenticate(request, reply) {
      for (const s of all) await s.authenticate?.(request, reply);
    },
    async authorize(request, context) {
      for (const s of all) await s.authorize?.(request, context);
    },
    async authorizeStored(request, context, stored, patch) {
      for (const s of all) await s.authorizeStored?.(request, context, stored, patch);
    },
    async listFilters(request, context) {
      let merged: Record<string, readonly unknown[]> | undefined;
      for (const s of all) {
        const extra = await s.listFilters?.(request, context);
        if (extra === undefined) continue;
        merged ??= {};
        for (const [key, values] of Object.entries(extra)) {
          const before = merged[key];
          merged[key] = before === undefined ? values : before.filter((v) => values.some((w) => String(w) === String(v)));
        }
      }
      return merged;
    },
    async beforeWrite(request, context, values) {
      let current = values;
      for (const s of all) current = (await s.beforeWrite?.(request, context, current)) ?? current;
      return current;
    },
    async afterWrite(request, context, result) {
      let current = result;
      for (const s of all) current = (await s.afterWrite?.(request, context, current)) ?? current;
      return current ?? undefined;
    },
    // `update` hooks nest (the first set's wraps the next one's, down to the store write);
    // `updateQuery` names are merged.
    update(request, context, change) {
      const chain = all.reduceRight<UpdateWrite>(
        (next, s) => {
          const hook = s.update?.bind(s);
          return hook === undefined ? next : (patch) => hook(request, context, { ...change, patch, write: next });
        },
        change.write,
      );
      return chain(change.patch);
    },
    updateQuery(object) {
      return all.flatMap((s) => s.updateQuery?.(object) ?? []);
    },
  };
}
