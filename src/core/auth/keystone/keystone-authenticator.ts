import { authUnavailableError, invalidTokenError, missingTokenError } from '../auth-errors.js';
import { headerValue, type Authenticator } from '../authenticator.js';
import type { Identity } from '../identity.js';
import { keystoneHttp, keystoneMessage, v3Base } from './keystone-http.js';
import { createKeystoneTokenProvider, type KeystoneCredentials, type KeystoneTokenProvider } from './service-token.js';
import { tokenBody, tokenExpiry } from './token-body.js';

/** Options of {@link createKeystoneAuthenticator}. */
export interface KeystoneAuthOptions {
  /** The server's own service account (validates callers' tokens with its token). */
  readonly service: KeystoneCredentials;
  /** Sent in `WWW-Authenticate: Keystone uri="…"` with every 401. @default service.authUrl */
  readonly wwwAuthenticateUri?: string;
  /** How long a validated token is trusted without asking Keystone again (never past its expiry). @default 60 */
  readonly cacheTtlSeconds?: number;
  /** Most validated tokens kept in the cache (oldest dropped first). @default 10000 */
  readonly cacheSize?: number;
  /** Timeout of one Keystone request in ms. @default 5000 */
  readonly timeoutMs?: number;
  /** A ready service token provider (e.g. shared with the driver); built from `service` otherwise. */
  readonly serviceToken?: KeystoneTokenProvider;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** The Keystone authenticator, plus its service token for other clients (the Proton driver). */
export interface KeystoneAuthenticator extends Authenticator {
  /** The server's own service token (renewed before expiry). */
  readonly serviceToken: KeystoneTokenProvider;
  /** Drops every cached validation (e.g. after a revocation wave). */
  clearCache(): void;
}

/**
 * Validates `X-Auth-Token` against Keystone v3 (`GET /v3/auth/tokens` with
 * `X-Subject-Token`, authenticated by the server's own service token), caching each
 * result for `cacheTtlSeconds` but never past the token's `expires_at`.
 *
 * - no token → 401 `GLUON_ERR_AUTH_REQUIRED`; unknown, revoked, expired or unscoped
 *   token → 401 `GLUON_ERR_AUTH_INVALID_TOKEN`; both with `WWW-Authenticate: Keystone uri="…"`;
 * - Keystone unreachable, or refusing the service credentials → 503 `GLUON_ERR_AUTH_UNAVAILABLE`.
 */
export function createKeystoneAuthenticator(options: KeystoneAuthOptions): KeystoneAuthenticator {
  const base = v3Base(options.service.authUrl);
  const uri = options.wwwAuthenticateUri ?? options.service.authUrl.replace(/\/+$/, '');
  const challenge = `Keystone uri="${uri}"`;
  const ttl = (options.cacheTtlSeconds ?? 60) * 1000;
  const maxEntries = options.cacheSize ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  const serviceToken = options.serviceToken ?? createKeystoneTokenProvider({ ...options.service, timeoutMs, now });
  const keystone = keystoneHttp({ timeoutMs, trustedCa: options.service.trustedCa });
  const cache = new Map<string, { identity: Identity; until: number }>();
  // Concurrent requests with the same token share one validation.
  const inFlight = new Map<string, Promise<Identity>>();

  const validate = async (token: string, retried = false): Promise<Identity> => {
    const own = await serviceToken();
    const answer = await keystone(`${base}/auth/tokens?nocatalog`, {
      method: 'GET',
      headers: { 'x-auth-token': own, 'x-subject-token': token },
    });
    if (answer.status === 401 || answer.status === 403) {
      // Our own token was refused (expired, revoked, keys rotated): get a new one, once.
      serviceToken.invalidate();
      if (!retried) return validate(token, true);
      throw authUnavailableError(`Keystone at ${base} refused this server's own service token (${keystoneMessage(answer)}), so callers' tokens cannot be checked. Check the service account's roles (it needs to validate tokens: admin or service role).`);
    }
    if (answer.status === 404) throw invalidTokenError(`Keystone does not know it (${keystoneMessage(answer)}): unknown, revoked or expired`, challenge);
    if (answer.status !== 200) throw authUnavailableError(`Keystone at ${base} answered HTTP ${answer.status} to a token validation (${keystoneMessage(answer)}); retry later.`);
    const body = tokenBody(answer.body);
    const userId = body?.user?.id;
    const projectId = body?.project?.id;
    if (body === undefined || userId === undefined) throw authUnavailableError(`Keystone at ${base} answered a token validation without a token body; is ${base} a Keystone v3 endpoint?`);
    if (projectId === undefined) throw invalidTokenError('the token is not scoped to a project; ask Keystone for a project-scoped token', challenge);
    const expiresAt = tokenExpiry(body);
    if (expiresAt !== undefined && expiresAt.getTime() <= now()) throw invalidTokenError(`it expired at ${expiresAt.toISOString()}`, challenge);
    return {
      userId,
      ...(body.user?.name === undefined ? {} : { userName: body.user.name }),
      projectId,
      ...(body.project?.name === undefined ? {} : { projectName: body.project.name }),
      roles: (body.roles ?? []).map((role) => role.name).filter((name): name is string => typeof name === 'string'),
      token,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      authStrategy: 'keystone',
    };
  };

  return {
    strategy: 'keystone',
    serviceToken,
    clearCache: () => cache.clear(),
    async authenticate(headers) {
      const token = headerValue(headers, 'x-auth-token');
      if (token === undefined) throw missingTokenError(challenge);
      const hit = cache.get(token);
      const at = now();
      if (hit !== undefined) {
        if (at < hit.until) return hit.identity;
        cache.delete(token);
      }
      let pending = inFlight.get(token);
      if (pending === undefined) {
        pending = validate(token).finally(() => inFlight.delete(token));
        inFlight.set(token, pending);
      }
      const identity = await pending;
      const until = Math.min(at + ttl, identity.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
      if (ttl > 0) {
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
        cache.set(token, { identity, until });
      }
      return identity;
    },
    close: () => {
      cache.clear();
      return Promise.resolve();
    },
  };
}
