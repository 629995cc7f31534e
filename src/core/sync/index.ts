/**
 * The sync part: the durable etcd mirror. The outbox publisher drains SQL's outbox into
 * etcd (batched, ordered per key, retried), the reconciler makes etcd equal to SQL after
 * any restart or on demand, and an etcd election makes one server of many the publisher.
 * @packageDocumentation
 */
export { createOutboxPublisher } from './outbox-publisher.js';
export type { OutboxPublisher, OutboxPublisherOptions } from './outbox-publisher.js';
export { collapseOutbox, chunk } from './batch.js';
export type { CollapsedBatch } from './batch.js';
export { reconcile, apiPrefix, uniqueByName, PORT_PREFIX } from './reconciler.js';
export type { ReconcileOptions, ReconcileChange, ReconcileReport } from './reconciler.js';
export { createMirror, DEFAULT_ELECTION, DEFAULT_LEASE_TTL_SECONDS, DEFAULT_STALL_MS } from './mirror.js';
export type { Mirror, MirrorOptions, MirrorStats, PublisherTuning } from './mirror.js';
export { registerMirrorMetrics, MIRROR_METRICS } from './metrics.js';
export type { Fence, PublisherStats, PublisherFailure } from './types.js';
