import type { Identity } from './identity.js';

/** Request headers as node gives them (lower-case names). */
export type AuthHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Turns a request's headers into the caller's {@link Identity}, or throws an
 * `AuthError` (401 without or with a bad token, 503 when the identity service is down).
 */
export interface Authenticator {
  /** The strategy name (`noauth`, `token-file`, `keystone`). */
  readonly strategy: Identity['authStrategy'];
  /** Authenticates one request. */
  authenticate(headers: AuthHeaders): Promise<Identity>;
  /** Releases connections and timers (idempotent). */
  close?(): Promise<void>;
}

/** The first value of a header, trimmed; undefined when absent or empty. */
export function headerValue(headers: AuthHeaders, name: string): string | undefined {
  const raw = headers[name.toLowerCase()];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
