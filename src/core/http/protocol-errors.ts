import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GluonError } from '../errors/index.js';
import { faultErrorHandler, renderFault } from './fault.js';

/** What Node's HTTP parser reports, by error code, as a Gluon fault. */
function parserFault(code: string | undefined, message: string): GluonError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new GluonError('GLUON_ERR_HEADERS_TOO_LARGE', 'Request header fields are too large: the request line and headers exceed the server\'s limit.', {
        details: [{ field: 'headers', rule: 'maxSize', value: null, message: 'send fewer or shorter headers' }],
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GluonError('GLUON_ERR_REQUEST_TIMEOUT', 'The request did not arrive completely within the server\'s time limit; the connection is closed.', {
        details: [{ field: 'request', rule: 'timeout', value: null, message: 'send the whole request (headers and body) without pauses' }],
      });
    case 'HPE_INVALID_METHOD':
      return new GluonError('GLUON_ERR_UNKNOWN_METHOD', 'The request method is not one the server knows; use GET, POST, PUT or DELETE.', {
        details: [{ field: 'method', rule: 'method', value: null, message: 'unknown HTTP method', allowed: ['GET', 'POST', 'PUT', 'DELETE'] }],
      });
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return badRequest('Content-Length', 'The Content-Length header is invalid (not a single non-negative integer, or sent together with Transfer-Encoding).');
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return badRequest('Transfer-Encoding', 'The chunked body is malformed (bad chunk size or Transfer-Encoding).');
    default:
      return badRequest('request', `The HTTP request is malformed (${code ?? 'parse error'}: ${message}).`);
  }
}

function badRequest(field: string, message: string): GluonError {
  return new GluonError('GLUON_ERR_BAD_REQUEST', message, { details: [{ field, rule: 'protocol', value: null, message }] });
}

/**
 * The server's `clientError` handler (fastify's `clientErrorHandler` option): a request
 * Node's HTTP parser refuses (headers too large, bad Content-Length, bad chunking, an
 * unknown method, a request timeout) is answered with a Gluon fault body and
 * `Connection: close`, then the socket is closed once the answer is written.
 */
export function protocolClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const fault = parserFault(err.code, err.message);
  const body = JSON.stringify(renderFault(fault));
  const head = [
    `HTTP/1.1 ${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ].join('\r\n');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
}

/**
 * fastify's `frameworkErrors` option: a URL whose %-encoding is invalid (`FST_ERR_BAD_URL`)
 * and any other router-level error answer Gluon faults instead of fastify's bodies.
 */
export function protocolFrameworkErrors(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_BAD_URL') {
    const path = request.raw.url ?? '';
    const message = `The URL path is not validly %-encoded: ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`;
    return faultErrorHandler(
      new GluonError('GLUON_ERR_BAD_REQUEST', message, { details: [{ field: 'path', rule: 'encoding', value: path, message: 'each % must start a valid UTF-8 %XX sequence' }] }),
      request,
      reply,
    );
  }
  return faultErrorHandler(error, request, reply);
}
