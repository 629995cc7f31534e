import type { AttributeModel, ObjectModel } from '../model/index.js';
import { BINDING_FAILED, type ShimResult } from './types.js';

/**
 * Python's `json.dumps` text (`", "` and `": "` separators, non-ASCII escaped), so
 * `vif_details` reads exactly as the original stored it: `{"port_filter": true}`.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${asciiJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return asciiJson(value);
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : text;
}

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a bind-result value (`/controller/<api>/Port/<id>`): a VIF
 * `{vif_type, vif_details}` or a failure `{error: {reason, message}}`, with the optional
 * `controller`, `port_revision`, `host_id`, `device_id`. Undefined for `{}`, for text
 * that is not JSON, and for anything else that carries no answer.
 */
export function parseShimResult(raw: string | undefined): ShimResult | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const meta = {
    ...(text(v['controller']) === undefined ? {} : { controller: text(v['controller']) as string }),
    ...(typeof v['port_revision'] === 'number' ? { portRevision: v['port_revision'] } : {}),
    ...('host_id' in v ? { host_id: text(v['host_id']) ?? null } : {}),
    ...('device_id' in v ? { device_id: text(v['device_id']) ?? null } : {}),
  };
  const error = v['error'];
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    return { ...meta, error: { reason: text(e['reason']) ?? 'shim_error', message: text(e['message']) ?? String(pythonJson(error)) } };
  }
  const vifType = text(v['vif_type']);
  if (vifType === undefined || vifType === '') return undefined;
  return { ...meta, vif: { vif_type: vifType, vif_details: v['vif_details'] ?? {} } };
}

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
