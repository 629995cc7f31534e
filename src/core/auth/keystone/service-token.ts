import { authUnavailableError } from '../auth-errors.js';
import { answerHeader, keystoneHttp, keystoneMessage, v3Base } from './keystone-http.js';
import { tokenBody, tokenExpiry } from './token-body.js';

/** A service account in Keystone (password auth, project-scoped). */
export interface KeystoneCredentials {
  /** Keystone URL, with or without `/v3`. */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  /** The project the token is scoped to (e.g. `service`). */
  readonly projectName: string;
  /** @default 'Default' */
  readonly userDomainName?: string;
  /** @default 'Default' */
  readonly projectDomainName?: string;
  /** CA certificates (PEM) to verify an https Keystone with, instead of the system ones. */
  readonly trustedCa?: string;
}

/** Options of {@link createKeystoneTokenProvider}. */
export interface KeystoneTokenProviderOptions extends KeystoneCredentials {
  /** Renew the token this long before it expires (capped at half its lifetime). @default 120 */
  readonly renewBeforeSeconds?: number;
  /** Timeout of one Keystone request in ms. @default 5000 */
  readonly timeoutMs?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/**
 * A service credential: gets a token by password auth, caches it, and renews it before
 * it expires. Usable wherever a `TokenProvider` (`() => Promise<string | undefined>`)
 * is expected — the Proton driver's `tokenProvider`, the Keystone authenticator.
 */
export interface KeystoneTokenProvider {
  /** The current token (fetched or renewed when needed; concurrent callers share one request). */
  (): Promise<string>;
  /** Forgets the cached token (after Keystone refused it); the next call fetches a new one. */
  invalidate(): void;
}

/**
 * Creates a {@link KeystoneTokenProvider} for a service account.
 *
 * @throws (from the provider) `GLUON_ERR_AUTH_UNAVAILABLE` (503) when Keystone is
 * unreachable or refuses the service credentials (the message says which)
 * @example
 * ```ts
 * const tokenProvider = createKeystoneTokenProvider({ authUrl, username: 'gluon', password, projectName: 'service' });
 * const driver = createProtonDriver({ ..., tokenProvider });
 * ```
 */
export function createKeystoneTokenProvider(options: KeystoneTokenProviderOptions): KeystoneTokenProvider {
  const base = v3Base(options.authUrl);
  const now = options.now ?? Date.now;
  const renewBefore = (options.renewBeforeSeconds ?? 120) * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const keystone = keystoneHttp({ timeoutMs, trustedCa: options.trustedCa });
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const issuedAt = now();
    const answer = await keystone(`${base}/auth/tokens?nocatalog`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: options.username, domain: { name: options.userDomainName ?? 'Default' }, password: options.password } },
          },
          scope: { project: { name: options.projectName, domain: { name: options.projectDomainName ?? 'Default' } } },
        },
      },
    });
    const token = answerHeader(answer, 'x-subject-token');
    if (answer.status !== 201 || token === undefined) {
      throw authUnavailableError(
        `Keystone at ${base} refused the service credentials (user "${options.username}", project "${options.projectName}"): ${keystoneMessage(answer)} (HTTP ${answer.status}). Check the service username, password and project settings.`,
      );
    }
    const body = tokenBody(answer.body);
    const expires = body === undefined ? undefined : tokenExpiry(body);
    const lifetime = expires === undefined ? 3600_000 : Math.max(0, expires.getTime() - issuedAt);
    cached = { token, renewAt: issuedAt + lifetime - Math.min(renewBefore, lifetime / 2) };
    return token;
  };

  const provider = (async (): Promise<string> => {
    if (cached !== undefined && now() < cached.renewAt) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }) as KeystoneTokenProvider;
  provider.invalidate = () => {
    cached = undefined;
  };
  return provider;
}
