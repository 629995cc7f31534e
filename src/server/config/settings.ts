import { AUTH_SETTINGS } from './auth-settings.js';
import { ETCD_ACCESS_SETTINGS } from './etcd-settings.js';
import type { SettingDeclaration, SettingValue } from './setting.js';
import { SERVER_SETTINGS } from './server-settings.js';
import { TLS_SETTINGS } from './tls-settings.js';

/**
 * Every setting of `gluon serve`, declared once (its schema, flag, environment variable,
 * default, message and documentation). The `gluon.yaml` key is the setting's name.
 *
 * Adding a setting is adding its declaration to {@link SERVER_SETTINGS} or
 * {@link AUTH_SETTINGS} (or {@link ETCD_ACCESS_SETTINGS}, {@link TLS_SETTINGS}): the flag (of every command that lists it), the variable, the
 * `gluon.yaml` key, the default, the checks, the field of `ServerConfig` and the
 * settings echo follow; `npm run docs:config` regenerates the table of
 * docs/configuration.md. A setting without `flag` is read from the environment and
 * `gluon.yaml` only; a `secret` one is shown as `***` wherever it would be echoed.
 */
export const SETTINGS = { ...SERVER_SETTINGS, ...ETCD_ACCESS_SETTINGS, ...TLS_SETTINGS, ...AUTH_SETTINGS } as const;

/** One setting name. */
export type ConfigKey = keyof typeof SETTINGS;

/** The settings of `gluon serve`, as named in `gluon.yaml` and in `ServerConfig`. */
export const CONFIG_KEYS = Object.keys(SETTINGS) as readonly ConfigKey[];

/** The declaration of a setting. */
export function settingOf(key: ConfigKey): SettingDeclaration {
  return SETTINGS[key];
}

/** The config file's own flag and variable (it is not a `gluon.yaml` key). */
export const CONFIG_FILE_SETTING = {
  schema: { type: 'string', minLength: 1 },
  env: 'GLUON_CONFIG',
  flag: { name: '--config', arg: '<file>', help: 'YAML config file (default: ./gluon.yaml when present)' },
  expects: 'must be the path of a readable YAML file',
  doc: { default: '`./gluon.yaml` when present', allowed: 'a readable YAML file' },
} as const satisfies SettingDeclaration;

/** The name of the config file looked for in the working directory. */
export const DEFAULT_CONFIG_FILE = 'gluon.yaml';

/** The settings that have a flag. */
export type FlagKey = { [K in ConfigKey]: (typeof SETTINGS)[K] extends { readonly flag: object } ? K : never }[ConfigKey];

/** The settings that have a default value. */
export type DefaultedKey = { [K in ConfigKey]: (typeof SETTINGS)[K] extends { readonly default: string | number } ? K : never }[ConfigKey];

/** The value of each setting: those with a default always have one, the others may be unset. */
export type SettingValues = { readonly [K in DefaultedKey]: SettingValue<(typeof SETTINGS)[K]> } & {
  readonly [K in Exclude<ConfigKey, DefaultedKey>]?: SettingValue<(typeof SETTINGS)[K]>;
};

/** The settings that have a flag, in declaration order. */
export const FLAG_KEYS = CONFIG_KEYS.filter((key): key is FlagKey => settingOf(key).flag !== undefined);

/** Raw flag values as the CLI parsed them (strings; lists for repeatable flags), by setting name. */
export type ServerFlags = { readonly [K in FlagKey | 'config']?: string | number | readonly string[] };

/** The command-line flag of each setting (`(no flag)` for environment- and file-only ones). */
export const CONFIG_FLAGS = Object.fromEntries([
  ...CONFIG_KEYS.map((key) => [key, settingOf(key).flag?.name ?? '(no flag)']),
  ['config', CONFIG_FILE_SETTING.flag.name],
]) as Readonly<Record<ConfigKey | 'config', string>>;

/** The environment variable of each setting. */
export const CONFIG_ENV = Object.fromEntries([...CONFIG_KEYS.map((key) => [key, settingOf(key).env]), ['config', CONFIG_FILE_SETTING.env]]) as Readonly<
  Record<ConfigKey | 'config', string>
>;

/** Defaults of the settings that have one (`models` defaults to the bundled models, `etcd` to none). */
export const CONFIG_DEFAULTS = Object.fromEntries(
  CONFIG_KEYS.flatMap((key) => {
    const fallback = settingOf(key).default;
    return fallback === undefined ? [] : [[key, fallback]];
  }),
) as { readonly [K in DefaultedKey]: SettingValue<(typeof SETTINGS)[K]> };
