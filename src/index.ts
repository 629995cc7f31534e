/**
 * gluon-net: model networking services in YAML and get a persistent, validated REST API
 * (a Proton), served by the reference server or mounted in your own fastify app.
 * @packageDocumentation
 */

// ── errors ───────────────────────────────────────────────────────────────────
export {
  ERROR_CODES,
  GluonError,
  isGluonError,
  ModelError,
  ValidationError,
  NotFoundError,
  ConflictError,
  StoreError,
  ConfigError,
  toGluonError,
  formatModelIssue,
} from './core/errors/index.js';
export type { GluonErrorCode, ErrorCodeInfo, ErrorDetail, GluonErrorOptions, ModelIssue } from './core/errors/index.js';
export { silentLogger } from './core/log/index.js';
export type { Logger } from './core/log/index.js';

// ── models ───────────────────────────────────────────────────────────────────
export { loadModels, compileModels, resolveVersions, SCALAR_TYPES, STRING_FORMATS, INTEGER_FORMATS, POLICY_ACTIONS, VERSION_STATUSES } from './core/model/index.js';
export type {
  LoadModelsOptions,
  CompileModelsOptions,
  ModelSource,
  ApiModel,
  ObjectModel,
  AttributeModel,
  ObjectApi,
  ObjectRole,
  ScalarType,
  StringFormat,
  IntegerFormat,
  PolicyAction,
  SourceLocation,
  VersionStatus,
  ApiVersions,
  ServedVersion,
  ObjectConversion,
} from './core/model/index.js';

// ── registry ─────────────────────────────────────────────────────────────────
export { ProtonRegistry } from './core/registry/index.js';
export type { ResolvedObject } from './core/registry/index.js';

// ── store ────────────────────────────────────────────────────────────────────
export { createStore } from './core/store/index.js';
export type {
  StoreOptions,
  ProtonStore,
  SqlStore,
  StoredObject,
  ListQuery,
  ListPage,
  SortDirection,
  ParentScope,
  WriteOptions,
  MirrorSource,
  MirrorEntry,
  OutboxEntry,
  OutboxStats,
} from './core/store/index.js';

// ── HTTP ─────────────────────────────────────────────────────────────────────
export { protonPlugin, protonServerOptions, applyConnectionLimits, DEFAULT_CONNECTION_LIMITS, DEFAULT_MAX_JSON_DEPTH } from './core/http/index.js';
export type { ProtonPluginOptions, ProtonHooks, GluonRequestContext, FaultBody, ConnectionLimits } from './core/http/index.js';
export { DEFAULT_WATCH_BUFFER_BYTES, DEFAULT_WATCH_HEARTBEAT_SECONDS } from './core/http/index.js';
export type { ProtonWatchOptions, WatchMonitor, SseEndReason, CapabilitiesOptions, CapabilitiesAuth, CapabilitiesBind } from './core/http/index.js';
export { servedVersionsStore } from './core/http/index.js';

// ── key/value store (etcd or in-process) ─────────────────────────────────────
export { createKeyValueStore, createMemoryStore, createMemoryBackend, createEtcdStore, listAll, MAX_TXN_OPS, KvError, isKvError } from './core/kv/index.js';
export type {
  KeyValueStore,
  KeyValueStoreOptions,
  MemoryStoreOptions,
  MemoryBackend,
  MemoryBackendOptions,
  EtcdStoreOptions,
  EtcdAccessOptions,
  KvErrorCode,
  KvErrorOptions,
  KeyValue,
  RangeOptions,
  RangeResult,
  PutOptions,
  WriteResult,
  DeleteResult,
  ListAllOptions,
  Compare,
  CompareOp,
  CompareValue,
  CompareVersion,
  CompareCreateRevision,
  CompareModRevision,
  TxnOp,
  TxnPut,
  TxnDelete,
  TxnRequest,
  TxnResult,
  WatchOptions,
  WatchHandler,
  WatchErrorHandler,
  WatchEvent,
  Watch,
  Lease,
  CampaignOptions,
  Leadership,
  LeaderObserver,
} from './core/kv/index.js';

// ── reference server ─────────────────────────────────────────────────────────
export { createProtonServer, gluonPlugin, resolveServerConfig, loadServerConfig, LOG_LEVELS, CONFIG_KEYS } from './server/index.js';
export type {
  GluonPluginOptions,
  ProtonServer,
  ProtonServerOptions,
  ServerMirror,
  MirrorDeps,
  ReadinessCheck,
  ReadinessResult,
  ServerConfig,
  ServerFlags,
  ResolveServerConfigInput,
  LoadServerConfigInput,
  ConfigSource,
  ConfigKey,
  ConfigFileInput,
  LogLevel,
} from './server/index.js';

// ── import from an original Gluon (gluon db import-gluon) ────────────────────
export { importGluon, openGluonSource, parseSourceUrl, originalTableName, ImportError } from './core/import/index.js';
export type { ImportGluonOptions, GluonSource, ImportReport, ImportedObject, RefusedRow, AddedObject, ImportCounts, ImportAction } from './core/import/index.js';

// ── etcd mirror (sync) ───────────────────────────────────────────────────────
export { createMirror, reconcile, createOutboxPublisher, DEFAULT_ELECTION, DEFAULT_LEASE_TTL_SECONDS } from './core/sync/index.js';
export type { Mirror, MirrorOptions, MirrorStats, PublisherTuning, OutboxPublisher, OutboxPublisherOptions, PublisherStats, ReconcileOptions, ReconcileReport, ReconcileChange } from './core/sync/index.js';

// ── authentication and policy ────────────────────────────────────────────────
export {
  createAuthenticator,
  createNoAuthAuthenticator,
  createTokenFileAuthenticator,
  createKeystoneAuthenticator,
  createKeystoneTokenProvider,
  parseTokenFile,
  hashApiToken,
  generateApiToken,
  PolicyEngine,
  parsePolicyFile,
  policyRuleName,
  AccessGuard,
  AuthError,
  callerScopeOf,
} from './core/auth/index.js';
export type {
  AuthConfig,
  KeystoneAuthConfig,
  Authenticator,
  AuthHeaders,
  Identity,
  AuthStrategy,
  KeystoneAuthenticator,
  KeystoneCredentials,
  KeystoneTokenProvider,
  TokenFileEntry,
  EffectiveRule,
  PolicyEngineOptions,
  PolicyCredentials,
  PolicyTarget,
  CustomCheck,
  NoAuthOptions,
  TokenFileAuthOptions,
  KeystoneAuthOptions,
  KeystoneTokenProviderOptions,
  PolicyRuleText,
  RuleSource,
  ListScope,
  CallerScope,
} from './core/auth/index.js';
export { createAuthHooks, combineHooks } from './core/http/index.js';
export type { AuthHooksOptions } from './core/http/index.js';

// ── port arbiter (Neutron facade) ────────────────────────────────────────────
export { PortArbiter, PortRegistry, createNeutronFacade, headerIdentity, PORT_REGISTRY_PREFIX } from './core/arbiter/index.js';
export type {
  PortArbiterOptions,
  ArbiterContext,
  DriverLookup,
  GetPortOptions,
  GetPortsOptions,
  PortFilters,
  PortRegistration,
  PortRegistryOptions,
  PortRegistryChange,
  NeutronFacade,
  NeutronFacadeOptions,
  NeutronUpstream,
  UpstreamRequest,
  UpstreamResponse,
  IdentifyCaller,
  FacadeIdentity,
} from './core/arbiter/index.js';

// ── port binding (for custom servers built on protonPlugin) ─────────────────
export { BindingCoordinator, bindingHooks, DEFAULT_BIND_TIMEOUT_MS, DEFAULT_MAX_BIND_TIMEOUT_MS } from './core/binding/index.js';
export type { BindingHooks, BindingCoordinatorOptions, BindOptions, ShimResult } from './core/binding/index.js';
