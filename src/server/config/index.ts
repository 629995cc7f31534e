/**
 * The server's settings, declared once: each setting's schema, flag, environment
 * variable, `gluon.yaml` key, default and documentation, and what is derived from them
 * (the commander options, the resolution flags > env > file > defaults with every
 * problem reported at once, the settings echo and the table of docs/configuration.md).
 * @packageDocumentation
 */
export { SETTINGS, CONFIG_KEYS, FLAG_KEYS, CONFIG_FLAGS, CONFIG_ENV, CONFIG_DEFAULTS, CONFIG_FILE_SETTING, DEFAULT_CONFIG_FILE } from './settings.js';
export type { ConfigKey, FlagKey, DefaultedKey, SettingValues, ServerFlags } from './settings.js';
export { secretFileVariable } from './setting.js';
export type { SettingDeclaration, PublicSettingDeclaration, SecretSettingDeclaration, SettingSchema, SettingFormat, SettingFlag, SettingDoc, SettingRequirement, SettingRefinement, SettingValue } from './setting.js';
export { LOG_LEVELS, LOG_FORMATS, MIGRATE_MODES } from './server-settings.js';
export type { LogLevel, LogFormat } from './server-settings.js';
export { resolveServerConfig, configError } from './resolve.js';
export type { ResolveServerConfigInput, ServerConfig } from './resolve.js';
export type { ConfigFileInput } from './file-keys.js';
export { loadServerConfig } from './load.js';
export type { LoadServerConfigInput } from './load.js';
export { checkGivenValue } from './check-settings.js';
export type { GivenValue } from './check-settings.js';
export { crossCheckSettings } from './cross-checks.js';
export type { CheckedSettings } from './cross-checks.js';
export { readSettingValue } from './read-text.js';
export { checkOptionValues } from './check-options.js';
export { describeOrigin } from './origin.js';
export type { ConfigSource, ValueOrigin } from './origin.js';
export { readEtcdAccess } from './etcd-access.js';
export type { EtcdAccessSettings } from './etcd-access.js';
export { settingsEcho } from './settings-echo.js';
export type { SettingEcho } from './settings-echo.js';
export { renderSettingsTable } from './settings-table.js';
export { isWildcardHost } from './value-formats.js';

