import { toGluonError } from '../errors/index.js';

/** A Neutron fault ready to send: HTTP status and the `NeutronError` body text. */
export interface NeutronFault {
  /** HTTP status. */
  readonly status: number;
  /** `NeutronError.type`, e.g. `PortNotFound`. */
  readonly type: string;
  /** `NeutronError.message`. */
  readonly message: string;
  /** The body, serialised exactly as Neutron does (`{"NeutronError": {"type": …, "message": …, "detail": ""}}`). */
  readonly body: string;
}

/** Serialises a string as Python's `json.dumps` does by default (non-ASCII escaped). */
function pyJsonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Builds a Neutron fault. The body is byte-compatible with Neutron's
 * (`api_common.get_exception_data` through `json.dumps`: spaces after `:` and `,`; the
 * `detail` is empty, as in Neutron's answers to the calls the facade handles).
 */
export function neutronFault(status: number, type: string, message: string): NeutronFault {
  const body = `{"NeutronError": {"type": ${pyJsonString(type)}, "message": ${pyJsonString(message)}, "detail": ""}}`;
  return { status, type, message, body };
}

/** Message of Neutron's 500s. */
export const INTERNAL_ERROR_MESSAGE = 'Request Failed: internal server error while processing your request.';

/**
 * An error message fit for a client of the facade: the driver's
 * `Proton server answered <METHOD> <URL> with <status>: ` prefix is dropped and any other
 * URL is replaced by `<internal URL>`, so that no internal address (Proton servers,
 * Neutron behind the facade) reaches a client.
 */
export function clientMessage(message: string): string {
  return message
    .replace(/Proton server answered [A-Z]+ \S+ with (?:status )?\d+(?: and a body that is not JSON)?:\s*/g, '')
    .replace(/\bhttps?:\/\/[^\s"'<>]+/g, '<internal URL>');
}

/**
 * Maps an error of the arbiter or a driver to the Neutron fault a Neutron client
 * expects for a port request:
 * - 404 → `PortNotFound` "Port <id> could not be found.";
 * - 400 (validation, unsupported update, bad JSON) → `HTTPBadRequest`;
 * - 401 → `HTTPUnauthorized`, 403 → `PolicyNotAuthorized`;
 * - 409 → `HTTPConflict` (412 → `HTTPPreconditionFailed`);
 * - the Proton server unreachable or failing (`GLUON_ERR_DRIVER_UNREACHABLE`, 502/503/504,
 *   no driver, registry not loaded) → 503 `ServiceUnavailable`;
 * - anything else → 500 with Neutron's generic message.
 *
 * Messages pass through {@link clientMessage}: no internal URL reaches the client.
 */
export function toNeutronFault(err: unknown, portId?: string): NeutronFault {
  const e = toGluonError(err);
  const status = e.status;
  const message = clientMessage(e.message);
  if (status === 404) return neutronFault(404, 'PortNotFound', `Port ${portId ?? ''} could not be found.`.replace('Port  could', 'Port could'));
  if (status === 400 || status === 413 || status === 415 || status === 422) return neutronFault(400, 'HTTPBadRequest', message);
  if (status === 401) return neutronFault(401, 'HTTPUnauthorized', message);
  if (status === 403) return neutronFault(403, 'PolicyNotAuthorized', message);
  if (status === 409) return neutronFault(409, 'HTTPConflict', message);
  if (status === 412) return neutronFault(412, 'HTTPPreconditionFailed', message);
  if (status === 502 || status === 503 || status === 504) return neutronFault(503, 'ServiceUnavailable', message);
  return neutronFault(500, 'HTTPInternalServerError', INTERNAL_ERROR_MESSAGE);
}
