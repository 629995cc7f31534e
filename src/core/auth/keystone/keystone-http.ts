import { Agent, request } from 'undici';
import { authUnavailableError } from '../auth-errors.js';

/** One answer from Keystone. */
export interface KeystoneAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** Options of {@link keystoneRequest}. */
export interface KeystoneRequestOptions {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Whole-request timeout in ms. */
  readonly timeoutMs: number;
  /** CA certificates (PEM) to verify an https Keystone with, instead of the system ones. */
  readonly trustedCa?: string;
}

/** One undici agent per trusted CA bundle (requests never reuse connections anyway: `reset`). */
const agents = new Map<string, Agent>();

function agentTrusting(ca: string): Agent {
  let agent = agents.get(ca);
  if (agent === undefined) {
    agent = new Agent({ connect: { ca } });
    agents.set(ca, agent);
  }
  return agent;
}

const SOCKET_ERRORS = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/**
 * One request to Keystone. Connections are never reused (`reset`): uwsgi-served
 * Keystones close them after every answer without saying so. A connection reset before
 * any answer is retried once; any other network failure or timeout is a
 * `GLUON_ERR_AUTH_UNAVAILABLE` (503) naming the URL.
 */
export async function keystoneRequest(url: string, options: KeystoneRequestOptions): Promise<KeystoneAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await request(url, {
        method: options.method,
        headers,
        ...(body === undefined ? {} : { body }),
        reset: true,
        ...(options.trustedCa === undefined ? {} : { dispatcher: agentTrusting(options.trustedCa) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await answer.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: answer.statusCode, headers: answer.headers as KeystoneAnswer['headers'], body: parsed };
    } catch (err) {
      const code = errorCode(err);
      if (attempt === 0 && code !== undefined && SOCKET_ERRORS.has(code)) continue;
      const why = (err as Error).name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer within ${options.timeoutMs} ms` : `${code ?? (err as Error).message}`;
      throw authUnavailableError(`The identity service (Keystone) at ${url} could not be reached (${why}); the token could not be checked. Retry later, or check the keystone URL setting.`, err);
    }
  }
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
