/**
 * The tests' one HTTP request helper: JSON in, the answer whole out, over the network
 * or in-process through a fastify app's `inject`.
 */
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';

/** One request of a test. */
export interface CallOptions {
  /** @default 'GET' */
  readonly method?: string;
  /** Sent as JSON (a string is sent as it is, still as `application/json`). */
  readonly body?: unknown;
  /** Sent as `X-Auth-Token`. */
  readonly token?: string | undefined;
  /** More request headers (over the defaults). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Send in-process with `app.inject` (the URL is then a path) instead of over the network. */
  readonly app?: FastifyInstance;
  /** A new connection, closed after the answer (for servers that close idle connections without saying so). */
  readonly newConnection?: boolean;
}

/** One answer. */
export interface CallAnswer {
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as text. */
  readonly text: string;
  /** The body parsed as JSON; `undefined` when empty; the text when it is not JSON. */
  readonly body: unknown;
  /** The body as a JSON object (`{}` when empty). */
  json(): Record<string, unknown>;
}

/** The `Host` an in-process request carries (the advertised address of the tests' stores). */
export const HOST = '127.0.0.1:2705';

/** Sends one request (`GET` unless `method` says otherwise) and reads the whole answer. */
export async function call(url: string, options: CallOptions = {}): Promise<CallAnswer> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(options.token === undefined ? {} : { 'x-auth-token': options.token }),
    ...options.headers,
  };
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (options.app !== undefined) {
    const response = await options.app.inject({ method: method as 'GET', url, headers: { host: HOST, ...headers }, ...(payload === undefined ? {} : { payload }) });
    return answer(response.statusCode, response.headers as CallAnswer['headers'], response.body);
  }
  const response = await request(url, { method: method as 'GET', headers, ...(payload === undefined ? {} : { body: payload }), ...(options.newConnection === true ? { reset: true } : {}) });
  return answer(response.statusCode, response.headers as CallAnswer['headers'], await response.body.text());
}

function answer(status: number, headers: CallAnswer['headers'], text: string): CallAnswer {
  let body: unknown;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = text;
  }
  return { status, headers, text, body, json: () => (body ?? {}) as Record<string, unknown> };
}
