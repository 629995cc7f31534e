import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import type { BindAttempt } from './bind-attempt.js';
import { hasCode, type BindContext } from './bind-context.js';
import { answers, bindingOf, holdsBinding } from './classify.js';
import { updateGuarded } from './guarded-update.js';
import { holds, resultFields } from './result-value.js';
import { BINDING_FAILED, type ShimResult } from './types.js';

/** A shim result and the port it was written for (the attempt's API and object when one is in memory). */
export interface ResultFor {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  /** The key of the port in the coordinator's attempts. */
  readonly key: string;
  readonly result: ShimResult;
}

/**
 * Applies a shim result to its port (under the port's lock): settles the attempt it
 * answers, or stores a late result of an expired one or of no attempt in memory. Stale
 * results (another host or device, an older `port_revision`) are ignored.
 */
export async function applyResult(context: BindContext, target: ResultFor): Promise<void> {
  const attempt = context.attempts.get(target.key);
  if (attempt?.live === true) {
    const why = staleFor(attempt, target.result);
    if (why !== undefined) return logStale(context, target, why);
    if (attempt.state.name === 'waiting') {
      const applied = await applyToPending(context, attempt, target.result);
      if (applied !== undefined) return answered(context, { target, attempt, updated: applied });
    }
  }
  const port = await readPort(context, target);
  if (port === undefined) return;
  const binding = bindingOf(port);
  if (binding === undefined || !answers(target.result, binding)) return logStale(context, target, 'the port holds another binding');
  if (attempt === undefined && hasVif(port)) return;
  if (attempt !== undefined && !holdsBinding(port, attempt.binding)) return;
  const fields = resultFields(target.object, target.result);
  const updated = holds(port, fields) ? port : await updateGuarded(context, { ...target, port }, fields);
  answered(context, { target, attempt, updated });
}

/** Why a result does not answer a live attempt (undefined: it does). */
function staleFor(attempt: BindAttempt, result: ShimResult): string | undefined {
  if (!answers(result, attempt.binding)) return 'another host or device';
  const revision = attempt.revision;
  if (result.portRevision !== undefined && revision !== undefined && result.portRevision < revision) return `port_revision ${result.portRevision} < ${revision}`;
  return undefined;
}

/**
 * The fast path: the port is most likely still exactly what the pending write stored.
 * Writes the result guarded by that revision; resolves undefined when anything changed
 * it meanwhile (412, or gone), and the caller re-reads it and checks everything again.
 */
async function applyToPending(context: BindContext, attempt: BindAttempt, result: ShimResult): Promise<StoredObject | undefined> {
  const state = attempt.state;
  if (state.name !== 'waiting' || state.revision === undefined) return undefined;
  const binding = bindingOf(state.pending);
  if (binding === undefined || !answers(result, binding) || !holdsBinding(state.pending, attempt.binding)) return undefined;
  try {
    const fields = resultFields(attempt.object, result);
    return await context.store.update(attempt.api, attempt.object, attempt.id, fields, { ifRevision: state.revision });
  } catch (err) {
    if (hasCode(err, 'GLUON_ERR_PRECONDITION_FAILED') || hasCode(err, 'GLUON_ERR_NOT_FOUND')) return undefined;
    throw err;
  }
}

async function readPort(context: BindContext, target: { readonly api: ApiModel; readonly object: ObjectModel; readonly id: string }): Promise<StoredObject | undefined> {
  try {
    return await context.store.get(target.api, target.object, target.id);
  } catch (err) {
    if (hasCode(err, 'GLUON_ERR_NOT_FOUND')) return undefined;
    throw err;
  }
}

/** A port that holds a VIF (not pending, not failed). */
function hasVif(port: StoredObject): boolean {
  const vifType = port['vif_type'];
  return vifType !== null && vifType !== undefined && vifType !== BINDING_FAILED;
}

/** The result is stored: log it, and settle the attempt it answered. */
function answered(context: BindContext, outcome: { readonly target: ResultFor; readonly attempt: BindAttempt | undefined; readonly updated: StoredObject }): void {
  const { target, attempt, updated } = outcome;
  const late = attempt?.state.name === 'expired';
  context.logger.info({ api: target.api.name, port: target.id, vif_type: updated['vif_type'], controller: target.result.controller ?? null, late }, 'bind: shim result applied');
  if (attempt === undefined) return;
  context.attempts.delete(target.key);
  attempt.settle(updated);
}

function logStale(context: BindContext, target: ResultFor, why: string): void {
  context.logger.debug({ api: target.api.name, port: target.id, controller: target.result.controller ?? null, why }, 'bind: stale shim result ignored');
}
