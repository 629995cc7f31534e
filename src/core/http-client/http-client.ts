import type { Agent, Dispatcher } from 'undici';
import type { GluonError } from '../errors/index.js';
import { retryOnceOnReset } from './retry-on-reset.js';
import { describeTransportFailure, type TransportFailure } from './transport-failure.js';

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /**
   * Turns a request that got no answer (refused, reset twice, timed out) into the
   * caller's coded error. The failure says which code, whether it timed out, and why.
   */
  readonly unreachable: (failure: TransportFailure) => GluonError;
  /** Connections per origin (default 16). */
  readonly connections?: number;
  /**
   * Reuse connections (default `true`). With `false`, every request goes on a new
   * connection that is closed after the answer (for servers that close idle
   * connections without saying so, like uwsgi-served Keystones).
   */
  readonly keepAlive?: boolean;
  /** How long to wait for the answer's headers, then for each part of its body, in ms (default 120,000). */
  readonly timeoutMs?: number;
  /** Methods safe to send twice (default GET, HEAD, PUT, DELETE, OPTIONS): retried once when the connection broke before any answer. */
  readonly retryMethods?: readonly string[];
  /** CA certificates (PEM) trusted instead of the system's when calling https servers (docs/tls.md). */
  readonly trustedCa?: string;
}

/** One request. */
export interface HttpRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string | URL;
  /** The request-target to send as written instead of the URL's (a proxy forwards its client's unchanged). */
  readonly rawPath?: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: string | Buffer;
  /** Cancels the request; the abort's reason is thrown as it is (a timeout's is a failure like any other). */
  readonly signal?: AbortSignal;
}

/** One answer, whole. */
export interface HttpAnswer {
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The raw body bytes. */
  readonly body: Buffer;
}

/** An answer whose body is read as it arrives (a Server-Sent Events stream). */
export interface StreamAnswer {
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The body, chunk by chunk as UTF-8 text; it ends when the server ends it and throws when the connection breaks. */
  readonly body: AsyncIterable<string>;
  /** The whole body as text (for an answer that is not the stream asked for). */
  readonly text: () => Promise<string>;
}

/** A request whose body is JSON. */
export interface JsonRequest extends Omit<HttpRequest, 'body'> {
  /** Sent as JSON (with `content-type: application/json`) unless `undefined`. */
  readonly json?: unknown;
}

/** An answer read as JSON. */
export interface JsonAnswer extends Omit<HttpAnswer, 'body'> {
  /** The parsed body; `undefined` when empty; the text itself when it is not JSON (see `isJson`). */
  readonly body: unknown;
  /** False when a non-empty body did not parse as JSON. */
  readonly isJson: boolean;
  /** The body as text. */
  readonly text: string;
}

const DEFAULT_RETRY_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];
const DEFAULT_TIMEOUT_MS = 120_000;
const KEEP_ALIVE_TIMEOUT_MS = 4_000;

/**
 * The one HTTP client of the library (undici): keep-alive connections per origin, one
 * retry of an idempotent request whose connection broke before any answer (undici's
 * retry interceptor), whole answers (or a body read as it arrives, {@link HttpClient.stream}), and every transport failure turned into the
 * caller's coded error by {@link HttpClientOptions.unreachable}. Any status is an
 * answer, never an error.
 */
export class HttpClient {
  /** The agent and its retrying dispatcher, made on the first request (undici is loaded then, not at start-up). */
  private transport: Transport | undefined;
  private opening: Promise<Transport> | undefined;
  private readonly options: HttpClientOptions;
  private readonly keepAlive: boolean;
  private readonly timeoutMs: number;
  private readonly unreachable: (failure: TransportFailure) => GluonError;
  private closed = false;
  /** Requests sent, retries included. */
  requestCount = 0;
  /** Requests sent again after their connection broke. */
  retryCount = 0;

  constructor(options: HttpClientOptions) {
    this.keepAlive = options.keepAlive ?? true;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.unreachable = options.unreachable;
    this.options = options;
  }

  /** The transport, opened once: undici is imported on the first request of the first client. */
  private async open(): Promise<Transport> {
    // a closed client opens nothing: the request fails as unreachable, as on a closed agent
    if (this.closed) throw new Error('the HTTP client is closed');
    this.opening ??= import('undici').then(({ Agent, interceptors }) => {
      const options = this.options;
      const agent = new Agent({
        connections: options.connections ?? 16,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        ...(this.keepAlive ? {} : { pipelining: 0 }),
        ...(options.trustedCa === undefined ? {} : { connect: { ca: options.trustedCa } }),
      });
      const methods = new Set((options.retryMethods ?? DEFAULT_RETRY_METHODS).map((m) => m.toUpperCase()));
      this.transport = { agent, dispatcher: agent.compose(retryOnceOnReset({ methods, interceptors, onRetry: () => this.countRetry() })) };
      return this.transport;
    });
    return this.opening;
  }

  /**
   * Sends one request and reads the whole answer.
   * @throws GluonError from `unreachable` when no answer came; the abort reason when the caller's signal aborted
   */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
    const method = request.method.toUpperCase();
    this.requestCount++;
    try {
      const { dispatcher } = this.transport ?? (await this.open());
      const answer = await dispatcher.request({ ...this.dispatchOptions(url, request), method: method as Dispatcher.HttpMethod });
      const body = Buffer.from(await answer.body.arrayBuffer());
      return { status: answer.statusCode, headers: lowerCaseHeaders(answer.headers), body };
    } catch (err) {
      throw this.failure({ method, url, err }, request.signal);
    }
  }

  /**
   * Sends one request and hands back the answer as soon as its headers came; the body is
   * read as it arrives, with no time limit between its parts. Never sent twice (a stream's
   * reader resumes by itself, from where it stood); the caller reads or `text()`s the body.
   * @throws GluonError from `unreachable` when no answer came; the abort reason when the caller's signal aborted
   */
  async stream(request: HttpRequest): Promise<StreamAnswer> {
    const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
    const method = request.method.toUpperCase();
    this.requestCount++;
    try {
      const { agent } = this.transport ?? (await this.open());
      const answer = await agent.request({ ...this.dispatchOptions(url, request), method: method as Dispatcher.HttpMethod, bodyTimeout: 0 });
      answer.body.setEncoding('utf8');
      const body = answer.body as AsyncIterable<string>;
      return { status: answer.statusCode, headers: lowerCaseHeaders(answer.headers), body, text: () => answer.body.text() };
    } catch (err) {
      throw this.failure({ method, url, err }, request.signal);
    }
  }

  /** Sends `json` (if any) as JSON, asks for JSON, and parses the answer. */
  async sendJson(request: JsonRequest): Promise<JsonAnswer> {
    const headers: Record<string, string | string[]> = { accept: 'application/json', ...request.headers };
    const { json, ...rest } = request;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const answer = await this.send({ ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    const text = answer.body.toString('utf8');
    return { status: answer.status, headers: answer.headers, text, ...parseJsonText(text) };
  }

  /** Closes the connections (waits for requests in flight). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const opening = this.opening;
    if (opening === undefined) return;
    const { agent } = await opening;
    await agent.close().catch(() => agent.destroy());
  }

  /** True once {@link HttpClient.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private dispatchOptions(url: URL, request: HttpRequest): Omit<Dispatcher.RequestOptions, 'method'> {
    return {
      origin: url.origin,
      path: request.rawPath ?? url.pathname + url.search,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined || request.body.length === 0 ? {} : { body: request.body }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      reset: !this.keepAlive,
    };
  }

  /** The caller's abort reason as it is; any other failure as the caller's coded error. */
  private failure(failed: { method: string; url: URL; err: unknown }, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted === true && (signal.reason as { name?: unknown } | undefined)?.name !== 'TimeoutError') return failed.err;
    return this.unreachable(describeTransportFailure({ ...failed, timeoutMs: this.timeoutMs }));
  }

  private countRetry(): void {
    this.retryCount++;
    this.requestCount++;
  }
}

/** An undici agent and the dispatcher requests go through (the agent with the retry interceptor). */
interface Transport {
  readonly agent: Agent;
  readonly dispatcher: Dispatcher;
}

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function parseJsonText(text: string): { body: unknown; isJson: boolean } {
  if (text === '') return { body: undefined, isJson: true };
  try {
    return { body: JSON.parse(text) as unknown, isJson: true };
  } catch {
    return { body: text, isJson: false };
  }
}
