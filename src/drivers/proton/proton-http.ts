import { Pool } from 'undici';
import { GluonError, ERROR_CODES, type ErrorDetail, type GluonErrorCode } from '../../core/errors/index.js';
import type { DriverContext, TokenProvider } from '../types.js';

/** One answer of a Proton server. @internal */
export interface ProtonResponse {
  readonly status: number;
  /** Parsed JSON body (`undefined` when empty). */
  readonly body: unknown;
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

/** Error codes meaning "the connection broke under us": an idempotent GET is retried once. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * A tiny JSON client for Proton servers: one undici `Pool` (keep-alive) per server origin,
 * the caller's token (or the token provider's) as `X-Auth-Token`, one retry of an
 * idempotent GET whose connection was reset, and every failure as a coded GluonError.
 * @internal
 */
export class ProtonHttp {
  private readonly pools = new Map<string, Pool>();
  private closed = false;
  /** Number of requests sent (retries included); benchmarks and tests read it. */
  requestCount = 0;

  constructor(private readonly options: ProtonHttpOptions) {}

  /**
   * Sends one request to `url` (absolute) and parses the JSON answer. Any status is
   * returned; transport failures throw `GLUON_ERR_DRIVER_UNREACHABLE`.
   */
  async send(method: 'GET' | 'PUT', url: string, body: unknown, ctx: DriverContext | undefined): Promise<ProtonResponse> {
    if (this.closed) throw new GluonError('GLUON_ERR_DRIVER_CLOSED', `The Proton driver is closed: cannot ${method} ${url}.`);
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = ctx?.token ?? (await this.options.tokenProvider?.());
    if (token !== undefined && token !== '') headers['x-auth-token'] = token;
    if (ctx?.requestId !== undefined) headers['x-openstack-request-id'] = ctx.requestId;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const attempts = method === 'GET' ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        this.requestCount++;
        const response = await this.pool(target.origin).request({
          method,
          path: target.pathname + target.search,
          headers,
          ...(payload === undefined ? {} : { body: payload }),
          ...(ctx?.signal === undefined ? {} : { signal: ctx.signal }),
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        });
        const text = await response.body.text();
        return { status: response.statusCode, body: parseJson(text, method, url, response.statusCode) };
      } catch (err) {
        if (err instanceof GluonError) throw err;
        const code = errorCode(err);
        if (ctx?.signal?.aborted === true) throw err;
        if (attempt < attempts && code !== undefined && RESET_CODES.has(code)) continue;
        throw new GluonError(
          'GLUON_ERR_DRIVER_UNREACHABLE',
          `Proton server ${target.origin} could not be reached for ${method} ${target.pathname}: ${err instanceof Error ? err.message : String(err)}${code === undefined ? '' : ` (${code})`}.`,
          { cause: err },
        );
      }
    }
  }

  /** Closes every pool. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }

  /** True once {@link ProtonHttp.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      const ca = this.options.trustedCa;
      pool = new Pool(origin, { connections: this.options.connections, keepAliveTimeout: 4_000, ...(ca === undefined ? {} : { connect: { ca } }) });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined || cause === err ? undefined : errorCode(cause);
}

function parseJson(text: string, method: string, url: string, status: number): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GluonError(
      'GLUON_ERR_DRIVER_BACKEND_ERROR',
      `Proton server answered ${method} ${url} with status ${status} and a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}.`,
      { cause: err },
    );
  }
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
