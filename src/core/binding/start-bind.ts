import { GluonError } from '../errors/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { controllerPrefix } from '../wire/index.js';
import { BindAttempt } from './bind-attempt.js';
import type { BindContext } from './bind-context.js';
import { answers, holdsBinding, revisionOf, sameBinding } from './classify.js';
import { parseShimResult, pendingFields } from './result-value.js';
import { BINDING_FAILED, type BindingRequest, type PortWrite, type PortWriteOptions } from './types.js';

/** One bind as the locked step sees it. */
export interface BindStart {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  /** The port's key in the attempts and the lock. */
  readonly key: string;
  readonly binding: BindingRequest;
  readonly patch: Readonly<Record<string, unknown>>;
  readonly write: PortWrite;
  readonly timeoutMs: number;
}

/** What the locked step of a bind leads to: wait for an attempt, or answer at once. */
export type BindStarted = BindAttempt | { readonly immediate: StoredObject };

/**
 * The locked step of a bind: joins the attempt waiting, answers at once, or stores the
 * pending port and opens an attempt. With `snapshot` (a caller's read of the port) it
 * decides on it, only when no attempt of the port is in memory, and guards its write by
 * the snapshot's revision (a 412 then tells the caller to retry without it).
 */
export async function startBind(context: BindContext, start: BindStart, snapshot: StoredObject | undefined): Promise<BindStarted> {
  const { api, object, id, key, binding, timeoutMs } = start;
  const current = context.attempts.get(key);
  const live = current?.live === true ? current : undefined;
  if (live !== undefined) {
    if (sameBinding(live.binding, binding)) {
      if (live.state.name !== 'expired') {
        if (timeoutMs === 0) return { immediate: await context.store.get(api, object, id) };
        live.join();
        return live;
      }
    } else if (live.waiters > 0) {
      throw pendingConflict(start, live.binding);
    }
  }
  const decided = current === undefined ? decidable(snapshot, binding) : undefined;
  const guard: PortWriteOptions | undefined = decided === undefined ? undefined : { ifRevision: revisionOf(decided) as number };
  const port = decided ?? (await context.store.get(api, object, id));
  const vifType = port['vif_type'];
  const holdsThis = holdsBinding(port, binding);
  if (holdsThis && typeof vifType === 'string' && vifType !== BINDING_FAILED && current === undefined) {
    return { immediate: await start.write(start.patch, guard) };
  }
  if (holdsThis && vifType === BINDING_FAILED) await clearAnswer(context, start);
  const reused = live !== undefined && sameBinding(live.binding, binding);
  const attempt = reused ? live : new BindAttempt({ api, object, id, binding });
  if (reused) attempt.open();
  else live?.settle(port);
  context.attempts.set(key, attempt);
  return storePending(context, { start, attempt, guard });
}

/** A snapshot the bind may decide on: it must carry a revision, and not be a failed bind of this binding (that is retried on a fresh read). */
function decidable(snapshot: StoredObject | undefined, binding: BindingRequest): StoredObject | undefined {
  if (snapshot === undefined || revisionOf(snapshot) === undefined) return undefined;
  return holdsBinding(snapshot, binding) && snapshot['vif_type'] === BINDING_FAILED ? undefined : snapshot;
}

/** Stores the pending port (published at once: the shims must see it for the bind to end). */
async function storePending(context: BindContext, step: { readonly start: BindStart; readonly attempt: BindAttempt; readonly guard: PortWriteOptions | undefined }): Promise<BindStarted> {
  const { start, attempt, guard } = step;
  attempt.join();
  try {
    // the shims must see the pending port for the bind to end: publish it at once
    const stored = await start.write({ ...start.patch, ...pendingFields(start.object) }, { ...guard, urgent: true });
    attempt.pendingStored(stored);
    context.logger.debug({ api: start.api.name, port: start.id, host: start.binding.host_id, revision: attempt.revision }, 'bind: waiting for the shim result');
    if (start.timeoutMs !== 0) return attempt;
    attempt.leave();
    return { immediate: stored };
  } catch (err) {
    attempt.leave();
    if (!attempt.pendingFailed() && context.attempts.get(start.key) === attempt) context.attempts.delete(start.key);
    throw err;
  }
}

/** Before a retried bind: a result key still answering this binding is reset to `{}` so shims bind again. */
async function clearAnswer(context: BindContext, start: BindStart): Promise<void> {
  const key = `${controllerPrefix(start.api.name)}${start.id}`;
  const value = parseShimResult((await context.kv.get(key))?.value);
  if (value !== undefined && answers(value, start.binding)) await context.kv.put(key, '{}');
}

function pendingConflict(start: BindStart, pending: BindingRequest): GluonError {
  const { api, id, binding: asked } = start;
  const message =
    `Port ${id} of ${api.name} has a bind to host ${pending.host_id} (device ${pending.device_id}) still waiting for its shim result; ` +
    `it cannot be bound to host ${asked.host_id} (device ${asked.device_id}) meanwhile. Wait for the pending bind to answer or unbind the port first.`;
  return new GluonError('GLUON_ERR_BIND_PENDING', message, {
    details: [{ field: 'host_id', rule: 'bindPending', value: asked.host_id, message: `a bind to ${pending.host_id} is pending`, allowed: [pending.host_id] }],
  });
}
