import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GluonError, ValidationError, isGluonError, type ErrorDetail, type GluonErrorCode } from '../errors/index.js';

/** The fault body of every error answer: Gluon's fault, extended with `code` and `details`. */
export interface FaultBody {
  /** `Client` for 4xx, `Server` for 5xx (as the original Gluon). */
  readonly faultcode: 'Client' | 'Server';
  /** What went wrong and what to change. */
  readonly faultstring: string;
  /** Always null (the original's traceback slot; never filled, to leak nothing). */
  readonly debuginfo: null;
  /** The stable error code (docs/errors.md). */
  readonly code: GluonErrorCode;
  /** One entry per invalid field (empty when the error is not about fields). */
  readonly details: readonly ErrorDetail[];
}

const GENERIC_INTERNAL = 'Internal server error while processing the request; the server log has the cause.';

/** The fault body of a GluonError (internal errors never show their cause). */
export function renderFault(err: GluonError): FaultBody {
  const internal = err.code === 'GLUON_ERR_INTERNAL';
  return {
    faultcode: err.status < 500 ? 'Client' : 'Server',
    faultstring: internal ? GENERIC_INTERNAL : err.message,
    debuginfo: null,
    code: err.code,
    details: internal ? [] : err.details.map(normalizeDetail),
  };
}

function normalizeDetail(detail: ErrorDetail): ErrorDetail {
  return { ...detail, value: detail.value === undefined ? null : detail.value };
}

/**
 * Maps anything thrown inside the plugin (GluonErrors, fastify's own errors for bad
 * JSON, media types, body size…) to a GluonError. Unknown errors become
 * `GLUON_ERR_INTERNAL`.
 */
export function toHttpError(err: unknown, request: FastifyRequest): GluonError {
  if (isGluonError(err)) return err;
  const fastifyError = err as Partial<FastifyError> | undefined;
  const code = fastifyError?.code;
  const status = fastifyError?.statusCode;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GluonError('GLUON_ERR_BAD_JSON', 'Request is not in valid JSON format', { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return missingBody();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'] ?? '';
      return new GluonError('GLUON_ERR_UNSUPPORTED_MEDIA_TYPE', `Unknown mimetype: ${type}. Send Content-Type: application/json.`, {
        cause: err,
        details: [{ field: 'Content-Type', rule: 'mediaType', value: type, message: 'must be application/json', allowed: ['application/json'] }],
      });
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GluonError('GLUON_ERR_BODY_TOO_LARGE', 'Request body is too large.', { cause: err });
    default:
      break;
  }
  if (err instanceof SyntaxError && status === 400) {
    return new GluonError('GLUON_ERR_BAD_JSON', 'Request is not in valid JSON format', { cause: err });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = typeof fastifyError?.message === 'string' ? fastifyError.message : 'Bad request';
    return new GluonError('GLUON_ERR_BAD_REQUEST', message, { cause: err, status });
  }
  return new GluonError('GLUON_ERR_INTERNAL', GENERIC_INTERNAL, { cause: err });
}

/** The error of a POST/PUT without a body. */
export function missingBody(): ValidationError {
  return new ValidationError('Missing argument: "body"', [
    { field: 'body', rule: 'required', value: null, message: 'a JSON object body is required' },
  ]);
}

/** The plugin's error handler: logs server errors with their cause, answers with a fault body. */
export function faultErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const gluonError = toHttpError(err, request);
  if (gluonError.status >= 500) {
    request.log.error({ err: gluonError.cause ?? gluonError, code: gluonError.code }, 'request failed');
  }
  return reply
    .code(gluonError.status)
    .type('application/json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(renderFault(gluonError));
}

/** The plugin's not-found handler: a JSON 404 fault. */
export function faultNotFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? request.url;
  const err = new GluonError('GLUON_ERR_ROUTE_NOT_FOUND', `The resource could not be found: ${request.method} ${path}`, {
    details: [{ field: 'path', rule: 'route', value: path, message: 'no route matches this URL; see GET /proton/' }],
  });
  return faultErrorHandler(err, request, reply);
}

/** A 405 answer for a known path, with the `Allow` header. */
export function methodNotAllowed(allowed: readonly string[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    void reply.header('allow', allowed.join(', '));
    throw new GluonError('GLUON_ERR_METHOD_NOT_ALLOWED', `Method ${request.method} is not allowed on this resource; allowed: ${allowed.join(', ')}`, {
      details: [{ field: 'method', rule: 'method', value: request.method, message: 'method not allowed', allowed }],
    });
  };
}
