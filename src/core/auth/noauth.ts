import type { Authenticator } from './authenticator.js';
import type { Identity } from './identity.js';

/** Options of {@link createNoAuthAuthenticator}. */
export interface NoAuthOptions {
  /** The project every caller acts in. @default 'admin' */
  readonly projectId?: string;
  /** The user every caller is. @default 'admin' */
  readonly userId?: string;
  /** The roles every caller has. @default ['admin'] */
  readonly roles?: readonly string[];
}

/**
 * The embedded default: no credentials are asked for and every caller is the same
 * identity — by default user `admin`, project `admin`, role `admin` (so the policy rules
 * let it do anything). Use it on loopback or behind an authenticating proxy only.
 */
export function createNoAuthAuthenticator(options: NoAuthOptions = {}): Authenticator {
  const identity: Identity = {
    userId: options.userId ?? 'admin',
    userName: options.userId ?? 'admin',
    projectId: options.projectId ?? 'admin',
    projectName: options.projectId ?? 'admin',
    roles: [...(options.roles ?? ['admin'])],
    authStrategy: 'noauth',
  };
  return {
    strategy: 'noauth',
    authenticate: () => Promise.resolve(identity),
  };
}
