import { createHash, randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { authConfigError, invalidTokenError, missingTokenError } from './auth-errors.js';
import { headerValue, type Authenticator } from './authenticator.js';
import type { Identity } from './identity.js';

/** One static API token of a token file (the token itself is never stored, only its hash). */
export interface TokenFileEntry {
  /** A label for logs and `gluon token` output. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the token. */
  readonly sha256: string;
  readonly userId: string;
  readonly projectId: string;
  readonly roles: readonly string[];
  /** The token is refused from this instant on. */
  readonly expiresAt?: Date;
}

/**
 * The SHA-256 (hex) of a token, as stored in a token file. A fast hash is enough here:
 * the tokens are long random secrets (see {@link generateApiToken}), not passwords, so
 * there is nothing to brute-force, and an unsalted hash lets the server find the entry
 * with one lookup.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random API token: `glt_` + 32 random bytes in base64url (256 bits). */
export function generateApiToken(): string {
  return `glt_${randomBytes(32).toString('base64url')}`;
}

/** The YAML text of one token file entry (what `gluon token new` prints). */
export function formatTokenEntry(entry: TokenFileEntry): string {
  const lines = [
    `  - name: ${JSON.stringify(entry.name)}`,
    `    sha256: ${entry.sha256}`,
    `    user_id: ${JSON.stringify(entry.userId)}`,
    `    project_id: ${JSON.stringify(entry.projectId)}`,
    `    roles: [${entry.roles.map((r) => JSON.stringify(r)).join(', ')}]`,
  ];
  if (entry.expiresAt !== undefined) lines.push(`    expires_at: ${entry.expiresAt.toISOString()}`);
  return `${lines.join('\n')}\n`;
}

/** The non-empty string `raw[key]`; throws when it is missing or not one. */
function requiredString(raw: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(raw, key, where);
  if (value === undefined) throw authConfigError(`${where}.${key}`, `${where}: "${key}" is required (a non-empty string)`);
  return value;
}

/** The non-empty string `raw[key]`, or `undefined` when it is absent; throws when it is not a string. */
function optionalString(raw: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw authConfigError(`${where}.${key}`, `${where}: "${key}" must be a non-empty string, got ${JSON.stringify(value)}`, value);
  }
  return value;
}

/**
 * Parses a token file (YAML or JSON): `{ tokens: [{ name, sha256, user_id, project_id,
 * roles, expires_at? }] }`. Pure: the caller reads the file.
 *
 * @throws GluonError `GLUON_ERR_AUTH_CONFIG` naming the entry and field at fault
 */
export function parseTokenFile(text: string, path: string): TokenFileEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw authConfigError(path, `Token file ${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  const tokens = (document as { tokens?: unknown } | null)?.tokens;
  if (document === null || typeof document !== 'object' || !Array.isArray(tokens)) {
    throw authConfigError(path, `Token file ${path} must be a mapping with a "tokens" list, e.g. tokens: [{name, sha256, user_id, project_id, roles}]`);
  }
  const seen = new Set<string>();
  return tokens.map((item: unknown, index) => {
    const where = `${path}: tokens[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw authConfigError(where, `${where} must be a mapping`, item);
    const raw = item as Record<string, unknown>;
    const sha256 = requiredString(raw, 'sha256', where).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw authConfigError(`${where}.sha256`, `${where}: "sha256" must be 64 hex digits (the output of \`gluon token hash\`), never the token itself`, '***');
    }
    if (seen.has(sha256)) throw authConfigError(`${where}.sha256`, `${where}: the same token hash appears twice`);
    seen.add(sha256);
    const roles = raw['roles'] ?? [];
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string' && r !== '')) {
      throw authConfigError(`${where}.roles`, `${where}: "roles" must be a list of role names, got ${JSON.stringify(roles)}`, roles);
    }
    const expiresRaw = raw['expires_at'];
    let expiresAt: Date | undefined;
    if (expiresRaw !== undefined && expiresRaw !== null) {
      expiresAt = new Date(expiresRaw instanceof Date ? expiresRaw.getTime() : String(expiresRaw));
      if (Number.isNaN(expiresAt.getTime())) {
        throw authConfigError(`${where}.expires_at`, `${where}: "expires_at" must be an ISO-8601 date-time, got ${JSON.stringify(expiresRaw)}`, expiresRaw);
      }
    }
    const userId = requiredString(raw, 'user_id', where);
    return {
      name: optionalString(raw, 'name', where) ?? userId,
      sha256,
      userId,
      projectId: requiredString(raw, 'project_id', where),
      roles: roles as string[],
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
  });
}

/** Options of {@link createTokenFileAuthenticator}. */
export interface TokenFileAuthOptions {
  /** The entries (see {@link parseTokenFile}). */
  readonly entries: readonly TokenFileEntry[];
  /** Clock (tests). */
  readonly now?: () => number;
}

/**
 * Static API tokens from a file: the `X-Auth-Token` header's SHA-256 is looked up
 * among the entries; unknown or expired → 401.
 */
export function createTokenFileAuthenticator(options: TokenFileAuthOptions): Authenticator {
  const byHash = new Map(options.entries.map((entry) => [entry.sha256, entry]));
  const now = options.now ?? Date.now;
  return {
    strategy: 'token-file',
    authenticate(headers) {
      const token = headerValue(headers, 'x-auth-token');
      if (token === undefined) return Promise.reject(missingTokenError());
      const entry = byHash.get(hashApiToken(token));
      if (entry === undefined) return Promise.reject(invalidTokenError('unknown token'));
      if (entry.expiresAt !== undefined && entry.expiresAt.getTime() <= now()) {
        return Promise.reject(invalidTokenError(`token "${entry.name}" expired at ${entry.expiresAt.toISOString()}`));
      }
      const identity: Identity = {
        userId: entry.userId,
        userName: entry.name,
        projectId: entry.projectId,
        roles: entry.roles,
        token,
        ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
        authStrategy: 'token-file',
      };
      return Promise.resolve(identity);
    },
  };
}
