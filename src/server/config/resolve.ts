import { dirname, resolve as resolvePath } from 'node:path';
import type { AuthConfig } from '../../core/auth/index.js';
import { ConfigError, type ErrorDetail } from '../../core/errors/index.js';
import type { ConnectionLimits } from '../../core/http/index.js';
import { authConfigOf } from './auth-config.js';
import { checkGivenValue } from './check-settings.js';
import { crossCheckSettings } from './cross-checks.js';
import { readConfigFile, type ConfigFileInput } from './file-keys.js';
import type { ConfigSource, ValueOrigin } from './origin.js';
import { readSettingValue } from './read-text.js';
import { secretFileVariable } from './setting.js';
import { CONFIG_DEFAULTS, CONFIG_KEYS, settingOf, type ConfigKey, type ServerFlags, type SettingValues } from './settings.js';

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
  /**
   * The text of the files named by the `<env>_FILE` variables of secret settings (e.g.
   * `GLUON_KEYSTONE_PASSWORD_FILE`), by variable; `loadServerConfig` reads them. A
   * secret's own variable wins over its file.
   */
  readonly secretFiles?: Readonly<Record<string, string>>;
}

/**
 * The resolved, validated settings of a server: the value of every setting (see
 * docs/configuration.md), and what is derived from them.
 */
export type ServerConfig = SettingValues & {
  /** Idle, header and request timeouts and the connection cap (the `connectionLimits` option of createProtonServer). */
  readonly connectionLimits: ConnectionLimits;
  /** The config file that was read, if any. */
  readonly configFile?: string;
  /** How callers authenticate (undefined = noauth); see docs/security.md. */
  readonly auth?: AuthConfig;
  /** Where each setting came from. */
  readonly sources: Readonly<Record<ConfigKey, ConfigSource>>;
};

/** A raw value and where it was found. */
interface FoundValue {
  readonly raw: unknown;
  readonly origin: ValueOrigin;
}

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
  const fileValues = input.file === undefined ? {} : readConfigFile(input.file, problems);
  const wanted = new Set<ConfigKey>(input.only ?? CONFIG_KEYS);
  const values: Record<string, unknown> = { ...CONFIG_DEFAULTS };
  const sources = Object.fromEntries(CONFIG_KEYS.map((key) => [key, 'default'])) as Record<ConfigKey, ConfigSource>;
  const origins: Partial<Record<ConfigKey, ValueOrigin>> = {};
  const given = new Set<ConfigKey>();
  for (const key of CONFIG_KEYS.filter((k) => wanted.has(k))) {
    const found = findValue(key, input, fileValues);
    if (found === undefined) continue;
    given.add(key);
    const setting = settingOf(key);
    const value = readSettingValue(setting, found.raw);
    const problem = checkGivenValue({ key, setting, value, raw: found.raw, origin: found.origin });
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    values[key] = setting.pathFromFile === true && input.file !== undefined && found.origin.source === 'file' ? fromFileDirectory(input.file, value) : value;
    sources[key] = found.origin.source;
    origins[key] = found.origin;
  }
  const checked = values as SettingValues;
  problems.push(...crossCheckSettings({ values: checked, origins, wanted, given }));
  if (problems.length > 0) throw configError(problems);
  const auth = authConfigOf(checked);
  return {
    ...checked,
    maxBindTimeoutMs: Math.max(checked.bindTimeoutMs, checked.maxBindTimeoutMs),
    connectionLimits: {
      idleTimeoutMs: checked.idleTimeoutMs,
      headersTimeoutMs: checked.headersTimeoutMs,
      requestTimeoutMs: checked.requestTimeoutMs,
      maxConnections: checked.maxConnections,
    },
    ...(input.file === undefined ? {} : { configFile: input.file.path }),
    ...(auth === undefined ? {} : { auth }),
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

/** A path (or list of paths) given in the config file, relative to the file's directory. */
function fromFileDirectory(file: ConfigFileInput, value: unknown): unknown {
  const base = dirname(file.path);
  return Array.isArray(value) ? value.map((path) => resolvePath(base, String(path))) : resolvePath(base, String(value));
}

/** The first source that gives a setting: its flag, its variable, then the config file. */
function findValue(key: ConfigKey, input: ResolveServerConfigInput, fileValues: Readonly<Record<string, unknown>>): FoundValue | undefined {
  const setting = settingOf(key);
  const flag = setting.flag === undefined ? undefined : (input.flags as Readonly<Record<string, unknown>> | undefined)?.[key];
  if (flag !== undefined && !(Array.isArray(flag) && flag.length === 0)) return { raw: flag, origin: { source: 'flag', name: setting.flag?.name ?? key } };
  const env = input.env?.[setting.env];
  if (env !== undefined && env !== '') return { raw: env, origin: { source: 'env', name: setting.env } };
  const secretFile = setting.secret === true ? input.secretFiles?.[secretFileVariable(setting)] : undefined;
  if (secretFile !== undefined) return { raw: secretFile.replace(/\r?\n$/, ''), origin: { source: 'env', name: secretFileVariable(setting) } };
  if (Object.hasOwn(fileValues, key) && fileValues[key] !== null && input.file !== undefined) {
    return { raw: fileValues[key], origin: { source: 'file', name: key, file: input.file.path } };
  }
  return undefined;
}
