import { dirname, resolve as resolvePath } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, type ErrorDetail } from '../core/errors/index.js';
import {
  checkAdvertisedUrl,
  checkDb,
  checkEtcd,
  checkEtcdPrefix,
  checkHost,
  checkLogFormat,
  checkLogLevel,
  checkMigrate,
  checkModels,
  checkPort,
  checkWholeNumber,
  describeOrigin,
  isWildcardHost,
  type ConfigSource,
  type LogFormat,
  type LogLevel,
  type RuleResult,
  type ValueOrigin,
} from './config-rules.js';
import { AUTH_CONFIG_KEYS, authConfigFromSettings, checkAuthStrategy, checkHttpUrl, checkSeconds, checkText, type AuthSettings } from './auth-config-rules.js';
import type { AuthConfig } from '../core/auth/index.js';
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_JSON_DEPTH, type ConnectionLimits } from '../core/http/index.js';
import type { MigrateMode } from '../core/store/index.js';

/** The settings of `gluon serve`, as named in `gluon.yaml` and in {@link ServerConfig}. */
export const CONFIG_KEYS = [
  'models', 'db', 'host', 'port', 'advertisedUrl', 'etcd', 'etcdPrefix', 'logLevel',
  'bindTimeoutMs', 'maxBindTimeoutMs', 'leaseTtlSeconds',
  'idleTimeoutMs', 'headersTimeoutMs', 'requestTimeoutMs', 'maxConnections', 'maxJsonDepth',
  'watchHeartbeatSeconds', 'watchBufferBytes', 'mirrorStallSeconds', 'logFormat', 'migrate',
  ...AUTH_CONFIG_KEYS,
] as const;
/** One setting name. */
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** The command-line flag of each setting. */
export const CONFIG_FLAGS: Readonly<Record<ConfigKey | 'config', string>> = {
  models: '--models',
  db: '--db',
  host: '--host',
  port: '--port',
  advertisedUrl: '--advertised-url',
  etcd: '--etcd',
  etcdPrefix: '--etcd-prefix',
  logLevel: '--log-level',
  bindTimeoutMs: '--bind-timeout-ms',
  maxBindTimeoutMs: '--max-bind-timeout-ms',
  leaseTtlSeconds: '--lease-ttl-seconds',
  idleTimeoutMs: '--idle-timeout-ms',
  headersTimeoutMs: '--headers-timeout-ms',
  requestTimeoutMs: '--request-timeout-ms',
  maxConnections: '--max-connections',
  maxJsonDepth: '--max-json-depth',
  watchHeartbeatSeconds: '--watch-heartbeat-seconds',
  watchBufferBytes: '--watch-buffer-bytes',
  mirrorStallSeconds: '--mirror-stall-seconds',
  logFormat: '--log-format',
  migrate: '--migrate',
  authStrategy: '--auth-strategy',
  policyFile: '--policy-file',
  tokenFile: '--token-file',
  keystoneUrl: '--keystone-url',
  // Keystone service credentials have no flags (a password on the command line shows in `ps`).
  keystoneUsername: '(no flag)',
  keystonePassword: '(no flag)',
  keystoneProject: '(no flag)',
  keystoneUserDomain: '(no flag)',
  keystoneProjectDomain: '(no flag)',
  keystoneCacheTtl: '(no flag)',
  config: '--config',
};

/** The environment variable of each setting. */
export const CONFIG_ENV: Readonly<Record<ConfigKey | 'config', string>> = {
  models: 'GLUON_MODELS',
  db: 'GLUON_DB',
  host: 'GLUON_HOST',
  port: 'GLUON_PORT',
  advertisedUrl: 'GLUON_ADVERTISED_URL',
  etcd: 'GLUON_ETCD',
  etcdPrefix: 'GLUON_ETCD_PREFIX',
  logLevel: 'GLUON_LOG_LEVEL',
  bindTimeoutMs: 'GLUON_BIND_TIMEOUT_MS',
  maxBindTimeoutMs: 'GLUON_MAX_BIND_TIMEOUT_MS',
  leaseTtlSeconds: 'GLUON_LEASE_TTL_SECONDS',
  idleTimeoutMs: 'GLUON_IDLE_TIMEOUT_MS',
  headersTimeoutMs: 'GLUON_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'GLUON_REQUEST_TIMEOUT_MS',
  maxConnections: 'GLUON_MAX_CONNECTIONS',
  maxJsonDepth: 'GLUON_MAX_JSON_DEPTH',
  watchHeartbeatSeconds: 'GLUON_WATCH_HEARTBEAT_SECONDS',
  watchBufferBytes: 'GLUON_WATCH_BUFFER_BYTES',
  mirrorStallSeconds: 'GLUON_MIRROR_STALL_SECONDS',
  logFormat: 'GLUON_LOG_FORMAT',
  migrate: 'GLUON_MIGRATE',
  authStrategy: 'GLUON_AUTH_STRATEGY',
  policyFile: 'GLUON_POLICY_FILE',
  tokenFile: 'GLUON_TOKEN_FILE',
  keystoneUrl: 'GLUON_KEYSTONE_URL',
  keystoneUsername: 'GLUON_KEYSTONE_USERNAME',
  keystonePassword: 'GLUON_KEYSTONE_PASSWORD',
  keystoneProject: 'GLUON_KEYSTONE_PROJECT',
  keystoneUserDomain: 'GLUON_KEYSTONE_USER_DOMAIN',
  keystoneProjectDomain: 'GLUON_KEYSTONE_PROJECT_DOMAIN',
  keystoneCacheTtl: 'GLUON_KEYSTONE_CACHE_TTL',
  config: 'GLUON_CONFIG',
};

/** Defaults of the settings that have one (`models` defaults to the bundled models, `etcd` to none). */
export const CONFIG_DEFAULTS = {
  db: 'sqlite:./gluon.db',
  host: '127.0.0.1',
  port: 2705,
  etcdPrefix: '',
  logLevel: 'info',
  bindTimeoutMs: 10_000,
  maxBindTimeoutMs: 120_000,
  leaseTtlSeconds: 10,
  idleTimeoutMs: DEFAULT_CONNECTION_LIMITS.idleTimeoutMs,
  headersTimeoutMs: DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
  requestTimeoutMs: DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
  maxConnections: DEFAULT_CONNECTION_LIMITS.maxConnections,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  watchHeartbeatSeconds: 15,
  watchBufferBytes: 1_048_576,
  mirrorStallSeconds: 60,
} as const satisfies Partial<Record<ConfigKey, unknown>>;

/** The name of the config file looked for in the working directory. */
export const DEFAULT_CONFIG_FILE = 'gluon.yaml';

/** Raw flag values as the CLI parsed them (strings; lists for repeatable flags). */
export interface ServerFlags {
  /** `--models` (docs/configuration.md). */
  readonly models?: string | readonly string[];
  /** `--db` (docs/configuration.md). */
  readonly db?: string;
  /** `--host` (docs/configuration.md). */
  readonly host?: string;
  /** `--port` (docs/configuration.md). */
  readonly port?: string | number;
  /** `--advertised-url` (docs/configuration.md). */
  readonly advertisedUrl?: string;
  /** `--etcd` (docs/configuration.md). */
  readonly etcd?: string | readonly string[];
  /** `--etcd-prefix` (docs/configuration.md). */
  readonly etcdPrefix?: string;
  /** `--log-level` (docs/configuration.md). */
  readonly logLevel?: string;
  /** `--bind-timeout-ms` (docs/configuration.md). */
  readonly bindTimeoutMs?: string | number;
  /** `--max-bind-timeout-ms` (docs/configuration.md). */
  readonly maxBindTimeoutMs?: string | number;
  /** `--lease-ttl-seconds` (docs/configuration.md). */
  readonly leaseTtlSeconds?: string | number;
  /** `--idle-timeout-ms` (docs/configuration.md). */
  readonly idleTimeoutMs?: string | number;
  /** `--headers-timeout-ms` (docs/configuration.md). */
  readonly headersTimeoutMs?: string | number;
  /** `--request-timeout-ms` (docs/configuration.md). */
  readonly requestTimeoutMs?: string | number;
  /** `--max-connections` (docs/configuration.md). */
  readonly maxConnections?: string | number;
  /** `--max-json-depth` (docs/configuration.md). */
  readonly maxJsonDepth?: string | number;
  /** `--watch-heartbeat-seconds` (docs/configuration.md). */
  readonly watchHeartbeatSeconds?: string | number;
  /** `--watch-buffer-bytes` (docs/configuration.md). */
  readonly watchBufferBytes?: string | number;
  /** `--mirror-stall-seconds` (docs/configuration.md). */
  readonly mirrorStallSeconds?: string | number;
  /** `--log-format` (docs/configuration.md). */
  readonly logFormat?: string;
  /** `--migrate` (docs/configuration.md, docs/migrations.md). */
  readonly migrate?: string;
  /** `--auth-strategy` (docs/configuration.md). */
  readonly authStrategy?: string;
  /** `--policy-file` (docs/configuration.md). */
  readonly policyFile?: string;
  /** `--token-file` (docs/configuration.md). */
  readonly tokenFile?: string;
  /** `--keystone-url` (docs/configuration.md). */
  readonly keystoneUrl?: string;
  /** `--config` (docs/configuration.md). */
  readonly config?: string;
}

/** A config file's path and text (the caller reads it; resolving stays pure). */
export interface ConfigFileInput {
  /** Where the file was read from (named in errors). */
  readonly path: string;
  /** The file's YAML text. */
  readonly text: string;
}

/** The inputs of {@link resolveServerConfig}. */
export interface ResolveServerConfigInput {
  /** Command-line flags (highest precedence). */
  readonly flags?: ServerFlags;
  /** Environment variables (`GLUON_*`); empty strings count as unset. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The config file, when there is one (lowest precedence before the defaults). */
  readonly file?: ConfigFileInput;
  /**
   * Resolve only these settings (others keep their defaults and are not checked, except
   * that the file may still name them): for commands that share the server's etcd and
   * auth settings, e.g. `gluon arbiter` and `gluon shim run`. Default: every setting.
   */
  readonly only?: readonly ConfigKey[];
}

/** The resolved, validated settings of a server. */
export interface ServerConfig {
  /** Model files/directories; undefined = the package's bundled `models/`. */
  readonly models?: readonly string[];
  /** Database URL (`sqlite:./gluon.db`, `mysql://user@host/db`). */
  readonly db: string;
  /** Address to listen on. */
  readonly host: string;
  /** Port to listen on (0 = a free one). */
  readonly port: number;
  /** undefined = `http://<host>:<port>` (computed once the port is known). */
  readonly advertisedUrl?: string;
  /** etcd endpoints; undefined = the in-process key/value store. */
  readonly etcd?: readonly string[];
  /** Prefix of every etcd key this server writes (`''` = none). */
  readonly etcdPrefix: string;
  /** Log level of the server's pino logger. */
  readonly logLevel: LogLevel;
  /** Default wait of a bind for the shim's result, ms (the `bindTimeoutMs` option of createProtonServer). */
  readonly bindTimeoutMs: number;
  /** Largest `?bind_timeout=` a request may ask for, ms (never below {@link ServerConfig.bindTimeoutMs}). */
  readonly maxBindTimeoutMs: number;
  /** TTL of the publisher-election lease, seconds (the `leaseTtlSeconds` option of createProtonServer). */
  readonly leaseTtlSeconds: number;
  /** Idle, header and request timeouts and the connection cap (the `connectionLimits` option of createProtonServer). */
  readonly connectionLimits: ConnectionLimits;
  /** Deepest JSON nesting a request body may have (the `maxJsonDepth` option of createProtonServer). */
  readonly maxJsonDepth: number;
  /** Seconds between heartbeat comments on idle watch streams (the `watchHeartbeatSeconds` option of createProtonServer). */
  readonly watchHeartbeatSeconds: number;
  /** Bytes a watch stream may hold unsent before its client is cut off (the `watchBufferBytes` option of createProtonServer). */
  readonly watchBufferBytes: number;
  /** Age of the oldest change waiting for etcd past which `/readyz` says the mirror is stalled, seconds. */
  readonly mirrorStallSeconds: number;
  /** Log line format: `pretty` (for people) or `json`; undefined = pretty when stderr is a terminal, else JSON. */
  readonly logFormat?: LogFormat;
  /** Schema changes applied at start (`none`, `safe`); undefined = the database's default (SQLite `safe`, MySQL `none`). */
  readonly migrate?: MigrateMode;
  /** The config file that was read, if any. */
  readonly configFile?: string;
  /** How callers authenticate (undefined = noauth); see docs/security.md. */
  readonly auth?: AuthConfig;
  /** Policy file overriding the rules. */
  readonly policyFile?: string;
  /** Where each setting came from. */
  readonly sources: Readonly<Record<ConfigKey, ConfigSource>>;
}

const CHECKS: { readonly [K in ConfigKey]: (value: unknown, origin: ValueOrigin) => RuleResult<unknown> } = {
  models: checkModels,
  db: checkDb,
  host: checkHost,
  port: checkPort,
  advertisedUrl: checkAdvertisedUrl,
  etcd: checkEtcd,
  etcdPrefix: checkEtcdPrefix,
  logLevel: checkLogLevel,
  bindTimeoutMs: checkWholeNumber('bindTimeoutMs', 0, 'milliseconds'),
  maxBindTimeoutMs: checkWholeNumber('maxBindTimeoutMs', 0, 'milliseconds'),
  leaseTtlSeconds: checkWholeNumber('leaseTtlSeconds', 1, 'seconds'),
  idleTimeoutMs: checkWholeNumber('idleTimeoutMs', 1, 'milliseconds'),
  headersTimeoutMs: checkWholeNumber('headersTimeoutMs', 1, 'milliseconds'),
  requestTimeoutMs: checkWholeNumber('requestTimeoutMs', 1, 'milliseconds'),
  maxConnections: checkWholeNumber('maxConnections', 1, 'connections'),
  maxJsonDepth: checkWholeNumber('maxJsonDepth', 2, 'levels'),
  watchHeartbeatSeconds: checkWholeNumber('watchHeartbeatSeconds', 0, 'seconds'),
  watchBufferBytes: checkWholeNumber('watchBufferBytes', 1024, 'bytes'),
  mirrorStallSeconds: checkWholeNumber('mirrorStallSeconds', 1, 'seconds'),
  logFormat: checkLogFormat,
  migrate: checkMigrate,
  authStrategy: checkAuthStrategy,
  policyFile: checkText('policyFile'),
  tokenFile: checkText('tokenFile'),
  keystoneUrl: checkHttpUrl('keystoneUrl'),
  keystoneUsername: checkText('keystoneUsername'),
  keystonePassword: checkText('keystonePassword'),
  keystoneProject: checkText('keystoneProject'),
  keystoneUserDomain: checkText('keystoneUserDomain'),
  keystoneProjectDomain: checkText('keystoneProjectDomain'),
  keystoneCacheTtl: checkSeconds('keystoneCacheTtl'),
};

/**
 * Resolves the server settings from flags, environment and config file, with the
 * precedence **flags > env > file > defaults**, and validates every value.
 * Pure: it reads neither the environment nor the disk itself.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` listing every bad value (the setting, where
 * it came from, the value and what is allowed) and every unknown config file key.
 *
 * @example
 * ```ts
 * const config = resolveServerConfig({ flags: { port: '8080' }, env: process.env });
 * config.port; // 8080
 * config.sources.port; // 'flag'
 * ```
 */
export function resolveServerConfig(input: ResolveServerConfigInput): ServerConfig {
  const problems: ErrorDetail[] = [];
  const fileValues = input.file === undefined ? {} : parseConfigFile(input.file, problems);
  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources = {} as Record<ConfigKey, ConfigSource>;
  const origins: Partial<Record<ConfigKey, ValueOrigin>> = {};

  const wanted = new Set<ConfigKey>(input.only ?? CONFIG_KEYS);
  for (const key of CONFIG_KEYS) {
    const found = wanted.has(key) ? pick(key, input, fileValues) : undefined;
    if (found === undefined) {
      sources[key] = 'default';
      continue;
    }
    const result = CHECKS[key](found.raw, found.origin);
    if (!result.ok) {
      problems.push(result.detail);
      continue;
    }
    let value = result.value;
    if (key === 'models' && found.origin.source === 'file' && input.file !== undefined) {
      const base = dirname(input.file.path);
      value = (value as readonly string[]).map((path) => resolvePath(base, path));
    }
    if ((key === 'policyFile' || key === 'tokenFile') && found.origin.source === 'file' && input.file !== undefined) {
      value = resolvePath(dirname(input.file.path), value as string);
    }
    values[key] = value;
    sources[key] = found.origin.source;
    origins[key] = found.origin;
  }

  const host = (values.host as string | undefined) ?? CONFIG_DEFAULTS.host;
  if (problems.length === 0 && wanted.has('host') && values.advertisedUrl === undefined && isWildcardHost(host)) {
    const origin = origins.host ?? { source: 'default', name: 'host' };
    problems.push({
      field: 'advertisedUrl',
      rule: 'required',
      message:
        `host "${host}" (from ${describeOrigin(origin)}) listens on every interface, so the server cannot tell which URL others reach it at: ` +
        `set advertisedUrl (${CONFIG_FLAGS.advertisedUrl} / ${CONFIG_ENV.advertisedUrl}), e.g. http://proton.example.net:2705.`,
    });
  }

  const authSettings: AuthSettings = {};
  for (const key of AUTH_CONFIG_KEYS) if (values[key] !== undefined) (authSettings as Record<string, unknown>)[key] = values[key];
  const auth = authConfigFromSettings(authSettings);
  problems.push(...auth.problems);

  const bindTimeoutMs = (values.bindTimeoutMs as number | undefined) ?? CONFIG_DEFAULTS.bindTimeoutMs;
  const maxBindTimeoutMs = (values.maxBindTimeoutMs as number | undefined) ?? CONFIG_DEFAULTS.maxBindTimeoutMs;
  if (values.maxBindTimeoutMs !== undefined && maxBindTimeoutMs < bindTimeoutMs) {
    const origin = origins.maxBindTimeoutMs ?? { source: 'default', name: 'maxBindTimeoutMs' };
    problems.push({
      field: 'maxBindTimeoutMs',
      rule: 'min',
      value: maxBindTimeoutMs,
      message:
        `Invalid maxBindTimeoutMs ${maxBindTimeoutMs} (from ${describeOrigin(origin)}): must be at least bindTimeoutMs (${bindTimeoutMs}), ` +
        'the wait of a bind that asks for no ?bind_timeout=.',
    });
  }

  if (problems.length > 0) throw configError(problems);

  return {
    ...(values.models === undefined ? {} : { models: values.models as readonly string[] }),
    db: (values.db as string | undefined) ?? CONFIG_DEFAULTS.db,
    host,
    port: (values.port as number | undefined) ?? CONFIG_DEFAULTS.port,
    ...(values.advertisedUrl === undefined ? {} : { advertisedUrl: values.advertisedUrl as string }),
    ...(values.etcd === undefined ? {} : { etcd: values.etcd as readonly string[] }),
    etcdPrefix: (values.etcdPrefix as string | undefined) ?? CONFIG_DEFAULTS.etcdPrefix,
    logLevel: (values.logLevel as LogLevel | undefined) ?? CONFIG_DEFAULTS.logLevel,
    bindTimeoutMs,
    maxBindTimeoutMs: Math.max(bindTimeoutMs, maxBindTimeoutMs),
    leaseTtlSeconds: (values.leaseTtlSeconds as number | undefined) ?? CONFIG_DEFAULTS.leaseTtlSeconds,
    connectionLimits: {
      idleTimeoutMs: (values.idleTimeoutMs as number | undefined) ?? CONFIG_DEFAULTS.idleTimeoutMs,
      headersTimeoutMs: (values.headersTimeoutMs as number | undefined) ?? CONFIG_DEFAULTS.headersTimeoutMs,
      requestTimeoutMs: (values.requestTimeoutMs as number | undefined) ?? CONFIG_DEFAULTS.requestTimeoutMs,
      maxConnections: (values.maxConnections as number | undefined) ?? CONFIG_DEFAULTS.maxConnections,
    },
    maxJsonDepth: (values.maxJsonDepth as number | undefined) ?? CONFIG_DEFAULTS.maxJsonDepth,
    watchHeartbeatSeconds: (values.watchHeartbeatSeconds as number | undefined) ?? CONFIG_DEFAULTS.watchHeartbeatSeconds,
    watchBufferBytes: (values.watchBufferBytes as number | undefined) ?? CONFIG_DEFAULTS.watchBufferBytes,
    mirrorStallSeconds: (values.mirrorStallSeconds as number | undefined) ?? CONFIG_DEFAULTS.mirrorStallSeconds,
    ...(values.logFormat === undefined ? {} : { logFormat: values.logFormat as LogFormat }),
    ...(values.migrate === undefined ? {} : { migrate: values.migrate as MigrateMode }),
    ...(input.file === undefined ? {} : { configFile: input.file.path }),
    ...(auth.auth === undefined ? {} : { auth: auth.auth }),
    ...(authSettings.policyFile === undefined ? {} : { policyFile: authSettings.policyFile }),
    sources,
  };
}

/** Builds the one ConfigError for a list of problems. */
export function configError(problems: readonly ErrorDetail[]): ConfigError {
  const message =
    problems.length === 1
      ? (problems[0]?.message ?? 'Invalid configuration.')
      : `Invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
  return new ConfigError(message, { details: problems });
}

function pick(
  key: ConfigKey,
  input: ResolveServerConfigInput,
  fileValues: Readonly<Record<string, unknown>>,
): { raw: unknown; origin: ValueOrigin } | undefined {
  const flag = (input.flags as Readonly<Partial<Record<ConfigKey, unknown>>> | undefined)?.[key];
  if (flag !== undefined && !(Array.isArray(flag) && flag.length === 0)) {
    return { raw: flag, origin: { source: 'flag', name: CONFIG_FLAGS[key] } };
  }
  const env = input.env?.[CONFIG_ENV[key]];
  if (env !== undefined && env !== '') return { raw: env, origin: { source: 'env', name: CONFIG_ENV[key] } };
  if (Object.hasOwn(fileValues, key) && fileValues[key] !== null && input.file !== undefined) {
    return { raw: fileValues[key], origin: { source: 'file', name: key, file: input.file.path } };
  }
  return undefined;
}

function parseConfigFile(file: ConfigFileInput, problems: ErrorDetail[]): Readonly<Record<string, unknown>> {
  let data: unknown;
  try {
    data = parseYaml(file.text, { logLevel: 'error' });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? `:${err.linePos[0].line}:${err.linePos[0].col}` : '';
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    problems.push({ field: 'config', rule: 'yaml', value: file.path, message: `Config file ${file.path}${where} is not valid YAML: ${reason}` });
    return {};
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    problems.push({
      field: 'config',
      rule: 'type',
      value: data,
      message: `Config file ${file.path} must be a YAML mapping of settings (${CONFIG_KEYS.join(', ')}), not ${Array.isArray(data) ? 'a list' : typeof data}.`,
    });
    return {};
  }
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      const hint = suggest(key);
      problems.push({
        field: key,
        rule: 'unknown-key',
        value: record[key],
        allowed: CONFIG_KEYS,
        message:
          `Unknown key "${key}" in config file ${file.path}${hint === undefined ? '' : ` (did you mean "${hint}"?)`}: ` +
          `allowed keys are ${CONFIG_KEYS.join(', ')}.`,
      });
    }
  }
  return record;
}

/** The allowed key closest to a misspelt one (case-, dash- and underscore-insensitive, or one edit away). */
function suggest(key: string): ConfigKey | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const wanted = norm(key);
  return CONFIG_KEYS.find((candidate) => norm(candidate) === wanted) ?? CONFIG_KEYS.find((candidate) => editDistance(norm(candidate), wanted) <= 2);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
