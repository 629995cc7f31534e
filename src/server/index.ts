/**
 * The reference server: configuration, the per-instance DI container and the
 * assembly of the parts into a running Proton server.
 * @packageDocumentation
 */
export {
  resolveServerConfig,
  configError,
  CONFIG_KEYS,
  CONFIG_FLAGS,
  CONFIG_ENV,
  CONFIG_DEFAULTS,
  DEFAULT_CONFIG_FILE,
} from './config.js';
export type { ConfigKey, ServerFlags, ConfigFileInput, ResolveServerConfigInput, ServerConfig } from './config.js';
export { loadServerConfig } from './config-file.js';
export type { LoadServerConfigInput } from './config-file.js';
export { LOG_LEVELS, LOG_FORMATS } from './config-rules.js';
export type { ConfigSource, LogLevel, LogFormat } from './config-rules.js';
export { createProtonServer } from './create-proton-server.js';
export type { ProtonServerOptions, ProtonServer, ServerMirror, MirrorDeps, ReadinessCheck, ReadinessResult } from './types.js';
export { createServerLogger } from './logger.js';
export { bundledModelsDir, packageVersion } from './bundled-models.js';
export { serverBaseUrl } from './base-url.js';
