import type { StoredObject } from '../store/index.js';
import type { BindAttempt } from './bind-attempt.js';
import type { BindContext } from './bind-context.js';
import { holdsBinding } from './classify.js';
import { updateGuarded } from './guarded-update.js';
import { failedFields, holds } from './result-value.js';

/**
 * A waiter's deadline passed: stores `binding_failed` (once per attempt) unless a result
 * came first, and resolves with the port to answer. A port that meanwhile holds another
 * binding is answered as it is.
 */
export async function expireAttempt(context: BindContext, attempt: BindAttempt, timeoutMs: number): Promise<StoredObject> {
  const state = attempt.state;
  if (state.name === 'settled') return attempt.result;
  if (state.name === 'expired') return state.failed;
  const { api, object, id, binding } = attempt;
  const port = await context.store.get(api, object, id);
  if (!holdsBinding(port, binding)) return port;
  const fields = failedFields(object, 'timeout', `no shim answered the bind to host ${binding.host_id} within ${timeoutMs} ms`);
  const failed = holds(port, fields) ? port : await updateGuarded(context, { api, object, id, port }, fields);
  attempt.expired(failed);
  context.logger.warn({ api: api.name, port: id, host: binding.host_id, timeoutMs }, 'bind: no shim result before the deadline');
  return failed;
}
