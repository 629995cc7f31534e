/**
 * What went wrong when a request got no answer: the network error's code (undici's or
 * the socket's), whether it was a timeout, and one sentence saying so.
 */
export interface TransportFailure {
  /** The request's method, upper case. */
  readonly method: string;
  /** The URL the request was sent to. */
  readonly url: URL;
  /** The error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), found on the error or its causes. */
  readonly code: string | undefined;
  /** True when no answer came in time. */
  readonly timedOut: boolean;
  /** Why, for a message: `no answer within 5000 ms` or `connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)`. */
  readonly reason: string;
  /** The error the transport threw. */
  readonly cause: unknown;
}

/** Codes meaning "the connection broke under us before any answer": safe to send an idempotent request again. */
export const CONNECTION_RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** The first string `code` on an error or along its `cause` chain. */
export function errorCodeOf(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = err; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Describes a failed request (no answer) for the caller's coded error. */
export function describeTransportFailure(failed: { method: string; url: URL; err: unknown; timeoutMs: number }): TransportFailure {
  const { err, timeoutMs } = failed;
  const code = errorCodeOf(err);
  const timedOut = (err as { name?: unknown } | null)?.name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code));
  const message = err instanceof Error ? err.message : String(err);
  const reason = timedOut ? `no answer within ${timeoutMs} ms` : `${message}${code === undefined || message.includes(code) ? '' : ` (${code})`}`;
  return { method: failed.method, url: failed.url, code, timedOut, reason, cause: err };
}
