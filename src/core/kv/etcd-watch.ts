import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { KvCompactedError, KvError } from './errors.js';
import { isCompactedMessage, translateEtcdError } from './etcd-errors.js';
import { WatchDispatcher } from './watch-dispatcher.js';
import type { Watch, WatchEvent, WatchHandler, WatchOptions } from './types.js';
import type { Logger } from '../log/index.js';

/** What an etcd watch needs from its store. @internal */
export interface EtcdWatchContext {
  readonly client: Etcd3;
  /** The store's key prefix, as bytes. */
  readonly prefix: Buffer;
  readonly logger: Logger | undefined;
  /** The store's current revision. */
  currentRevision(): Promise<number>;
  /** The oldest readable revision, knowing `compacted` is not readable. */
  findCompactRevision(compacted: number): Promise<number>;
  /** Adds the watch to the store's set (closed with the store). */
  track(watch: WatchDispatcher): void;
  /** Removes the watch from the store's set when it ends. */
  forget(watch: WatchDispatcher): void;
}

/** The exclusive end of the byte range of keys starting with `start` (etcd's prefix rule). @internal */
export function prefixEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function setStart(watcher: Watcher, revision: number): void {
  (watcher.request as { start_revision?: string | number }).start_revision = String(revision);
}

/**
 * Opens a watch on etcd that delivers every change exactly once, in revision order,
 * across reconnections.
 *
 * `etcd3` reconnects a watcher by itself and resumes from `header.revision + 1` of the
 * last response; but a catch-up response's header carries the *current* revision while
 * etcd may still hold back events (it sends history in batches), and the created
 * response moves the resume point too, so a second disconnect could skip events. This
 * watch keeps its own checkpoint instead: the last revision it received events for (or
 * that a progress notification confirmed), writes it back into the watcher's create
 * request after every response, and drops events it already delivered.
 *
 * @internal
 */
export async function openEtcdWatch(ctx: EtcdWatchContext, options: WatchOptions, handler: WatchHandler): Promise<Watch> {
  const prefixLength = ctx.prefix.length;
  const builder = options.prevValue === true ? ctx.client.watch().withPreviousKV() : ctx.client.watch();
  if ((options.key === undefined) === (options.prefix === undefined)) {
    throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'watch: give exactly one of `key` or `prefix`');
  }
  if (options.key !== undefined) {
    if (typeof options.key !== 'string' || options.key.length === 0) throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'watch: key must be a non-empty string');
    builder.key(Buffer.concat([ctx.prefix, Buffer.from(options.key)]));
  } else {
    if (typeof options.prefix !== 'string') throw new KvError('GLUON_ERR_KV_BAD_REQUEST', 'watch: prefix must be a string');
    const start = Buffer.concat([ctx.prefix, Buffer.from(options.prefix)]);
    builder.inRange({ start: start.length === 0 ? Buffer.from([0]) : start, end: prefixEnd(start) });
  }
  const from = options.fromRevision;
  if (from !== undefined) {
    if (!Number.isSafeInteger(from) || from < 1) {
      throw new KvError('GLUON_ERR_KV_BAD_REQUEST', `watch: fromRevision must be a positive integer (received ${String(from)})`);
    }
    builder.startRevision(String(from));
  }

  let last = from === undefined ? 0 : from - 1;
  let established = false;
  let ended = false;
  let settle!: { resolve: (w: Watch) => void; reject: (e: unknown) => void };
  const ready = new Promise<Watch>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => undefined); // the caller gets the rejection; never report it as unhandled

  const watcher = builder.watcher();
  const dispatcher = new WatchDispatcher({
    startRevision: last,
    handler,
    release: async () => {
      ctx.forget(dispatcher);
      if (ended) return;
      ended = true;
      if (!established) settle.reject(new KvError('GLUON_ERR_KV_CLOSED', 'watch: closed before it was established'));
      // cancel() waits for etcd's answer; do not let a dead connection hold close() up
      await Promise.race([watcher.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
    logger: ctx.logger,
  });
  if (options.onError) dispatcher.onError(options.onError);
  ctx.track(dispatcher);

  const toEvent = (type: string, kv: IKeyValue, prev: IKeyValue | undefined): WatchEvent => {
    const base = {
      key: kv.key.subarray(prefixLength).toString('utf8'),
      modRevision: Number(kv.mod_revision),
      ...(prev ? { prevValue: prev.value.toString('utf8') } : {}),
    };
    if (type === 'Delete' || type === 'delete' || type === 'DELETE') return { type: 'delete', ...base };
    return { type: 'put', ...base, value: kv.value.toString('utf8'), createRevision: Number(kv.create_revision), version: Number(kv.version) };
  };

  watcher.on('connected', (res: IWatchResponse) => {
    if (!established) {
      established = true;
      if (from === undefined) last = Number(res.header.revision);
      dispatcher.progress(last);
      settle.resolve(dispatcher);
    } else {
      ctx.logger?.debug({ resumeFrom: last + 1 }, 'kv watch: reconnected');
    }
    setStart(watcher, last + 1);
  });
  watcher.on('data', (res: IWatchResponse) => {
    try {
      if (res.events.length === 0) {
        const rev = Number(res.header.revision);
        if (rev > last) {
          last = rev;
          dispatcher.progress(rev);
        }
      } else {
        const events: WatchEvent[] = [];
        for (const e of res.events) {
          const ev = toEvent(String(e.type), e.kv, e.prev_kv);
          if (ev.modRevision <= last) continue; // already delivered before a reconnect
          events.push(ev);
        }
        const tail = events[events.length - 1];
        if (tail) {
          last = tail.modRevision;
          dispatcher.push(events);
        }
      }
      setStart(watcher, last + 1);
    } catch (err) {
      ctx.logger?.error({ err }, 'kv watch: could not process a response');
    }
  });
  watcher.on('disconnected', (err: Error) => {
    ctx.logger?.debug({ err: err.message, resumeFrom: last + 1 }, 'kv watch: disconnected; etcd3 reconnects');
    setStart(watcher, last + 1);
  });
  watcher.on('error', (err: Error) => {
    ended = true; // etcd3 already removed the watcher
    classify(ctx, err, last + 1)
      .then(async (kvErr) => {
        if (!established) {
          established = true;
          settle.reject(kvErr);
          await dispatcher.close();
        } else {
          dispatcher.fail(kvErr);
        }
      })
      .catch((closeErr: unknown) => ctx.logger?.warn({ err: closeErr }, 'kv watch: releasing a failed watch failed'));
  });
  return ready;
}

async function classify(ctx: EtcdWatchContext, err: Error, wanted: number): Promise<KvError> {
  try {
    if (isCompactedMessage(err)) return new KvCompactedError({ requestedRevision: wanted, compactRevision: await ctx.findCompactRevision(wanted), what: 'watch' }, { cause: err });
    const current = await ctx.currentRevision();
    if (wanted <= current) {
      const compactRevision = await ctx.findCompactRevision(wanted).catch(() => undefined);
      if (compactRevision !== undefined && compactRevision > wanted) {
        return new KvCompactedError({ requestedRevision: wanted, compactRevision, what: 'watch' }, { cause: err });
      }
    }
  } catch (probeErr) {
    ctx.logger?.debug({ err: probeErr }, 'kv watch: could not probe the compaction revision');
  }
  const kvErr = translateEtcdError(err, 'watch');
  return new KvError('GLUON_ERR_KV_WATCH_FAILED', `watch ended by etcd: ${kvErr.message}; list again and watch from the list's revision + 1`, {
    cause: err,
    retryable: true,
  });
}
