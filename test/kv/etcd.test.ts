import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEtcdStore, createKeyValueStore, isKvError, type KeyValueStore, type KvError, type WatchEvent } from '../../src/core/kv/index.js';
import { startEtcd } from '../setup/etcd.js';
import { startTcpProxy } from '../setup/tcp-proxy.js';
import { describeKeyValueStore } from './kv-conformance.js';
import { waitFor } from '../setup/wait-for.js';

// Compaction is global to an etcd, so the conformance suite runs on its own instance
// rather than the run's shared one (other suites resume watches there).
const own = await startEtcd();
afterAll(async () => {
  await own.stop();
});
describeKeyValueStore('etcd', async (prefix) => createEtcdStore({ hosts: own.endpoint, prefix }));

describe('etcd store on the shared test etcd', () => {
  it('reaches the private etcd the global set-up started (never 2379)', async () => {
    const endpoint = inject('etcdEndpoint');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.endsWith(':2379')).toBe(false);
    expect(process.env['GLUON_TEST_ETCD']).toBe(endpoint);
    const kv = createKeyValueStore(endpoint, { prefix: `/shared-${randomUUID()}` });
    expect(kv.kind).toBe('etcd');
    await kv.put('/hello', 'world');
    expect((await kv.get('/hello'))?.value).toBe('world');
    await kv.close();
  });
});

async function startWatchRecorder(kv: KeyValueStore, prefix: string, fromRevision?: number) {
  const events: WatchEvent[] = [];
  const errors: KvError[] = [];
  const watch = await kv.watch({ prefix, ...(fromRevision === undefined ? {} : { fromRevision }), onError: (e) => errors.push(e) }, (e) => {
    events.push(e);
  });
  return { events, errors, watch };
}

function expectExactly(events: readonly WatchEvent[], expected: readonly string[]): void {
  const keys = events.map((e) => `${e.key}=${e.value}`);
  expect(keys).toEqual(expected);
  const revs = events.map((e) => e.modRevision);
  expect(new Set(revs).size).toBe(revs.length);
  expect([...revs].sort((a, b) => a - b)).toEqual(revs);
}

describe('etcd faults (own etcd instances)', () => {
  it('a watch survives SIGSTOP, then SIGKILL and restart of etcd: events written after the restart arrive, none missing, none repeated', async () => {
    const etcd = await startEtcd();
    const kv = createEtcdStore({ hosts: etcd.endpoint, requestTimeoutMs: 1000 });
    try {
      const p = '/fault/';
      const rec = await startWatchRecorder(kv, p);
      const expected: string[] = [];
      for (let i = 0; i < 50; i++) {
        await kv.put(`${p}${i}`, 'before');
        expected.push(`${p}${i}=before`);
      }
      await waitFor('events before the outage', () => rec.events.length === 50, 15_000);

      etcd.kill('SIGSTOP');
      // A put sent right after SIGSTOP normally times out; on a loaded machine etcd may
      // still answer it before the stop takes effect. Either way: no other outcome.
      const during = await kv.put(`${p}x`, 'during').then(
        () => 'answered' as const,
        (e: unknown) => e,
      );
      if (during !== 'answered') {
        expect(isKvError(during, 'GLUON_ERR_KV_UNAVAILABLE'), `put while etcd is stopped gave ${String(during)}`).toBe(true);
        expect((during as KvError).retryable).toBe(true);
      }
      etcd.kill('SIGKILL');
      await etcd.restart();

      // the put during the stop may or may not have reached etcd before it froze
      const afterRestart = await waitForPut(kv, `${p}50`, 'after');
      void afterRestart;
      const xs = await kv.get(`${p}x`);
      for (let i = 51; i < 100; i++) await kv.put(`${p}${i}`, 'after');
      const tail = Array.from({ length: 50 }, (_, i) => `${p}${50 + i}=after`);
      const want = xs ? [...expected, `${p}x=during`, ...tail] : [...expected, ...tail];
      await waitFor('events after the restart', () => rec.events.length >= want.length, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expectExactly(rec.events, want);
      expect(rec.errors).toEqual([]);
      await rec.watch.close();
    } finally {
      await kv.close();
      await etcd.stop();
    }
  });

  it('a watch cut off from etcd resumes from its last revision and receives what was written meanwhile', async () => {
    const etcd = await startEtcd();
    const proxy = await startTcpProxy(etcd.endpoint);
    const watcherKv = createEtcdStore({ hosts: proxy.endpoint, requestTimeoutMs: 1000 });
    const writer = createEtcdStore({ hosts: etcd.endpoint });
    try {
      const p = '/cut/';
      const rec = await startWatchRecorder(watcherKv, p);
      const want: string[] = [];
      for (let i = 0; i < 20; i++) {
        await writer.put(`${p}${i}`, 'a');
        want.push(`${p}${i}=a`);
      }
      await waitFor('rec.events.length === 20', () => rec.events.length === 20);
      for (let round = 0; round < 3; round++) {
        proxy.cut();
        for (let i = 0; i < 30; i++) {
          await writer.put(`${p}${round}-${i}`, `r${round}`);
          want.push(`${p}${round}-${i}=r${round}`);
        }
        await new Promise((r) => setTimeout(r, 300));
        proxy.restore();
        await waitFor(`events of round ${round}`, () => rec.events.length >= want.length, 30_000);
      }
      await new Promise((r) => setTimeout(r, 300));
      expectExactly(rec.events, want);
      expect(rec.errors).toEqual([]);
      await rec.watch.close();
    } finally {
      await watcherKv.close();
      await writer.close();
      await proxy.close();
      await etcd.stop();
    }
  });

  it('a watch that resumes past a compaction ends with GLUON_ERR_KV_COMPACTED and the compact revision', async () => {
    const etcd = await startEtcd();
    const proxy = await startTcpProxy(etcd.endpoint);
    const watcherKv = createEtcdStore({ hosts: proxy.endpoint, requestTimeoutMs: 1000 });
    const writer = createEtcdStore({ hosts: etcd.endpoint });
    try {
      const p = '/compacted/';
      const rec = await startWatchRecorder(watcherKv, p);
      await writer.put(`${p}a`, '1');
      await waitFor('rec.events.length === 1', () => rec.events.length === 1);
      proxy.cut();
      await writer.put(`${p}a`, '2');
      await writer.put(`${p}a`, '3');
      const { revision } = await writer.put(`${p}a`, '4');
      await writer.compact(revision);
      proxy.restore();
      await waitFor('compaction error', () => rec.errors.length === 1, 30_000);
      const err = rec.errors[0] as KvError & { compactRevision: number };
      expect(err.code).toBe('GLUON_ERR_KV_COMPACTED');
      expect(err.compactRevision).toBe(revision);
      expect(rec.watch.closed).toBe(true);
      expect(rec.events.map((e) => e.value)).toEqual(['1']);
    } finally {
      await watcherKv.close();
      await writer.close();
      await proxy.close();
      await etcd.stop();
    }
  });

  it('a leader cut off from etcd is told it lost leadership before its lease can expire on the server', async () => {
    const etcd = await startEtcd();
    const proxy = await startTcpProxy(etcd.endpoint);
    const a = createEtcdStore({ hosts: proxy.endpoint, requestTimeoutMs: 1000 });
    const b = createEtcdStore({ hosts: etcd.endpoint });
    try {
      const leader = await a.campaign('/el', 'a', { ttl: 3 });
      let lostAt = 0;
      leader.onLost(() => (lostAt = Date.now()));
      let electedAt = 0;
      const next = b.campaign('/el', 'b', { ttl: 3 }).then((l) => {
        electedAt = Date.now();
        return l;
      });
      proxy.cut();
      const bLeader = await next;
      await waitFor('lost callback', () => lostAt > 0, 10_000);
      expect(leader.isLeader).toBe(false);
      expect(lostAt).toBeLessThanOrEqual(electedAt);
      await bLeader.resign();
    } finally {
      await a.close();
      await b.close();
      await proxy.close();
      await etcd.stop();
    }
  });

  it('an unreachable etcd fails requests with the retryable GLUON_ERR_KV_UNAVAILABLE', async () => {
    const kv = createEtcdStore({ hosts: 'http://127.0.0.1:1', dialTimeoutMs: 500, requestTimeoutMs: 500 });
    const err = await kv.get('/x').catch((e: unknown) => e);
    expect(isKvError(err, 'GLUON_ERR_KV_UNAVAILABLE')).toBe(true);
    expect((err as KvError).retryable).toBe(true);
    await kv.close();
  });
});

async function waitForPut(kv: KeyValueStore, key: string, value: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return (await kv.put(key, value)).revision;
    } catch (err) {
      if (!isKvError(err, 'GLUON_ERR_KV_UNAVAILABLE') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
