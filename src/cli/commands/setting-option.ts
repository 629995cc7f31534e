import { Option } from 'commander';
import { CONFIG_FILE_SETTING, SETTINGS, type FlagKey, type SettingDeclaration } from '../../server/index.js';

/** What a command may say differently of a shared setting. */
export interface SettingOptionOverrides {
  /** The `--help` line (no default appended). */
  readonly help?: string;
}

/** A repeated list flag keeps every value (each may itself be comma-separated). */
function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function optionOf(setting: SettingDeclaration & { readonly flag: NonNullable<SettingDeclaration['flag']> }, overrides: SettingOptionOverrides): Option {
  const fallback = setting.default === undefined || setting.default === '' ? '' : ` (default: ${String(setting.default)})`;
  const option = new Option(`${setting.flag.name} ${setting.flag.arg}`, overrides.help ?? `${setting.flag.help}${fallback}`).env(setting.env);
  return setting.schema.type === 'array' ? option.argParser(collect) : option;
}

/**
 * The commander option of a setting, derived from its declaration: the flag, its
 * environment variable and its help line (with the default). The value is checked
 * later, with every other one, by `loadServerConfig`.
 *
 * @example
 * ```ts
 * new Command('serve').addOption(settingOption('port'));
 * ```
 */
export function settingOption(key: FlagKey | 'config', overrides: SettingOptionOverrides = {}): Option {
  const setting: SettingDeclaration = key === 'config' ? CONFIG_FILE_SETTING : SETTINGS[key];
  if (setting.flag === undefined) throw new TypeError(`the setting ${key} has no flag`);
  return optionOf({ ...setting, flag: setting.flag }, overrides);
}
