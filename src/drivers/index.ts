/**
 * `gluon-net/drivers` — the backend driver contract, the server hooks contract, plugin
 * discovery from package.json,
 * and the built-in Proton REST driver.
 *
 * Importing this subpath never loads the server, fastify or Sequelize.
 * @packageDocumentation
 */
export { DRIVER_API_VERSION, NEUTRON_PORT_KEYS } from './types.js';
export type {
  NeutronPort,
  NeutronFixedIp,
  NeutronPortChanges,
  PortRef,
  DriverContext,
  BindRequest,
  BackendDriver,
  TokenProvider,
  DriverFactoryOptions,
  DriverDefinition,
  DiscoveredDriver,
  DiscoveredShim,
  DiscoverPluginsOptions,
  DiscoveredPlugins,
  PluginProvision,
} from './types.js';
export { silentLogger } from '../core/log/index.js';
export type { Logger } from '../core/log/index.js';
export { defineDriver, isDriverDefinition } from './define-driver.js';
export { createProtonDriver, protonDriver } from './proton/proton-driver.js';
export type { ProtonDriver, ProtonDriverOptions, ProtonBatchStrategy } from './proton/proton-driver.js';
export type {
  HookWriteAction,
  HookTarget,
  BeforeWriteEvent,
  AfterWriteEvent,
  BindEvent,
  HookValues,
  ServerHooksDefinition,
  DiscoveredHooks,
} from './hooks/types.js';
export { HOOKS_API_VERSION } from './hooks/types.js';
export { defineHooks, isHooksDefinition, HOOK_NAMES } from './hooks/define-hooks.js';
export { discoverPlugins, GLUON_FIELD_KEYS } from './discovery/discover-plugins.js';
