import { pythonJson } from './python-json.js';

/**
 * The value at `/controller/<api>/Port/<id>`, as a shim writes it and the Proton server
 * reads it (JSON text, see {@link encodeBindResult} and {@link parseShimResult}):
 *
 * - success: `{ vif_type, vif_details, controller, port_revision, host_id, device_id }`
 * - failure: `{ error: { reason, message }, controller, port_revision, host_id, device_id }`
 * - unbind: `{}`
 *
 * `port_revision` is the port's `revision_number` the result answers, so the server
 * can tell a stale result (for an earlier request) from a fresh one; `host_id` and
 * `device_id` name the binding it answers (a shim restarted later knows whether the
 * current request was already answered). The original's shims wrote none of the three.
 */
export interface BindResultValue {
  /** The VIF type Nova plugs (`ovs`, `vhostuser`…), on success. */
  readonly vif_type?: string;
  /** The VIF details Nova needs for that type, on success. */
  readonly vif_details?: Record<string, unknown>;
  /** Why the bind failed, on failure. */
  readonly error?: {
    /** Short machine-readable reason (`no_service_binding`, `controller_unreachable`). */
    readonly reason: string;
    /** What happened, for the operator. */
    readonly message: string;
  };
  /** The controller (shim) that wrote the result. */
  readonly controller?: string;
  /** The port's `revision_number` the result answers. */
  readonly port_revision?: number | null;
  /** The host of the binding answered. */
  readonly host_id?: string | null;
  /** The device of the binding answered. */
  readonly device_id?: string | null;
}

/** A bind-result value read by {@link parseShimResult}: the answer a shim gave, normalised. */
export interface ShimResult {
  /** The VIF on success. */
  readonly vif?: { readonly vif_type: string; readonly vif_details: unknown };
  /** The failure a shim reported. */
  readonly error?: { readonly reason: string; readonly message: string };
  /** The controller (shim) name, when given. */
  readonly controller?: string;
  /** The port `revision_number` the result answers, when given. */
  readonly portRevision?: number;
  /** The host of the binding the result answers, when given (null when given as non-text). */
  readonly host_id?: string | null;
  /** The device of the binding the result answers, when given (null when given as non-text). */
  readonly device_id?: string | null;
}

/** The text a shim writes for `value` (JSON). */
export function encodeBindResult(value: BindResultValue): string {
  return JSON.stringify(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a bind-result value (`/controller/<api>/Port/<id>`): a VIF
 * `{vif_type, vif_details}` or a failure `{error: {reason, message}}`, with the optional
 * `controller`, `port_revision`, `host_id`, `device_id`. Undefined for `{}`, for text
 * that is not JSON, and for anything else that carries no answer (an empty `vif_type`
 * included). A failure without text `reason`/`message` gets `shim_error` / the error's
 * JSON text.
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

/**
 * True when an already JSON-parsed bind-result value carries an answer (a text
 * `vif_type` or an `error` object), i.e. it is not `{}`. This is the shim's test (its
 * port state machine); unlike {@link parseShimResult} it counts an empty `vif_type` as
 * an answer.
 */
export function hasAnswer(value: Record<string, unknown> | undefined): boolean {
  return value !== undefined && (typeof value['vif_type'] === 'string' || (typeof value['error'] === 'object' && value['error'] !== null));
}
