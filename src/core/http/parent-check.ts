import type { FastifyRequest } from 'fastify';
import type { ApiModel } from '../model/index.js';
import type { ProtonStore } from '../store/index.js';
import type { ResolvedParent } from './route-plan.js';
import type { GluonRequestContext, ProtonHooks } from './types.js';

/** The parents a request names, and what checking them needs. */
export interface ParentCheck {
  readonly store: ProtonStore;
  readonly hooks: ProtonHooks;
  readonly api: ApiModel;
  readonly parents: readonly ResolvedParent[];
  /** A collection route (list, create): every parent is read. */
  readonly collection: boolean;
}

/**
 * Checks that every parent in the URL exists under its own parent (404 otherwise) and,
 * with an `authorizeStored` hook, that the caller may `get` it: a parent the caller may
 * not see answers exactly the 404 of a parent that does not exist (no existence oracle).
 * Without that hook, on a member route the first parent need not be read on its own: the
 * second is read under it, and the store's parent scope checks the last link.
 */
export async function checkParents(request: FastifyRequest, check: ParentCheck): Promise<void> {
  const { store, api, parents } = check;
  const authorize = check.hooks.authorizeStored;
  for (let i = check.collection || authorize !== undefined ? 0 : 1; i < parents.length; i++) {
    const parent = parents[i];
    if (parent === undefined) continue;
    const above = i > 0 ? parents[i - 1] : undefined;
    const stored = await store.get(api, parent.object, parent.key, above === undefined ? {} : { parent: { key: above.childKey, value: above.key } });
    if (authorize !== undefined) {
      const context: GluonRequestContext = { api, object: parent.object, action: 'get', key: parent.key, parents: parents.slice(0, i).map((p) => ({ object: p.object, key: p.key })) };
      await authorize(request, context, stored);
    }
  }
}
