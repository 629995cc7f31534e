import { KvError, isKvError } from './errors.js';
import { checkKey, checkTtl } from './limits.js';
import { listAll } from './list-all.js';
import type { CampaignOptions, KeyValue, KeyValueStore, LeaderObserver, Leadership, Lease, Watch } from './types.js';

/** What the election algorithm needs from a store. @internal */
export type ElectionPrimitives = Pick<KeyValueStore, 'get' | 'range' | 'txn' | 'watch' | 'grantLease'>;

function aborted(name: string, why: string, cause?: unknown): KvError {
  return new KvError('GLUON_ERR_KV_CAMPAIGN_ABORTED', `campaign in election ${JSON.stringify(name)} aborted: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Resolves when `key` is deleted (or the history needed to tell was compacted), rejects
 * when `stop` fires first.
 */
async function waitForDelete(store: ElectionPrimitives, from: { key: string; fromRevision: number }, stop: Promise<never>): Promise<void> {
  const { key, fromRevision } = from;
  let done!: () => void;
  const deleted = new Promise<void>((resolve) => (done = resolve));
  let watch: Watch | undefined;
  try {
    watch = await store.watch({ key, fromRevision, onError: () => done() }, (ev) => {
      if (ev.type === 'delete') done();
    });
    await Promise.race([deleted, stop]);
  } catch (err) {
    if (isKvError(err, 'GLUON_ERR_KV_COMPACTED')) return; // relist decides
    throw err;
  } finally {
    await watch?.close();
  }
}

/**
 * Campaigns for leadership (etcd's concurrency/election algorithm, on the port's
 * primitives so both stores share it): put `<name>/<leaseId>` on a fresh lease if absent;
 * the candidate with the lowest create revision under `<name>/` leads; the others each
 * wait for the deletion of the candidate just ahead of them, then check again.
 *
 * @internal use {@link KeyValueStore.campaign}
 */
export async function campaign(store: ElectionPrimitives, candidate: { name: string; candidateId: string }, options: CampaignOptions): Promise<Leadership> {
  const { name, candidateId } = candidate;
  checkKey(name, 'name');
  checkTtl(options.ttl);
  const { signal } = options;
  if (signal?.aborted) throw aborted(name, 'the signal was already aborted');
  const lease = await store.grantLease(options.ttl);
  const key = `${name}/${lease.id}`;

  let rejectStop!: (err: KvError) => void;
  const stop = new Promise<never>((_, reject) => (rejectStop = reject));
  stop.catch(() => undefined);
  let lostError: KvError | undefined;
  const onAbort = (): void => rejectStop(aborted(name, 'the signal was aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  lease.onLost((err) => {
    lostError = err;
    rejectStop(aborted(name, 'the candidate lease was lost', err));
  });

  try {
    await store.txn({
      compare: [{ key, op: '=', createRevision: 0 }],
      success: [{ type: 'put', key, value: candidateId, lease: lease.id }],
    });
    const mine = await store.get(key);
    if (!mine) throw aborted(name, 'the candidate key vanished (lease expired)');
    const myRev = mine.createRevision;
    for (;;) {
      if (signal?.aborted) throw aborted(name, 'the signal was aborted');
      if (lostError) throw aborted(name, 'the candidate lease was lost', lostError);
      const { kvs, revision } = await listAll(store, `${name}/`);
      if (!kvs.some((kv) => kv.key === key)) throw aborted(name, 'the candidate key was deleted');
      let ahead: KeyValue | undefined;
      for (const kv of kvs) {
        if (kv.createRevision < myRev && (!ahead || kv.createRevision > ahead.createRevision)) ahead = kv;
      }
      if (!ahead) break;
      await waitForDelete(store, { key: ahead.key, fromRevision: revision + 1 }, stop);
    }
    return await lead(store, { name, candidateId, key, createRevision: myRev }, lease);
  } catch (err) {
    await lease.revoke().catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The election key a candidate holds: the election, the candidate, its key and that key's create revision. */
interface HeldKey {
  readonly name: string;
  readonly candidateId: string;
  readonly key: string;
  readonly createRevision: number;
}

class LeadershipImpl implements Leadership {
  private leading = true;
  private lostError: KvError | undefined;
  private readonly lostHandlers: ((err: KvError) => void)[] = [];
  watch: Watch | undefined;

  readonly name: string;
  readonly candidateId: string;
  readonly key: string;
  readonly createRevision: number;

  constructor(
    held: HeldKey,
    private readonly lease: Lease,
  ) {
    this.name = held.name;
    this.candidateId = held.candidateId;
    this.key = held.key;
    this.createRevision = held.createRevision;
  }

  get leaseId(): string {
    return this.lease.id;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  onLost(cb: (err: KvError) => void): void {
    const lost = this.lostError;
    if (lost !== undefined) queueMicrotask(() => cb(lost));
    else if (this.leading) this.lostHandlers.push(cb);
  }

  lose(err: KvError): void {
    if (!this.leading) return;
    this.leading = false;
    this.lostError = err;
    this.watch?.close().catch(() => undefined);
    for (const cb of this.lostHandlers.splice(0)) cb(err);
  }

  async resign(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.lostHandlers.length = 0;
    await this.watch?.close();
    await this.lease.revoke();
  }
}

async function lead(store: ElectionPrimitives, held: HeldKey, lease: Lease): Promise<Leadership> {
  const { name, key, createRevision } = held;
  const leadership = new LeadershipImpl(held, lease);
  const lostKey = (why: string): KvError =>
    new KvError('GLUON_ERR_KV_LEASE_LOST', `leadership of election ${JSON.stringify(name)} lost: ${why}`);
  lease.onLost((err) => leadership.lose(lostKey(`its lease ${lease.id} was lost (${err.message})`)));
  // the lease may have been lost while the campaign waited: then lose at once (onLost
  // above fires for a lease already lost), before following the key
  if (lease.lost) {
    leadership.lose(lostKey(`its lease ${lease.id} was lost while campaigning`));
    return leadership;
  }
  const current = await store.get(key);
  if (!current || current.createRevision !== createRevision) {
    leadership.lose(lostKey('the election key was deleted'));
    return leadership;
  }
  const watch = await store.watch(
    {
      key,
      fromRevision: current.modRevision + 1,
      onError: (err) => {
        // cannot follow the key any more: re-check it once, keep leading only if it is intact
        if (!leadership.isLeader) return;
        store.get(key).then(
          (kv) => {
            if (!kv || kv.createRevision !== createRevision) leadership.lose(lostKey('the election key was deleted'));
          },
          () => leadership.lose(lostKey(`cannot follow the election key (${err.message})`)),
        );
      },
    },
    (ev) => {
      if (ev.type === 'delete') leadership.lose(lostKey('the election key was deleted'));
    },
  );
  // lost while the watch was being opened: nobody will close it otherwise
  if (leadership.isLeader) leadership.watch = watch;
  else await watch.close();
  return leadership;
}

class ObserverImpl implements LeaderObserver {
  private readonly candidates = new Map<string, { value: string; createRevision: number }>();
  private readonly handlers: ((leader: string | undefined) => void)[] = [];
  private current: string | undefined;
  private watch: Watch | undefined;
  private closed = false;

  constructor(
    private readonly store: ElectionPrimitives,
    private readonly name: string,
  ) {}

  get leader(): string | undefined {
    return this.current;
  }

  onChange(cb: (leader: string | undefined) => void): void {
    this.handlers.push(cb);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
  }

  async sync(): Promise<void> {
    const prefix = `${this.name}/`;
    const { kvs, revision } = await listAll(this.store, prefix);
    this.candidates.clear();
    for (const kv of kvs) this.candidates.set(kv.key, { value: kv.value, createRevision: kv.createRevision });
    this.recompute();
    if (this.closed) return;
    this.watch = await this.store.watch(
      {
        prefix,
        fromRevision: revision + 1,
        onError: () => {
          if (!this.closed) void this.sync().catch(() => undefined);
        },
      },
      (ev) => {
        if (ev.type === 'delete') this.candidates.delete(ev.key);
        else {
          const old = this.candidates.get(ev.key);
          this.candidates.set(ev.key, { value: ev.value ?? '', createRevision: old?.createRevision ?? ev.createRevision ?? ev.modRevision });
        }
        this.recompute();
      },
    );
  }

  private recompute(): void {
    let best: { value: string; createRevision: number } | undefined;
    for (const c of this.candidates.values()) if (!best || c.createRevision < best.createRevision) best = c;
    const next = best?.value;
    if (next === this.current) return;
    this.current = next;
    for (const cb of this.handlers) cb(next);
  }
}

/**
 * Follows the leader of an election. @internal use {@link KeyValueStore.observeLeader}
 */
export async function observeLeader(store: ElectionPrimitives, name: string): Promise<LeaderObserver> {
  checkKey(name, 'name');
  const observer = new ObserverImpl(store, name);
  await observer.sync();
  return observer;
}
