import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../../core/errors/index.js';
import { resolveServerConfig, type ResolveServerConfigInput, type ServerConfig } from './resolve.js';
import { secretFileVariable } from './setting.js';
import { CONFIG_FILE_SETTING, CONFIG_KEYS, DEFAULT_CONFIG_FILE, settingOf, type ConfigKey, type ServerFlags } from './settings.js';

/** Inputs of {@link loadServerConfig}. */
export interface LoadServerConfigInput {
  /** Command-line flags. */
  readonly flags?: ServerFlags;
  /** Environment variables. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory where `gluon.yaml` is looked for. @default process.cwd() */
  readonly cwd?: string;
  /** Resolve only these settings (see {@link ResolveServerConfigInput.only}). */
  readonly only?: ResolveServerConfigInput['only'];
}

/**
 * Finds the config file (`--config`, else `GLUON_CONFIG`, else `gluon.yaml` in `cwd`
 * when it exists), reads it and the files of secret settings (`GLUON_…_PASSWORD_FILE`), and resolves the settings with {@link resolveServerConfig}.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` when an explicitly named config file cannot
 * be read, or when any setting is invalid.
 */
export async function loadServerConfig(input: LoadServerConfigInput = {}): Promise<ServerConfig> {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const explicitFlag = input.flags?.config;
  const explicitEnv = env[CONFIG_FILE_SETTING.env];
  const explicit =
    typeof explicitFlag === 'string' && explicitFlag !== ''
      ? { path: explicitFlag, from: `flag ${CONFIG_FILE_SETTING.flag.name}` }
      : explicitEnv !== undefined && explicitEnv !== ''
        ? { path: explicitEnv, from: `environment variable ${CONFIG_FILE_SETTING.env}` }
        : undefined;

  const path = resolvePath(cwd, explicit?.path ?? DEFAULT_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit !== undefined || code !== 'ENOENT') {
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
      throw new ConfigError(
        `Config file "${explicit?.path ?? path}" (from ${explicit?.from ?? `the working directory (${DEFAULT_CONFIG_FILE})`}) cannot be read: ${reason}. ` +
          'Give the path of a readable YAML file, or leave the setting out to use the defaults.',
        { cause: err, details: [{ field: 'config', rule: 'readable', value: explicit?.path ?? path, message: `cannot read ${path}: ${reason}` }] },
      );
    }
  }
  const secretFiles = await readSecretFiles(env, input.only);
  return resolveServerConfig({
    ...(input.flags === undefined ? {} : { flags: input.flags }),
    env,
    secretFiles,
    ...(text === undefined ? {} : { file: { path, text } }),
    ...(input.only === undefined ? {} : { only: input.only }),
  });
}

/**
 * Reads the files named by the `<env>_FILE` variables of the secret settings (of `only`,
 * default every one): a password kept in a file of its own, out of `ps` and of the
 * process environment's listings.
 * @throws ConfigError `GLUON_ERR_CONFIG` when a named file cannot be read.
 */
async function readSecretFiles(env: Readonly<Record<string, string | undefined>>, only: readonly ConfigKey[] | undefined): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const key of only ?? CONFIG_KEYS) {
    const setting = settingOf(key);
    const variable = secretFileVariable(setting);
    const path = env[variable];
    if (setting.secret !== true || path === undefined || path === '') continue;
    try {
      files[variable] = await readFile(path, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`Invalid ${key}: the file ${path} (from environment variable ${variable}) cannot be read (${reason}); give a readable file holding the value.`, {
        cause: err,
        details: [{ field: key, rule: 'readable', value: path, message: `cannot read ${path} (${reason})` }],
      });
    }
  }
  return files;
}
