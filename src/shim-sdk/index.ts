/**
 * gluon-net/shim-sdk: write a shim, the SDN-controller side of Gluon. It watches the
 * Proton objects in etcd, programs its controller and reports port bind results.
 * Imports only the model types, the key/value port and the wire formats: no fastify, no SQL.
 * @packageDocumentation
 */
export { createShim } from './shim.js';
export { createMultiApiShim } from './multi-api-shim.js';
export type { MultiApiShim, MultiApiShimOptions, ShimApi } from './multi-api-shim.js';
export type {
  Shim,
  ShimOptions,
  ShimDefinition,
  ShimHandlers,
  ObjectHandlers,
  PortHandlers,
  ShimContext,
  ShimElectionOptions,
  ProtonObject,
  PortObject,
  PortState,
  BindOutcome,
  BindSuccess,
  BindFailure,
} from './types.js';
export type { EtcdAccessOptions } from '../core/kv/index.js';
export { defineShim, isShimDefinition } from './define-shim.js';
export { Informer } from './informer.js';
export type { CachedObject, InformerEvent, InformerHandler, InformerOptions } from './informer.js';
export { WorkQueue } from './work-queue.js';
export type { WorkHandler, WorkItemContext, WorkQueueOptions, ShutdownOptions } from './work-queue.js';
export { BindReporter } from './bind-reporter.js';
export type { BindReporterOptions, ReportedResult } from './bind-reporter.js';
export { decidePort, isBindRequest, hostMatches } from './port-state.js';
export type { PortAction, PortDecision } from './port-state.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from '../core/retry/index.js';
// the etcd key layout and the bind-result value are the wire part's, shared with the server
export { protonPrefix, controllerPrefix, controllerKey, objectKey, parseObjectKey, hasAnswer } from '../core/wire/index.js';
export type { ObjectKeyParts, BindResultValue } from '../core/wire/index.js';
export { silentLogger } from '../core/log/index.js';
export type { Logger } from '../core/log/index.js';
export { shimSnapshot } from './debug-snapshot.js';
export type { ShimSnapshot, SnapshotEntry } from './debug-snapshot.js';
export { createDummyShim, dummyShimDefinition, dummyBind, DUMMY_VIF } from './dummy-shim.js';
export type { DummyShimOptions } from './dummy-shim.js';
