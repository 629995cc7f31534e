import { Pool } from 'undici';
import { GluonError } from '../errors/index.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded in either direction. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade',
]);

/** Methods that are safe to send twice (retried once on a connection reset). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Connection errors that mean "the server closed a connection we reused": retryable. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Options of {@link NeutronUpstream}. */
export interface NeutronUpstreamOptions {
  /** Neutron's base URL, e.g. `http://127.0.0.1:9696` (a path prefix is kept). */
  readonly url: string;
  /**
   * Reuse connections to Neutron (default `true`). Idempotent requests that hit a
   * connection Neutron closed silently are retried once on a fresh connection; POST and
   * PATCH are never retried. With `false`, every request uses a new connection
   * (`Connection: close`).
   */
  readonly keepAlive?: boolean;
  /** Connections to Neutron (default 16). */
  readonly connections?: number;
  /** Timeout for the response headers and body, ms (default 120,000: binds can be slow). */
  readonly timeoutMs?: number;
  /** CA certificates (PEM) trusted for an https Neutron, instead of the system ones. */
  readonly trustedCa?: string;
}

/** A request to pass to Neutron. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as the client sent them (e.g. `/v2.0/ports?device_id=x`). */
  readonly path: string;
  /** The client's headers; hop-by-hop ones, `content-length` and `expect` are dropped. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw request body. */
  readonly body?: Buffer | undefined;
}

/** Neutron's answer, unchanged but for hop-by-hop headers. */
export interface UpstreamResponse {
  readonly status: number;
  /** Response headers (lower-case names), hop-by-hop ones removed. */
  readonly headers: Record<string, string | string[]>;
  /** The raw body bytes. */
  readonly body: Buffer;
}

/**
 * The facade's client for the upstream Neutron (undici pool). Neutron under eventlet or
 * uwsgi may close an idle keep-alive connection without saying so; a request that then
 * fails with a reset before any answer is retried once when its method is idempotent.
 */
export class NeutronUpstream {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly keepAlive: boolean;
  /** Requests sent (retries included). */
  requestCount = 0;
  /** Requests retried after a connection reset. */
  retryCount = 0;

  constructor(private readonly options: NeutronUpstreamOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.keepAlive = options.keepAlive ?? true;
    const timeout = options.timeoutMs ?? 120_000;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(this.keepAlive ? {} : { pipelining: 0 }),
      ...(options.trustedCa === undefined ? {} : { connect: { ca: options.trustedCa } }),
    });
  }

  /** The upstream base URL. */
  get url(): string {
    return this.options.url;
  }

  /**
   * Sends a request to Neutron and reads the whole answer.
   * @throws GluonError `GLUON_ERR_ARBITER_UPSTREAM_UNREACHABLE` when Neutron cannot be reached
   */
  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (value === undefined || HOP_BY_HOP_HEADERS.has(lower) || lower === 'content-length' || lower === 'expect') continue;
      headers[lower] = value;
    }
    const method = request.method.toUpperCase();
    for (let attempt = 1; ; attempt++) {
      this.requestCount++;
      try {
        const res = await this.pool.request({
          method: method as 'GET',
          path: this.basePath + request.path,
          headers,
          ...(request.body === undefined || request.body.length === 0 ? {} : { body: request.body }),
          reset: !this.keepAlive,
        });
        const body = Buffer.from(await res.body.arrayBuffer());
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined || HOP_BY_HOP_HEADERS.has(name.toLowerCase())) continue;
          out[name.toLowerCase()] = value;
        }
        return { status: res.statusCode, headers: out, body };
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (attempt === 1 && IDEMPOTENT.has(method) && RESET_CODES.has(code)) {
          this.retryCount++;
          continue;
        }
        throw new GluonError(
          'GLUON_ERR_ARBITER_UPSTREAM_UNREACHABLE',
          `Neutron at ${this.options.url} did not answer ${method} ${request.path}: ${(err as Error).message}${code === '' ? '' : ` (${code})`}.`,
          { cause: err, details: [{ field: 'neutronUrl', rule: 'reachable', value: this.options.url, message: (err as Error).message }] },
        );
      }
    }
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
