import { GluonError, ERROR_CODES, type ErrorDetail, type GluonErrorCode } from '../../core/errors/index.js';
import { HttpClient, type TransportFailure } from '../../core/http-client/index.js';
import type { DriverContext, TokenProvider } from '../types.js';

/** One answer of a Proton server. @internal */
export interface ProtonResponse {
  readonly status: number;
  /** Parsed JSON body (`undefined` when empty). */
  readonly body: unknown;
}

/** One request to a Proton server. @internal */
export interface ProtonRequest {
  readonly method: 'GET' | 'PUT';
  /** Absolute URL. */
  readonly url: string;
  /** Sent as JSON, unless `undefined`. */
  readonly body?: unknown;
  /** The caller's token, request id and abort signal. */
  readonly ctx?: DriverContext | undefined;
}

/** Options of {@link ProtonHttp}. @internal */
export interface ProtonHttpOptions {
  readonly tokenProvider?: TokenProvider;
  /** Headers and body timeout of one request, in ms. */
  readonly timeoutMs: number;
  /** Keep-alive connections per Proton server. */
  readonly connections: number;
  /** CA certificates (PEM) trusted for https Proton servers, instead of the system ones. */
  readonly trustedCa?: string;
}

/**
 * The Proton driver's side of the shared {@link HttpClient}: the caller's token (or the
 * token provider's) as `X-Auth-Token`, JSON both ways, one retry of a GET whose
 * connection was reset, and every failure as a coded GluonError.
 * @internal
 */
export class ProtonHttp {
  private readonly client: HttpClient;

  constructor(private readonly options: ProtonHttpOptions) {
    this.client = new HttpClient({
      connections: options.connections,
      timeoutMs: options.timeoutMs,
      retryMethods: ['GET'],
      unreachable: protonUnreachable,
      ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
    });
  }

  /** Number of requests sent (retries included); benchmarks and tests read it. */
  get requestCount(): number {
    return this.client.requestCount;
  }

  /**
   * Sends one request to `url` (absolute) and parses the JSON answer. Any status is
   * returned; transport failures throw `GLUON_ERR_DRIVER_UNREACHABLE`.
   */
  async send(request: ProtonRequest): Promise<ProtonResponse> {
    const { method, url, body, ctx } = request;
    if (this.client.isClosed) throw new GluonError('GLUON_ERR_DRIVER_CLOSED', `The Proton driver is closed: cannot ${method} ${url}.`);
    const headers: Record<string, string> = {};
    const token = ctx?.token ?? (await this.options.tokenProvider?.());
    if (token !== undefined && token !== '') headers['x-auth-token'] = token;
    if (ctx?.requestId !== undefined) headers['x-openstack-request-id'] = ctx.requestId;
    const answer = await this.client.sendJson({ method, url, headers, json: body, ...(ctx?.signal === undefined ? {} : { signal: ctx.signal }) });
    if (!answer.isJson) {
      throw new GluonError(
        'GLUON_ERR_DRIVER_BACKEND_ERROR',
        `Proton server answered ${method} ${url} with status ${answer.status} and a body that is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}.`,
      );
    }
    return { status: answer.status, body: answer.body };
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    await this.client.close();
  }

  /** True once {@link ProtonHttp.close} was called. */
  get isClosed(): boolean {
    return this.client.isClosed;
  }
}

function protonUnreachable(failure: TransportFailure): GluonError {
  return new GluonError(
    'GLUON_ERR_DRIVER_UNREACHABLE',
    `Proton server ${failure.url.origin} could not be reached for ${failure.method} ${failure.url.pathname}: ${failure.reason}.`,
    { cause: failure.cause },
  );
}

/**
 * Turns a Proton error answer into a GluonError: the Proton's own code and status when it
 * sent a gluon-net fault body (`{faultstring, code, details}`), else
 * `GLUON_ERR_DRIVER_BACKEND_ERROR` (502) quoting the answer.
 * @internal
 */
export function protonFault(method: string, url: string, response: ProtonResponse): GluonError {
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<string, unknown>;
  const faultstring = typeof body['faultstring'] === 'string' ? body['faultstring'] : JSON.stringify(response.body ?? '').slice(0, 300);
  const code = typeof body['code'] === 'string' && body['code'] in ERROR_CODES ? (body['code'] as GluonErrorCode) : undefined;
  const details = Array.isArray(body['details']) ? (body['details'] as ErrorDetail[]) : [];
  const message = `Proton server answered ${method} ${url} with ${response.status}: ${faultstring}`;
  if (code !== undefined && response.status < 500) return new GluonError(code, message, { status: response.status, details });
  return new GluonError('GLUON_ERR_DRIVER_BACKEND_ERROR', message, { details });
}
