import type { Shim } from './types.js';

/** One cached key in a {@link ShimSnapshot}. */
export interface SnapshotEntry {
  /** The etcd key (without the store's prefix). */
  readonly key: string;
  /** Revision of the write that produced the cached value. */
  readonly modRevision: number;
  /** The cached (parsed) value. */
  readonly object: unknown;
}

/**
 * What a shim holds in memory at one instant: both informer caches and the revision
 * each has reached. `gluon shim run --debug-dump <file>` writes it on SIGUSR2; the chaos
 * checker compares it with etcd (docs/reliability.md).
 */
export interface ShimSnapshot {
  /** The controller name. */
  readonly name: string;
  /** The API. */
  readonly api: string;
  /** Process id of the shim. */
  readonly pid: number;
  /** Whether this instance was running handlers (the leader). */
  readonly leader: boolean;
  /** When the snapshot was taken (ms since the epoch). */
  readonly takenAt: number;
  /** The object informer (`/proton/<api>/`): last revision seen and every cached key. */
  readonly objects: { readonly revision: number; readonly entries: readonly SnapshotEntry[] };
  /** The bind-result informer (`/controller/<api>/Port/`). */
  readonly results: { readonly revision: number; readonly entries: readonly SnapshotEntry[] };
}

/** Takes a {@link ShimSnapshot} of a shim's caches (synchronous: one consistent instant). */
export function shimSnapshot(shim: Shim): ShimSnapshot {
  const entries = (list: ReturnType<Shim['objects']['list']>): SnapshotEntry[] =>
    list.map((e) => ({ key: e.key, modRevision: e.modRevision, object: e.object }));
  return {
    name: shim.name,
    api: shim.api,
    pid: process.pid,
    leader: shim.isLeader,
    takenAt: Date.now(),
    objects: { revision: shim.objects.revision, entries: entries(shim.objects.list()) },
    results: { revision: shim.results.revision, entries: entries(shim.results.list()) },
  };
}
