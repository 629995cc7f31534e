/**
 * The reference server: configuration, the per-instance DI container and the
 * assembly of the parts into a running Proton server.
 * @packageDocumentation
 */
export {
  resolveServerConfig,
  loadServerConfig,
  configError,
  SETTINGS,
  CONFIG_KEYS,
  FLAG_KEYS,
  CONFIG_FLAGS,
  CONFIG_ENV,
  CONFIG_DEFAULTS,
  CONFIG_FILE_SETTING,
  DEFAULT_CONFIG_FILE,
  LOG_LEVELS,
  LOG_FORMATS,
  MIGRATE_MODES,
  settingsEcho,
  readEtcdAccess,
  checkOptionValues,
  renderSettingsTable,
} from './config/index.js';
export type {
  ConfigKey,
  FlagKey,
  ServerFlags,
  SettingValues,
  SettingDeclaration,
  PublicSettingDeclaration,
  SecretSettingDeclaration,
  SettingSchema,
  SettingFormat,
  SettingFlag,
  SettingDoc,
  SettingRequirement,
  SettingRefinement,
  SettingValue,
  SettingEcho,
  EtcdAccessSettings,
  ConfigFileInput,
  ResolveServerConfigInput,
  ServerConfig,
  LoadServerConfigInput,
  ConfigSource,
  LogLevel,
  LogFormat,
} from './config/index.js';
export { createProtonServer } from './create-proton-server.js';
export { gluonPlugin } from './gluon-plugin.js';
export type { GluonPluginOptions } from './gluon-plugin.js';
export type { ProtonServerOptions, ProtonServer, ServerMirror, MirrorDeps, ReadinessCheck, ReadinessResult } from './types.js';
export { createServerLogger } from './logger.js';
export { bundledModelsDir, bundledTemplatesDir, packageVersion } from './bundled-models.js';
export { serverBaseUrl, advertisedUrlOf } from './base-url.js';
export { readTlsServerOptions, reloadTlsIdentity, tlsFilesOf, readTrustedCa, authTrusting } from './tls.js';
export type { TlsFiles, TlsServerOptions } from './tls.js';
