import { HttpClient, type TransportFailure } from '../../http-client/index.js';
import { authUnavailableError, type AuthError } from '../auth-errors.js';

/** One answer from Keystone. */
export interface KeystoneAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** One request to Keystone. */
export interface KeystoneRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** Sends one request to Keystone (see {@link keystoneHttp}). */
export type KeystoneSend = (url: string, request: KeystoneRequest) => Promise<KeystoneAnswer>;

/** How {@link keystoneHttp} calls Keystone. */
export interface KeystoneHttpOptions {
  /** Whole-request timeout in ms. */
  readonly timeoutMs: number;
  /** CA certificates (PEM) to verify an https Keystone with, instead of the system ones. */
  readonly trustedCa?: string | undefined;
}

/**
 * Keystone's side of the shared {@link HttpClient}. Connections are never reused:
 * uwsgi-served Keystones close them after every answer without saying so. A connection
 * reset before any answer is retried once; any other network failure or no answer
 * within `timeoutMs` is a `GLUON_ERR_AUTH_UNAVAILABLE` (503) naming the URL.
 */
export function keystoneHttp({ timeoutMs, trustedCa }: KeystoneHttpOptions): KeystoneSend {
  const client = new HttpClient({
    keepAlive: false,
    timeoutMs,
    retryMethods: ['GET', 'POST', 'DELETE'],
    unreachable: keystoneUnreachable,
    ...(trustedCa === undefined ? {} : { trustedCa }),
  });
  return async (url, request) => {
    const answer = await client.sendJson({
      method: request.method,
      url,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      json: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: answer.status, headers: answer.headers, body: answer.body };
  };
}

function keystoneUnreachable(failure: TransportFailure): AuthError {
  const why = failure.timedOut ? failure.reason : (failure.code ?? failure.reason);
  return authUnavailableError(
    `The identity service (Keystone) at ${failure.url.href} could not be reached (${why}); the token could not be checked. Retry later, or check the keystone URL setting.`,
    failure.cause,
  );
}

/** The first value of a response header. */
export function answerHeader(answer: KeystoneAnswer, name: string): string | undefined {
  const raw = answer.headers[name.toLowerCase()];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** `http://host:5000/v3/` → `http://host:5000/v3` (the base every path is appended to). */
export function v3Base(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/v3') ? trimmed : `${trimmed}/v3`;
}

/** Keystone's error message from an error body, if any. */
export function keystoneMessage(answer: KeystoneAnswer): string {
  const message = (answer.body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : `HTTP ${answer.status}`;
}
