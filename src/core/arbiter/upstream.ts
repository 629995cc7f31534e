import { GluonError } from '../errors/index.js';
import { HttpClient, type TransportFailure } from '../http-client/index.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded in either direction. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade',
]);

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
 * The facade's client for the upstream Neutron (the shared {@link HttpClient}). Neutron
 * under eventlet or uwsgi may close an idle keep-alive connection without saying so; a
 * request that then fails with a reset before any answer is retried once when its
 * method is idempotent.
 */
export class NeutronUpstream {
  private readonly client: HttpClient;
  /** Neutron's origin and path prefix, without a trailing slash. */
  private readonly base: string;
  private readonly basePath: string;

  constructor(private readonly options: NeutronUpstreamOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.base = url.origin + this.basePath;
    this.client = new HttpClient({
      connections: options.connections ?? 16,
      keepAlive: options.keepAlive ?? true,
      timeoutMs: options.timeoutMs ?? 120_000,
      unreachable: (failure) => this.unreachable(failure),
      ...(options.trustedCa === undefined ? {} : { trustedCa: options.trustedCa }),
    });
  }

  /** The upstream base URL. */
  get url(): string {
    return this.options.url;
  }

  /** Requests sent (retries included). */
  get requestCount(): number {
    return this.client.requestCount;
  }

  /** Requests retried after a connection reset. */
  get retryCount(): number {
    return this.client.retryCount;
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
    const answer = await this.client.send({
      method: request.method,
      url: this.base + request.path,
      rawPath: this.basePath + request.path,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP_HEADERS.has(name)) out[name] = value;
    return { status: answer.status, headers: out, body: answer.body };
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.client.close();
  }

  private unreachable(failure: TransportFailure): GluonError {
    const path = failure.url.pathname.slice(this.basePath.length) + failure.url.search;
    return new GluonError(
      'GLUON_ERR_ARBITER_UPSTREAM_UNREACHABLE',
      `Neutron at ${this.options.url} did not answer ${failure.method} ${path}: ${failure.reason}.`,
      { cause: failure.cause, details: [{ field: 'neutronUrl', rule: 'reachable', value: this.options.url, message: failure.reason }] },
    );
  }
}
