/**
 * The binding part: the bind protocol of a Proton server. A PUT on a port with
 * `host_id` and `device_id` is a bind that waits (asynchronously, on one shared watch
 * per API) for the shim's result on `/controller/<api>/Port/<id>`, up to a deadline.
 * May import store, kv, model, wire and errors only.
 * @packageDocumentation
 */
export { BindingCoordinator } from './binding-coordinator.js';
export { bindingHooks } from './binding-hooks.js';
export type { BindingHooks } from './binding-hooks.js';
export { BIND_TIMEOUT_PARAM, bindTimeoutFromUrl } from './bind-timeout.js';
export { classifyPortUpdate, bindingOf, holdsBinding, sameBinding } from './classify.js';
export { resultFields, failedFields, pendingFields, unboundFields } from './result-value.js';
export { parseShimResult, pythonJson } from '../wire/index.js';
export {
  BINDING_FAILED,
  DEFAULT_BIND_TIMEOUT_MS,
  DEFAULT_MAX_BIND_TIMEOUT_MS,
} from './types.js';
export type {
  BindingCoordinatorOptions,
  BindingRequest,
  BindOptions,
  PortUpdate,
  PortUpdateKind,
  PortWrite,
  PortWriteOptions,
  ShimResult,
} from './types.js';
