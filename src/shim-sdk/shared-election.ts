import { KvError, type CampaignOptions, type KeyValueStore, type Leadership } from '../core/kv/index.js';

/** A key/value store whose campaigns all join one election, and a way to stop campaigning. */
export interface SharedElection {
  /** The store to give every member shim: `campaign()` joins the one shared election. */
  readonly kv: KeyValueStore;
  /** Aborts the shared campaign (after every member stopped). */
  close(): void;
}

/**
 * Makes the shims of one process share one election: every `campaign()` made through
 * the returned store waits for the same term of election `name`, so the APIs of one shim
 * process lead (or stand by) together. When the term ends — its lease is lost, or one
 * member gives it up (a refused fenced write) — every member sees it lost and campaigns
 * again, which starts the next shared term. Other calls go to `kv` unchanged.
 * @internal
 */
export function sharedElection(kv: KeyValueStore, name: string, candidateId: string): SharedElection {
  const abort = new AbortController();
  let term: Promise<Leadership> | undefined;

  const startTerm = (ttl: number): Promise<Leadership> => {
    const started: Promise<Leadership> = kv.campaign(name, candidateId, { ttl, signal: abort.signal }).then((real) =>
      sharedTerm(real, () => {
        if (term === started) term = undefined;
      }),
    );
    started.catch(() => {
      if (term === started) term = undefined;
    });
    return started;
  };

  const campaign = (_name: string, _candidateId: string, options: CampaignOptions): Promise<Leadership> => {
    term ??= startTerm(options.ttl);
    return untilAborted(term, options.signal);
  };

  const shared = new Proxy(kv, {
    get(target, property, receiver) {
      if (property === 'campaign') return campaign;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { kv: shared, close: () => abort.abort() };
}

/** One term as each member sees it: lost for all as soon as it ends for one. */
function sharedTerm(real: Leadership, ended: () => void): Leadership {
  const lostCallbacks = new Set<(err: KvError) => void>();
  let lost: KvError | undefined;
  let resigned: Promise<void> | undefined;
  const end = (err: KvError): void => {
    if (lost !== undefined) return;
    lost = err;
    ended();
    for (const cb of lostCallbacks) cb(err);
  };
  real.onLost(end);
  return {
    name: real.name,
    candidateId: real.candidateId,
    key: real.key,
    createRevision: real.createRevision,
    leaseId: real.leaseId,
    get isLeader() {
      return lost === undefined && real.isLeader;
    },
    onLost(cb) {
      if (lost === undefined) lostCallbacks.add(cb);
      else {
        const err = lost;
        queueMicrotask(() => cb(err));
      }
    },
    resign() {
      end(new KvError('GLUON_ERR_KV_LEASE_LOST', `the shared leadership of election ${real.name} was given up by one of this process's APIs`));
      resigned ??= real.resign();
      return resigned;
    },
  };
}

/** `promise`, or a rejection once `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  const aborted = (): KvError => new KvError('GLUON_ERR_KV_CAMPAIGN_ABORTED', 'campaign aborted');
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}
