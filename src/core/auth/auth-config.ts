import { readFile } from 'node:fs/promises';
import { authConfigError } from './auth-errors.js';
import type { Authenticator } from './authenticator.js';
import { createKeystoneAuthenticator, type KeystoneAuthenticator } from './keystone/keystone-authenticator.js';
import type { KeystoneCredentials } from './keystone/service-token.js';
import { createNoAuthAuthenticator, type NoAuthOptions } from './noauth.js';
import { createTokenFileAuthenticator, parseTokenFile } from './token-file.js';

/** The authenticator strategies. */
export const AUTH_STRATEGIES = ['noauth', 'token-file', 'keystone'] as const;

/** Keystone settings of the `keystone` strategy. */
export interface KeystoneAuthConfig extends KeystoneCredentials {
  /** Sent in `WWW-Authenticate` with 401s. @default authUrl */
  readonly wwwAuthenticateUri?: string;
  /** Validation cache TTL in seconds. @default 60 */
  readonly cacheTtlSeconds?: number;
  /** Timeout of one Keystone request in ms. @default 5000 */
  readonly timeoutMs?: number;
}

/** How a server authenticates callers (`auth:` in gluon.yaml, `auth` option of createProtonServer). */
export type AuthConfig =
  | ({ readonly strategy: 'noauth' } & NoAuthOptions)
  | { readonly strategy: 'token-file'; /** Path of the token file. */ readonly tokenFile: string }
  | { readonly strategy: 'keystone'; readonly keystone: KeystoneAuthConfig };

/**
 * Builds the authenticator of a config (reads the token file for `token-file`).
 * @throws GluonError `GLUON_ERR_AUTH_CONFIG` for an unknown strategy, a missing or
 *   invalid token file, or missing Keystone settings
 */
export async function createAuthenticator(config: AuthConfig): Promise<Authenticator | KeystoneAuthenticator> {
  switch (config.strategy) {
    case 'noauth':
      return createNoAuthAuthenticator(config);
    case 'token-file': {
      let text: string;
      try {
        text = await readFile(config.tokenFile, 'utf8');
      } catch (err) {
        throw authConfigError('tokenFile', `Token file ${config.tokenFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it with entries from \`gluon token new\`.`, config.tokenFile);
      }
      return createTokenFileAuthenticator({ entries: parseTokenFile(text, config.tokenFile) });
    }
    case 'keystone': {
      const ks = config.keystone as Partial<KeystoneAuthConfig> | undefined;
      const missing = (['authUrl', 'username', 'password', 'projectName'] as const).filter((key) => typeof ks?.[key] !== 'string' || ks[key] === '');
      if (ks === undefined || missing.length > 0) {
        throw authConfigError('keystone', `The keystone auth strategy needs ${missing.map((m) => `keystone.${m}`).join(', ')} (the server's own service account; give the password via GLUON_KEYSTONE_PASSWORD or the config file, never only on the command line).`);
      }
      return createKeystoneAuthenticator({
        service: config.keystone,
        ...(config.keystone.wwwAuthenticateUri === undefined ? {} : { wwwAuthenticateUri: config.keystone.wwwAuthenticateUri }),
        ...(config.keystone.cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds: config.keystone.cacheTtlSeconds }),
        ...(config.keystone.timeoutMs === undefined ? {} : { timeoutMs: config.keystone.timeoutMs }),
      });
    }
    default:
      throw authConfigError('auth.strategy', `Unknown auth strategy ${JSON.stringify((config as { strategy?: unknown }).strategy)}; allowed: ${AUTH_STRATEGIES.join(', ')}.`, (config as { strategy?: unknown }).strategy);
  }
}

/**
 * Reads and parses a policy file (YAML or JSON).
 * @throws GluonError `GLUON_ERR_AUTH_CONFIG` when it cannot be read or is not a mapping
 */
export async function readPolicyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw authConfigError('policyFile', `Policy file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, path);
  }
}
