import { type Command, Option } from 'commander';
import { CONFIG_FILE_SETTING, FLAG_KEYS, SETTINGS, type ConfigKey, type FlagKey, type ServerFlags, type SettingDeclaration } from '../../server/index.js';

/** A setting a command takes as a flag: a setting of `gluon serve`, or the config file. */
export type SettingFlagKey = FlagKey | 'config';

/** What a command says differently of a shared setting, by setting. */
export type SettingHelpOverrides = Readonly<Partial<Record<SettingFlagKey, string>>>;

/** A repeated list flag keeps every value (each may itself be comma-separated). */
function collect(value: string, previous: string | readonly string[] | undefined): string[] {
  return [...(previous === undefined ? [] : typeof previous === 'string' ? [previous] : previous), value];
}

/**
 * The commander option of a setting, derived from its declaration: the flag, its
 * environment variable and its help line (with the default, unless `help` replaces it).
 * The value is checked later, with every other one, by `loadServerConfig`.
 *
 * @example
 * ```ts
 * new Command('serve').addOption(settingOption('port'));
 * ```
 */
export function settingOption(key: SettingFlagKey, help?: string): Option {
  const setting: SettingDeclaration = key === 'config' ? CONFIG_FILE_SETTING : SETTINGS[key];
  const flag = setting.flag;
  if (flag === undefined) throw new TypeError(`the setting ${key} has no flag`);
  const fallback = setting.default === undefined || setting.default === '' ? '' : ` (default: ${String(setting.default)})`;
  const option = new Option(`${flag.name} ${flag.arg}`, help ?? `${flag.help}${fallback}`).env(setting.env);
  return setting.schema.type === 'array' ? option.argParser(collect) : option;
}

/** Adds the options of these settings to a command, in the order given. */
export function addSettingOptions(command: Command, keys: readonly SettingFlagKey[], help: SettingHelpOverrides = {}): Command {
  for (const key of keys) command.addOption(settingOption(key, help[key]));
  return command;
}

/** The settings every etcd client command shares to reach a TLS etcd with authentication (the password has no flag). */
export const ETCD_ACCESS_KEYS = ['etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'etcdUsername', 'etcdPassword'] as const satisfies readonly ConfigKey[];

/** Those of {@link ETCD_ACCESS_KEYS} that have a flag. */
export const ETCD_ACCESS_FLAG_KEYS = ['etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'etcdUsername'] as const satisfies readonly SettingFlagKey[];

/** Every setting of `gluon serve` that has a flag, then the config file. */
export const SERVE_FLAG_KEYS: readonly SettingFlagKey[] = [...FLAG_KEYS, 'config'];

/**
 * The settings typed on the command line (of `keys`, default every one). Values commander read from the environment
 * are left out: `loadServerConfig` reads the environment itself, so its messages name
 * the variable.
 */
export function typedSettingFlags(command: Command, keys: readonly SettingFlagKey[] = SERVE_FLAG_KEYS): ServerFlags {
  const flags: Record<string, unknown> = {};
  for (const key of keys) {
    if (command.getOptionValueSource(key) === 'cli') flags[key] = command.getOptionValue(key) as unknown;
  }
  return flags as ServerFlags;
}
