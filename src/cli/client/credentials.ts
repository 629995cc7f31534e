import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GluonError } from '../../core/errors/index.js';
import type { GlobalOptions } from './global-options.js';
import type { ClientHttp, TokenSource } from './http.js';

/** Default Proton URL when nothing else names one. */
export const DEFAULT_URL = 'http://127.0.0.1:2705';

/** `OS_*` variables and the clouds.yaml `auth` keys they set (as the openstack CLI reads them). */
const OS_ENV: Readonly<Record<string, string>> = {
  OS_AUTH_URL: 'auth_url',
  OS_USERNAME: 'username',
  OS_PASSWORD: 'password',
  OS_PROJECT_NAME: 'project_name',
  OS_PROJECT_ID: 'project_id',
  OS_USER_DOMAIN_NAME: 'user_domain_name',
  OS_PROJECT_DOMAIN_NAME: 'project_domain_name',
  OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
  OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
  OS_TOKEN: 'token',
  OS_AUTH_TYPE: 'auth_type',
  OS_REGION_NAME: 'region_name',
  OS_INTERFACE: 'interface',
  OS_CACERT: 'cacert',
};

/** Where clouds.yaml is looked for, in order (the openstack CLI's places). */
export function cloudsFiles(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const home = env['HOME'] ?? homedir();
  return [
    ...(env['OS_CLIENT_CONFIG_FILE'] === undefined ? [] : [env['OS_CLIENT_CONFIG_FILE']]),
    join(cwd, 'clouds.yaml'),
    join(env['XDG_CONFIG_HOME'] ?? join(home, '.config'), 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

/** The settings the client connects with. */
export interface Connection {
  /** Proton base URL, if configuration names one (else the catalog or the default). */
  readonly url?: string;
  /** clouds.yaml `auth` keys (flags over `OS_*` over the profile). */
  readonly auth: Readonly<Record<string, string>>;
  readonly authType?: string;
  readonly regionName?: string;
  readonly interface: string;
  /** Where the token cache lives. */
  readonly cacheDir: string;
  /** The CA file (PEM) an https Proton server and Keystone are verified with (`--os-cacert`, `OS_CACERT`, the profile's `cacert`). */
  readonly cacert?: string;
}

interface CloudEntry {
  auth?: Record<string, unknown>;
  auth_type?: string;
  region_name?: string;
  interface?: string;
  proton_url?: string;
  cacert?: string;
}

function readCloud(name: string, env: NodeJS.ProcessEnv, cwd: string): CloudEntry {
  const file = cloudsFiles(env, cwd).find((f) => existsSync(f));
  if (file === undefined) throw new GluonError('GLUON_ERR_CLI_AUTH', `Cloud "${name}" asked for, but no clouds.yaml was found (looked in ${cloudsFiles(env, cwd).join(', ')}).`);
  const doc = parseYaml(readFileSync(file, 'utf8')) as { clouds?: Record<string, CloudEntry> } | null;
  const cloud = doc?.clouds?.[name];
  if (cloud === undefined) throw new GluonError('GLUON_ERR_CLI_AUTH', `Cloud "${name}" is not in ${file} (it has: ${Object.keys(doc?.clouds ?? {}).join(', ') || 'none'}).`);
  return cloud;
}

/** Merges flags, `OS_*` variables and the clouds.yaml profile (`--os-cloud`/`OS_CLOUD`) into one {@link Connection}. */
export function resolveConnection(options: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string): Connection {
  const cloudName = options.osCloud ?? env['OS_CLOUD'];
  const cloud: CloudEntry = cloudName === undefined || cloudName === '' ? {} : readCloud(cloudName, env, cwd);
  const auth: Record<string, string> = {};
  for (const [key, value] of Object.entries(cloud.auth ?? {})) if (value !== undefined && value !== null) auth[key] = String(value);
  for (const [variable, key] of Object.entries(OS_ENV)) if (env[variable] !== undefined && env[variable] !== '') auth[key] = env[variable];
  Object.assign(auth, options.os);
  const url = options.url ?? env['GLUON_URL'] ?? cloud.proton_url;
  const authType = auth['auth_type'] ?? cloud.auth_type;
  const regionName = auth['region_name'] ?? cloud.region_name;
  const cacert = auth['cacert'] ?? cloud.cacert;
  return {
    ...(cacert === undefined ? {} : { cacert }),
    ...(url === undefined ? {} : { url: url.replace(/\/+$/, '') }),
    auth,
    ...(authType === undefined ? {} : { authType }),
    ...(regionName === undefined ? {} : { regionName }),
    interface: auth['interface'] ?? cloud.interface ?? 'public',
    cacheDir: join(env['XDG_CACHE_HOME'] ?? join(env['HOME'] ?? homedir(), '.cache'), 'gluon', 'tokens'),
  };
}

interface CachedToken {
  token: string;
  expires_at: string;
  proton_url?: string;
}

function cacheFile(connection: Connection): string {
  const a = connection.auth;
  const key = [a['auth_url'], a['username'], a['user_domain_name'], a['project_name'], a['project_id'], a['project_domain_name'], a['application_credential_id'], connection.regionName, connection.interface].join('\n');
  return join(connection.cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

function readCache(file: string, now: number): CachedToken | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedToken;
    return typeof cached.token === 'string' && new Date(cached.expires_at).getTime() - 60_000 > now ? cached : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, cached: CachedToken): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(cached), { mode: 0o600 });
  chmodSync(file, 0o600); // `mode` applies only when the file is created
}

function identity(connection: Connection): Record<string, unknown> {
  const a = connection.auth;
  const type = connection.authType ?? (a['application_credential_id'] !== undefined ? 'v3applicationcredential' : 'password');
  if (type === 'v3applicationcredential') {
    if (a['application_credential_id'] === undefined || a['application_credential_secret'] === undefined) {
      throw new GluonError('GLUON_ERR_CLI_AUTH', 'Application-credential auth needs application_credential_id and application_credential_secret (OS_APPLICATION_CREDENTIAL_ID/SECRET).');
    }
    return { methods: ['application_credential'], application_credential: { id: a['application_credential_id'], secret: a['application_credential_secret'] } };
  }
  if (a['username'] === undefined || a['password'] === undefined) {
    throw new GluonError('GLUON_ERR_CLI_AUTH', `Password auth against ${a['auth_url']} needs a username and a password (OS_USERNAME, OS_PASSWORD or the profile's auth).`);
  }
  return { methods: ['password'], password: { user: { name: a['username'], domain: { name: a['user_domain_name'] ?? 'Default' }, password: a['password'] } } };
}

function scope(connection: Connection): Record<string, unknown> | undefined {
  const a = connection.auth;
  if (a['application_credential_id'] !== undefined) return undefined;
  if (a['project_id'] !== undefined) return { project: { id: a['project_id'] } };
  if (a['project_name'] !== undefined) return { project: { name: a['project_name'], domain: { name: a['project_domain_name'] ?? 'Default' } } };
  return undefined;
}

interface CatalogEntry {
  type?: string;
  name?: string;
  endpoints?: { interface?: string; region?: string | null; region_id?: string | null; url?: string }[];
}

/** The Proton endpoint of a Keystone catalog (service type `proton`, or a service named `gluon`). */
export function protonFromCatalog(catalog: readonly CatalogEntry[], connection: Connection): string | undefined {
  const service = catalog.find((s) => s.type === 'proton') ?? catalog.find((s) => s.name === 'gluon');
  const endpoints = (service?.endpoints ?? []).filter((e) => e.interface === connection.interface);
  const inRegion = (e: (typeof endpoints)[number]): boolean => connection.regionName === undefined || e.region === connection.regionName || e.region_id === connection.regionName;
  // an endpoint of the region asked for, else one registered without a region
  const endpoint = endpoints.find(inRegion) ?? endpoints.find((e) => (e.region ?? e.region_id ?? null) === null);
  return endpoint?.url?.replace(/\/+$/, '');
}

async function keystoneToken(http: ClientHttp, connection: Connection): Promise<CachedToken> {
  const base = (connection.auth['auth_url'] ?? '').replace(/\/+$/, '');
  const url = `${base.endsWith('/v3') ? base : `${base}/v3`}/auth/tokens`;
  const requestScope = scope(connection);
  const answer = await http.send('POST', url, { body: { auth: { identity: identity(connection), ...(requestScope === undefined ? {} : { scope: requestScope }) } } });
  const raw = answer.headers['x-subject-token'];
  const token = Array.isArray(raw) ? raw[0] : raw;
  const body = (answer.body as { token?: { expires_at?: string; catalog?: CatalogEntry[] } } | undefined)?.token;
  if (answer.status !== 201 || token === undefined || body === undefined) {
    const why = (answer.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${answer.status}`;
    throw new GluonError('GLUON_ERR_CLI_AUTH', `Keystone at ${base} refused the credentials (${connection.auth['username'] ?? connection.auth['application_credential_id'] ?? '?'}): ${why}.`);
  }
  const protonUrl = protonFromCatalog(body.catalog ?? [], connection);
  return { token, expires_at: body.expires_at ?? new Date(Date.now() + 3600_000).toISOString(), ...(protonUrl === undefined ? {} : { proton_url: protonUrl }) };
}

/** A token source and the Proton URL to use. */
export interface Credentials extends TokenSource {
  readonly url: string;
}

/**
 * The token and the Proton URL of a connection: a static token (`OS_TOKEN`, the
 * token-file strategy's tokens), a Keystone v3 token (password or application
 * credential) read from the cache while valid or fetched and cached (file mode 0600),
 * or no token at all when nothing names credentials (a noauth server).
 */
export async function resolveCredentials(http: ClientHttp, connection: Connection, now = Date.now()): Promise<Credentials> {
  const staticToken = connection.auth['token'];
  if (staticToken !== undefined) return { url: connection.url ?? DEFAULT_URL, token: async () => staticToken };
  if (connection.auth['auth_url'] === undefined) return { url: connection.url ?? DEFAULT_URL, token: async () => undefined };
  const file = cacheFile(connection);
  let cached = readCache(file, now);
  if (cached === undefined) {
    http.debug(`token cache miss (${file}): asking Keystone`);
    cached = await keystoneToken(http, connection);
    writeCache(file, cached);
  } else {
    http.debug(`token from cache ${file} (expires ${cached.expires_at})`);
  }
  let current = cached;
  return {
    url: connection.url ?? cached.proton_url ?? DEFAULT_URL,
    token: async () => current.token,
    renew: async () => {
      current = await keystoneToken(http, connection);
      writeCache(file, current);
    },
  };
}
