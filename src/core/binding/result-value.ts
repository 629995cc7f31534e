import type { AttributeModel, ObjectModel } from '../model/index.js';
import { pythonJson, type ShimResult } from '../wire/index.js';
import { BINDING_FAILED } from './types.js';

// The bind-result value format is the wire part's; re-exported for the coordinator.
export { parseShimResult } from '../wire/index.js';

function attribute(object: ObjectModel, name: string): AttributeModel | undefined {
  return object.attributes.find((a) => a.name === name);
}

/** Keeps only the fields the port object declares. */
export function declaredOnly(object: ObjectModel, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) if (attribute(object, name) !== undefined) out[name] = value;
  return out;
}

/**
 * `{"reason": …, "message": …}` as `vif_details` text, the message shortened (with `…`)
 * so the text fits the attribute's length (128 in the bundled models).
 */
export function failureDetails(object: ObjectModel, reason: string, message: string): string {
  const max = attribute(object, 'vif_details')?.length ?? Number.POSITIVE_INFINITY;
  let msg = message;
  let out = pythonJson({ reason, message: msg });
  while (out.length > max && msg.length > 0) {
    msg = msg.slice(0, Math.max(0, msg.length - Math.max(1, out.length - max)) - 1);
    out = pythonJson({ reason, message: `${msg}…` });
  }
  if (out.length > max) out = pythonJson({ reason: reason.slice(0, Math.max(0, max - 16)) });
  return out;
}

/** The pending state a bind stores while it waits: no VIF, status DOWN. */
export function pendingFields(object: ObjectModel): Record<string, unknown> {
  return declaredOnly(object, { vif_type: null, vif_details: null, status: 'DOWN' });
}

/** What an unbind stores: no VIF, `vif_details` `"{}"` (as the original), status DOWN. */
export function unboundFields(object: ObjectModel): Record<string, unknown> {
  return declaredOnly(object, { vif_type: null, vif_details: '{}', status: 'DOWN' });
}

/** The failed state: `vif_type` `binding_failed`, the reason in `vif_details`, status DOWN. */
export function failedFields(object: ObjectModel, reason: string, message: string): Record<string, unknown> {
  return declaredOnly(object, { vif_type: BINDING_FAILED, vif_details: failureDetails(object, reason, message), status: 'DOWN' });
}

/**
 * The port fields a shim result yields: the VIF with status ACTIVE, or the failed state.
 * A VIF whose `vif_details` text does not fit the attribute is a failure
 * (`vif_details_too_long`) rather than a database error.
 */
export function resultFields(object: ObjectModel, result: ShimResult): Record<string, unknown> {
  if (result.vif !== undefined) {
    const details = pythonJson(result.vif.vif_details);
    const detailsMax = attribute(object, 'vif_details')?.length ?? Number.POSITIVE_INFINITY;
    const typeMax = attribute(object, 'vif_type')?.length ?? Number.POSITIVE_INFINITY;
    if (details.length > detailsMax || result.vif.vif_type.length > typeMax) {
      return failedFields(object, 'vif_too_long', `the shim's vif_type/vif_details exceed the port's column lengths (${typeMax}/${detailsMax})`);
    }
    return declaredOnly(object, { vif_type: result.vif.vif_type, vif_details: details, status: 'ACTIVE' });
  }
  const error = result.error ?? { reason: 'shim_error', message: 'the shim reported a failure' };
  return failedFields(object, error.reason, error.message);
}

/** True when the port already holds these field values (nothing to write). */
export function holds(port: Readonly<Record<string, unknown>>, fields: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(fields).every(([k, v]) => (port[k] ?? null) === v);
}
