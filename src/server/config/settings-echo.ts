import type { ServerConfig } from './resolve.js';
import { CONFIG_KEYS, settingOf, type ConfigKey } from './settings.js';
import type { ConfigSource } from './origin.js';

/** One setting as the settings echo shows it. */
export interface SettingEcho {
  /** The value, `***` for a secret; undefined when the setting is unset. */
  readonly value: unknown;
  /** Where it came from. */
  readonly source: ConfigSource;
}

/**
 * The resolved settings as they may be logged or printed: each value with its source,
 * secrets (such as `keystonePassword`) shown as `***`.
 */
export function settingsEcho(config: ServerConfig): Readonly<Record<ConfigKey, SettingEcho>> {
  const values = config as Readonly<Record<string, unknown>>;
  return Object.fromEntries(
    CONFIG_KEYS.map((key) => {
      const value = values[key];
      const shown = value !== undefined && settingOf(key).secret === true ? '***' : value;
      return [key, { value: shown, source: config.sources[key] }];
    }),
  ) as Readonly<Record<ConfigKey, SettingEcho>>;
}
