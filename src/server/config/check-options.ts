import type { ErrorDetail } from '../../core/errors/index.js';
import { checkGivenValue } from './check-settings.js';
import { crossCheckSettings } from './cross-checks.js';
import type { ValueOrigin } from './origin.js';
import { readSettingValue } from './read-text.js';
import { configError } from './resolve.js';
import { CONFIG_DEFAULTS, CONFIG_KEYS, settingOf, type ConfigKey, type SettingValues } from './settings.js';

/**
 * Checks settings given as programmatic options (createProtonServer's) by the same
 * declarations as flags, variables and `gluon.yaml`; unset ones take their defaults.
 *
 * @throws ConfigError `GLUON_ERR_CONFIG` listing every bad option (`from option port`).
 */
export function checkOptionValues(options: Readonly<Partial<Record<ConfigKey, unknown>>>): SettingValues {
  const problems: ErrorDetail[] = [];
  const values: Record<string, unknown> = { ...CONFIG_DEFAULTS };
  const origins: Partial<Record<ConfigKey, ValueOrigin>> = {};
  const given = new Set<ConfigKey>();
  for (const key of CONFIG_KEYS) {
    const raw = options[key];
    if (raw === undefined) continue;
    given.add(key);
    const setting = settingOf(key);
    const origin: ValueOrigin = { source: 'option', name: key };
    const value = readSettingValue(setting, raw);
    const problem = checkGivenValue({ key, setting, value, raw, origin });
    if (problem === undefined) {
      values[key] = value;
      origins[key] = origin;
    } else {
      problems.push(problem);
    }
  }
  if (problems.length === 0) problems.push(...crossCheckSettings({ values: values as SettingValues, origins, wanted: new Set(CONFIG_KEYS), given }));
  if (problems.length > 0) throw configError(problems);
  return values as SettingValues;
}
