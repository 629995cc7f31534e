import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { BIND_TIMEOUT_PARAM, bindTimeoutFromUrl } from './bind-timeout.js';
import type { BindingCoordinator } from './binding-coordinator.js';
import type { PortWrite } from './types.js';

/**
 * The hooks that plug a {@link BindingCoordinator} into the HTTP plugin
 * (`protonPlugin`'s `hooks.update` / `hooks.updateQuery`): a PUT on a port-role object
 * goes through the coordinator, and accepts `?bind_timeout=<ms>`.
 */
export interface BindingHooks {
  update(
    request: { readonly url: string },
    context: { readonly api: ApiModel; readonly object: ObjectModel; readonly key?: string },
    change: { readonly patch: Readonly<Record<string, unknown>>; readonly write: PortWrite; readonly stored?: StoredObject },
  ): Promise<StoredObject>;
  updateQuery(object: ObjectModel): readonly string[];
}

/** Builds the {@link BindingHooks} of a coordinator. */
export function bindingHooks(coordinator: BindingCoordinator): BindingHooks {
  return {
    update(request, context, change) {
      const { patch, write, stored } = change;
      if (context.object.role !== 'port' || context.key === undefined) return write(patch);
      const timeoutMs = bindTimeoutFromUrl(request.url, coordinator.maxTimeoutMs);
      return coordinator.update({ api: context.api, object: context.object, id: context.key, patch, write }, {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(stored === undefined ? {} : { current: stored }),
      });
    },
    updateQuery(object) {
      return object.role === 'port' ? [BIND_TIMEOUT_PARAM] : [];
    },
  };
}
