/**
 * The list-then-watch loop of the key/value port (`Reflector`), run against the
 * in-process store and a real etcd with one set of behaviours, like the conformance
 * suite. Compaction is global to a store, so every case uses a store (in-process) or a
 * key prefix (etcd, on an instance of this file's own) that no other suite shares.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/index.js';
import {
  Reflector,
  createEtcdStore,
  createMemoryStore,
  isKvError,
  listAll,
  type KeyValueStore,
  type ReflectorOptions,
  type ReflectorTarget,
  type WatchEvent,
} from '../../src/core/kv/index.js';
import { startEtcd } from '../setup/etcd.js';
import { waitFor } from '../setup/wait-for.js';

/** One listing as the target received it. */
interface Listing {
  readonly relist: boolean;
  readonly keys: string[];
  revision?: number;
}

/** A target that records every listing and event, and keeps a cache of key → value built from them. */
function recorder(): ReflectorTarget & { listings: Listing[]; events: WatchEvent[]; cache: Map<string, string> } {
  const listings: Listing[] = [];
  const events: WatchEvent[] = [];
  const cache = new Map<string, string>();
  return {
    listings,
    events,
    cache,
    beginList(relist) {
      const listing: Listing = { relist, keys: [] };
      const fresh = new Map<string, string>();
      return {
        add(kv) {
          listing.keys.push(kv.key);
          fresh.set(kv.key, kv.value);
        },
        finish(revision) {
          listing.revision = revision;
          listings.push(listing);
          cache.clear();
          for (const [k, v] of fresh) cache.set(k, v);
        },
      };
    },
    onEvent(event) {
      events.push(event);
      if (event.type === 'delete') cache.delete(event.key);
      else cache.set(event.key, event.value ?? '');
    },
  };
}

/** A target that names the values it needs on a relist (those its cache lacks) and records what it was handed. */
function cachingTarget(): ReflectorTarget & { cache: Map<string, { value: string; modRevision: number }>; handed: { key: string; value: string }[] } {
  const cache = new Map<string, { value: string; modRevision: number }>();
  const handed: { key: string; value: string }[] = [];
  return {
    cache,
    handed,
    beginList(relist) {
      const fresh = new Map<string, { value: string; modRevision: number }>();
      return {
        needsValue: (kv) => cache.get(kv.key)?.modRevision !== kv.modRevision,
        add(kv) {
          if (relist) handed.push({ key: kv.key, value: kv.value });
          const old = cache.get(kv.key);
          fresh.set(kv.key, old?.modRevision === kv.modRevision ? old : { value: kv.value, modRevision: kv.modRevision });
        },
        finish() {
          cache.clear();
          for (const [k, v] of fresh) cache.set(k, v);
        },
      };
    },
    onEvent(event) {
      if (event.type === 'delete') cache.delete(event.key);
      else cache.set(event.key, { value: event.value ?? '', modRevision: event.modRevision });
    },
  };
}

/** Makes a store whose keys no other case sees; compaction on it must not disturb other cases. */
type Factory = () => Promise<KeyValueStore>;

function describeReflector(name: string, factory: Factory): void {
  describe(`Reflector: ${name}`, () => {
    const stores: KeyValueStore[] = [];
    const reflectors: Reflector[] = [];
    afterAll(async () => {
      for (const r of reflectors) await r.stop();
      await Promise.all(stores.map((s) => s.close()));
    });
    const setup = async (options: Partial<ReflectorOptions> = {}) => {
      const kv = await factory();
      stores.push(kv);
      const target = recorder();
      const reflector = new Reflector(kv, target, { prefix: '/p/', relistBackoff: { initialMs: 20, maxMs: 20 }, ...options });
      reflectors.push(reflector);
      return { kv, target, reflector };
    };

    it('lists the prefix page by page at one revision, then hands over only the changes after it', async () => {
      const { kv, target, reflector } = await setup({ pageSize: 2 });
      for (const k of ['a', 'b', 'c', 'd', 'e']) await kv.put(`/p/${k}`, k);
      await kv.put('/q/outside', 'x');
      const listed = await kv.currentRevision();
      expect(reflector.hasSynced).toBe(false);
      await reflector.start();
      expect(reflector.hasSynced).toBe(true);
      expect(reflector.isRunning).toBe(true);
      expect(target.listings).toEqual([{ relist: false, keys: ['/p/a', '/p/b', '/p/c', '/p/d', '/p/e'], revision: listed }]);
      expect(reflector.revision).toBe(listed);
      expect(target.events).toEqual([]);

      await kv.put('/p/a', 'a2');
      await kv.delete('/p/b');
      const { revision: last } = await kv.put('/p/f', 'f');
      await waitFor('three events', () => target.events.length === 3, 15_000);
      expect(target.events.map((e) => `${e.type} ${e.key}`)).toEqual(['put /p/a', 'delete /p/b', 'put /p/f']);
      expect(reflector.revision).toBe(last);
      expect([...target.cache.keys()].sort()).toEqual(['/p/a', '/p/c', '/p/d', '/p/e', '/p/f']);
      expect(reflector.relists).toBe(0);
    });

    it('a key written while the list pages are read is handed over exactly once (by the watch, or by the list)', async () => {
      const { kv, target, reflector } = await setup({ pageSize: 1 });
      for (const k of ['a', 'b', 'c', 'd']) await kv.put(`/p/${k}`, k);
      let write: Promise<unknown> | undefined;
      const inner = target.beginList.bind(target);
      target.beginList = (relist) => {
        const listing = inner(relist);
        return {
          add(kv2) {
            write ??= kv.put('/p/z', 'written during the list');
            listing.add(kv2);
          },
          finish: (revision) => listing.finish(revision),
        };
      };
      await reflector.start();
      await write;
      await waitFor('the key written during the list', () => target.cache.has('/p/z'), 15_000);
      const listedZ = target.listings[0]?.keys.filter((k) => k === '/p/z').length ?? 0;
      const watchedZ = target.events.filter((e) => e.key === '/p/z').length;
      expect(listedZ + watchedZ).toBe(1);
    });

    it('hands over every event of one transaction (they share a revision)', async () => {
      const { kv, target, reflector } = await setup();
      await reflector.start();
      const { revision } = await kv.txn({ compare: [], success: ['x', 'y', 'z'].map((k) => ({ type: 'put' as const, key: `/p/${k}`, value: k })) });
      await waitFor('three events', () => target.events.length === 3, 15_000);
      expect(target.events.map((e) => [e.key, e.modRevision])).toEqual([
        ['/p/x', revision],
        ['/p/y', revision],
        ['/p/z', revision],
      ]);
      expect(reflector.revision).toBe(revision);
    });

    it('stop then start resumes from the last revision: the changes made meanwhile arrive as events, without a relist', async () => {
      const { kv, target, reflector } = await setup();
      await kv.put('/p/a', '1');
      await reflector.start();
      await reflector.stop();
      expect(reflector.isRunning).toBe(false);
      await kv.put('/p/a', '2');
      await kv.put('/p/b', '3');
      await kv.delete('/p/a');
      expect(target.events).toEqual([]);
      await reflector.start();
      await waitFor('the missed changes', () => target.events.length === 3, 15_000);
      expect(target.events.map((e) => `${e.type} ${e.key} ${e.value ?? ''}`)).toEqual(['put /p/a 2', 'put /p/b 3', 'delete /p/a ']);
      expect(target.listings).toHaveLength(1);
      expect(reflector.relists).toBe(0);
    });

    it('relists when the history it needs was compacted while it was stopped, then watches again', async () => {
      const { kv, target, reflector } = await setup();
      for (const k of ['a', 'b', 'c']) await kv.put(`/p/${k}`, '1');
      await reflector.start();
      await reflector.stop();
      await kv.delete('/p/a');
      await kv.put('/p/b', '2');
      await kv.put('/p/d', '4');
      const compacted = await kv.currentRevision();
      await kv.compact(compacted);
      await reflector.start();
      await waitFor('the relist', () => reflector.relists === 1, 15_000);
      expect(target.listings.map((l) => [l.relist, l.keys, l.revision])).toEqual([
        [false, ['/p/a', '/p/b', '/p/c'], compacted - 3],
        [true, ['/p/b', '/p/c', '/p/d'], compacted],
      ]);
      expect(target.cache.get('/p/b')).toBe('2');
      expect(reflector.revision).toBe(compacted);
      const { revision } = await kv.put('/p/e', '5');
      await waitFor('a live event after the relist', () => target.cache.get('/p/e') === '5', 15_000);
      expect(target.events.map((e) => [e.key, e.modRevision])).toEqual([['/p/e', revision]]);
    });

    it('relists when a delete was made at exactly the compaction revision (a watch from there would miss it)', async () => {
      const { kv, target, reflector } = await setup();
      for (const k of ['a', 'b', 'c']) await kv.put(`/p/${k}`, '1');
      await reflector.start();
      await reflector.stop();
      const { revision } = await kv.txn({ compare: [], success: [{ type: 'delete', key: '/p/a' }, { type: 'delete', key: '/p/b' }] });
      await kv.compact(revision); // the very revision the reflector resumes from
      await reflector.start();
      await waitFor('the relist', () => reflector.relists === 1, 15_000);
      expect([...target.cache.keys()]).toEqual(['/p/c']);
    });

    it('a relist whose target names the values it needs reads keys only and fetches just those, few key by key or many as one span', async () => {
      const kv = await factory();
      stores.push(kv);
      const target = cachingTarget();
      const reflector = new Reflector(kv, target, { prefix: '/p/', pageSize: 10, relistBackoff: { initialMs: 20, maxMs: 20 } });
      reflectors.push(reflector);
      const key = (i: number): string => `/p/${String(i).padStart(2, '0')}`;
      for (let i = 0; i < 30; i++) await kv.put(key(i), `v1-${i}`);
      await reflector.start();
      await reflector.stop();
      // page 1 (keys 0-9): one change; page 2 (10-19): ten changes; page 3: a delete and an add
      await kv.put(key(3), 'v2-3');
      await kv.txn({ compare: [], success: Array.from({ length: 10 }, (_, j) => ({ type: 'put' as const, key: key(10 + j), value: `v2-${10 + j}` })) });
      await kv.delete(key(25));
      await kv.put('/p/27x', 'new');
      await kv.compact(await kv.currentRevision());
      await reflector.start();
      await waitFor('the relist', () => reflector.relists === 1, 15_000);
      const now = await listAll(kv, '/p/');
      expect([...target.cache].map(([k, v]) => [k, v.value])).toEqual(now.kvs.map((x) => [x.key, x.value]));
      // the changed keys came with their values, in key order; the others without
      const withValue = target.handed.filter((h) => h.value !== '');
      expect(withValue.map((h) => h.key)).toEqual([key(3), ...Array.from({ length: 10 }, (_, j) => key(10 + j)), '/p/27x']);
      expect(target.handed.map((h) => h.key)).toEqual(now.kvs.map((x) => x.key));
      expect(target.handed.find((h) => h.key === key(0))?.value).toBe('');
    });

    it('a first list that fails rejects start and leaves the reflector stopped and unsynced', async () => {
      const { kv, target, reflector } = await setup();
      await kv.close();
      const err = await reflector.start().catch((e: unknown) => e);
      expect(isKvError(err, 'GLUON_ERR_KV_CLOSED')).toBe(true);
      expect(reflector.isRunning).toBe(false);
      expect(reflector.hasSynced).toBe(false);
      expect(target.listings).toEqual([]);
    });
  });
}

describeReflector('in-process store', async () => createMemoryStore());

// Compaction is global to an etcd, so these run on an instance of this file's own.
const own = await startEtcd();
afterAll(async () => {
  await own.stop();
});
describeReflector('etcd', async () => createEtcdStore({ hosts: own.endpoint, prefix: `/r-${randomUUID()}` }));

describe('Reflector: etcd unreachable during a relist', () => {
  it('retries the relist with the given backoff until etcd answers again, then converges', async () => {
    const etcd = await startEtcd();
    const kv = createEtcdStore({ hosts: etcd.endpoint, requestTimeoutMs: 500 });
    const target = recorder();
    const failures: number[] = [];
    const recordDelays = { ...silentLogger, warn: (obj: object) => void ('retryInMs' in obj && failures.push(Number(obj.retryInMs))) };
    const reflector = new Reflector(kv, target, { prefix: '/p/', relistBackoff: { initialMs: 50, maxMs: 100 }, logger: recordDelays });
    try {
      for (const k of ['a', 'b']) await kv.put(`/p/${k}`, '1');
      await reflector.start();
      await reflector.stop();
      await kv.delete('/p/a');
      await kv.put('/p/c', '1');
      await kv.compact(await kv.currentRevision());
      etcd.kill('SIGSTOP');
      await reflector.start(); // the history check times out: relists are scheduled and fail
      await waitFor('two failed relists', () => failures.length >= 2, 30_000);
      expect(failures.slice(0, 2)).toEqual([50, 100]);
      expect(reflector.relists).toBe(0);
      etcd.kill('SIGCONT');
      await waitFor('a relist after etcd answers again', () => reflector.relists === 1, 30_000);
      expect([...target.cache.keys()].sort()).toEqual(['/p/b', '/p/c']);
      await kv.put('/p/d', '1');
      await waitFor('a live event after the relist', () => target.cache.has('/p/d'), 15_000);
    } finally {
      etcd.kill('SIGCONT');
      await reflector.stop();
      await kv.close();
      await etcd.stop();
    }
  });
});
