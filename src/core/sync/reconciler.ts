import { GluonError } from '../errors/index.js';
import { MAX_TXN_OPS, listPages, type Compare, type KeyValueStore, type TxnOp } from '../kv/index.js';
import type { ApiModel } from '../model/index.js';
import type { MirrorSource } from '../store/index.js';
import { PORT_REGISTRY_PREFIX, protonPrefix } from '../wire/index.js';
import { type Fence } from './types.js';
import { silentLogger, type Logger } from '../log/index.js';

/** Prefix of the port registrations the port arbiter reads. */
export const PORT_PREFIX = PORT_REGISTRY_PREFIX;

/** The etcd prefix of one API's objects (`/proton/<api>/`). */
export const apiPrefix: (apiName: string) => string = protonPrefix;

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  /** The SQL side (`store.snapshot(api)`). */
  readonly source: Pick<MirrorSource, 'snapshot'>;
  /** The etcd side. */
  readonly kv: Pick<KeyValueStore, 'range' | 'txn'>;
  /** The APIs this server hosts (one model per API name; several versions share a table). */
  readonly apis: readonly ApiModel[];
  /** Leader fence added to every transaction (the publisher's). */
  readonly fence?: Fence;
  /** Only compute the changes, write nothing. */
  readonly dryRun?: boolean;
  /** Logger (pino-compatible). */
  readonly logger?: Logger;
}

/** One change the reconciler made (or would make with `dryRun`). */
export interface ReconcileChange {
  /** `add`: missing in etcd; `update`: different value; `delete`: not in SQL any more. */
  readonly action: 'add' | 'update' | 'delete';
  readonly key: string;
}

/** What {@link reconcile} found and did. */
export interface ReconcileReport {
  /** Changes applied (all of them with `dryRun`), in the order they were found. */
  readonly changes: readonly ReconcileChange[];
  /** Keys that already held SQL's value. */
  readonly unchanged: number;
  /**
   * Keys left alone because someone (the publisher) wrote them after the reconciler read
   * etcd: that write is newer than the reconciler's view.
   */
  readonly skipped: readonly string[];
  /** The prefixes compared (the reconciler never writes outside them). */
  readonly prefixes: readonly string[];
}

interface Seen {
  readonly value: string;
  readonly modRevision: number;
}

interface Planned {
  readonly change: ReconcileChange;
  readonly op: TxnOp;
  /** Guard: the key is still as the reconciler saw it. */
  readonly guard: Compare;
}

/**
 * Makes etcd's `/proton/<api>/…` (for the hosted APIs) and `/gluon/port/…` (the
 * registrations whose `service` is a hosted API) equal to SQL: puts what is missing or
 * different, deletes what SQL no longer has. Never writes a key outside those.
 *
 * etcd is read first (paged, 4,000 keys a page), then SQL streams past it. Every write is
 * guarded by the key's state as read (`modRevision` unchanged, or still absent), so a
 * value the publisher wrote meanwhile (a newer commit) is never overwritten with an
 * older snapshot; such keys are reported as `skipped`. Writes go in transactions of at
 * most 128 operations (127 with a fence); a transaction whose guards fail is retried key
 * by key.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { source, kv, fence } = options;
  const logger = options.logger ?? silentLogger;
  const apis = uniqueByName(options.apis);
  const hosted = new Set(apis.map((a) => a.name));
  const prefixes = [...apis.map((a) => apiPrefix(a.name)), PORT_PREFIX];

  const etcd = new Map<string, Seen>();
  for (const prefix of prefixes) {
    for await (const page of listPages(kv, prefix)) {
      for (const kv1 of page.kvs) etcd.set(kv1.key, { value: kv1.value, modRevision: kv1.modRevision });
    }
  }

  const changes: ReconcileChange[] = [];
  const skipped: string[] = [];
  let unchanged = 0;
  let pending: Planned[] = [];
  const perTxn = fence === undefined ? MAX_TXN_OPS : MAX_TXN_OPS - 1;
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    if (options.dryRun === true) {
      changes.push(...batch.map((p) => p.change));
      return;
    }
    await apply(batch);
  };
  const apply = async (batch: readonly Planned[]): Promise<void> => {
    const fenceList = fence === undefined ? [] : [fence];
    const res = await kv.txn({ compare: [...fenceList, ...batch.map((p) => p.guard)], success: batch.map((p) => p.op) });
    if (res.succeeded) {
      changes.push(...batch.map((p) => p.change));
      return;
    }
    if (batch.length === 1) {
      const one = batch[0] as Planned;
      if (fence !== undefined) {
        // was it the fence? then stop: this server does not lead any more
        const fenceOnly = await kv.txn({ compare: [fence], success: [] });
        if (!fenceOnly.succeeded) throw notLeader();
      }
      skipped.push(one.change.key);
      return;
    }
    for (const p of batch) await apply([p]);
  };
  const plan = async (p: Planned): Promise<void> => {
    pending.push(p);
    if (pending.length >= perTxn) await flush();
  };

  for (const api of apis) {
    for await (const entry of source.snapshot(api)) {
      const seen = etcd.get(entry.key);
      etcd.delete(entry.key);
      if (seen === undefined) {
        await plan({
          change: { action: 'add', key: entry.key },
          op: { type: 'put', key: entry.key, value: entry.value },
          guard: { key: entry.key, op: '=', modRevision: 0 },
        });
      } else if (seen.value !== entry.value) {
        await plan({
          change: { action: 'update', key: entry.key },
          op: { type: 'put', key: entry.key, value: entry.value },
          guard: { key: entry.key, op: '=', modRevision: seen.modRevision },
        });
      } else {
        unchanged += 1;
      }
    }
  }
  // what is left in etcd has no row in SQL
  for (const [key, seen] of etcd) {
    if (key.startsWith(PORT_PREFIX) && !hosted.has(serviceOf(seen.value) ?? '')) continue; // another deployment's port
    await plan({
      change: { action: 'delete', key },
      op: { type: 'delete', key },
      guard: { key, op: '=', modRevision: seen.modRevision },
    });
  }
  await flush();
  const counts = { add: 0, update: 0, delete: 0 };
  for (const c of changes) counts[c.action] += 1;
  logger.info({ ...counts, unchanged, skipped: skipped.length, dryRun: options.dryRun === true, prefixes }, 'reconciler: etcd compared with SQL');
  return { changes, unchanged, skipped, prefixes };
}

function notLeader(): GluonError {
  return new GluonError('GLUON_ERR_SYNC_NOT_LEADER', 'reconcile: etcd refused the leader fence; this server does not lead the publisher election any more.');
}

/** The `service` of a `/gluon/port/<id>` registration, when it is readable. */
function serviceOf(value: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Record<string, unknown>)['service'] === 'string') {
      return (parsed as Record<string, string>)['service'];
    }
  } catch {
    // not JSON: not one of ours
  }
  return undefined;
}

/** One model per API name (versions of one API share its tables): the first given. */
export function uniqueByName(apis: readonly ApiModel[]): ApiModel[] {
  const seen = new Map<string, ApiModel>();
  for (const api of apis) if (!seen.has(api.name)) seen.set(api.name, api);
  return [...seen.values()];
}
