/**
 * The conformance suite of the key/value port: one set of behaviours, run against the
 * in-process store and a real etcd (`memory.test.ts`, `etcd.test.ts`).
 */
import { waitFor } from '../setup/wait-for.js';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_TXN_OPS,
  compareKeys,
  isKvError,
  listAll,
  type KeyValueStore,
  type Leadership,
  type WatchEvent,
} from '../../src/core/kv/index.js';

/**
 * Makes a store. Every store a factory returns for one suite run must see the same data
 * (like two clients of one etcd), each under its own key `prefix`.
 */
export type StoreFactory = (prefix: string) => Promise<KeyValueStore>;

function summary(e: WatchEvent): string {
  return `${e.type} ${e.key} ${e.value ?? ''} @${e.modRevision}`;
}

async function expectKvError(p: Promise<unknown>, code: string): Promise<unknown> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect((err as { code?: string }).code).toBe(code);
  return err;
}

/** Registers the conformance suite for one implementation. */
export function describeKeyValueStore(name: string, factory: StoreFactory): void {
  describe(`KeyValueStore conformance: ${name}`, () => {
    const stores: KeyValueStore[] = [];
    let kv: KeyValueStore;
    const make = async (prefix: string): Promise<KeyValueStore> => {
      const s = await factory(prefix);
      stores.push(s);
      return s;
    };
    beforeAll(async () => {
      kv = await make(`/conf-${randomUUID()}`);
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
    });
    const ns = (): string => `/t-${randomUUID().slice(0, 8)}/`;

    it('puts, gets and deletes keys, bumping the revision once per write', async () => {
      const p = ns();
      const r0 = await kv.currentRevision();
      expect(await kv.get(`${p}a`)).toBeUndefined();
      const { revision: r1 } = await kv.put(`${p}a`, '{"n":1}');
      expect(r1).toBe(r0 + 1);
      const got = await kv.get(`${p}a`);
      expect(got).toMatchObject({ key: `${p}a`, value: '{"n":1}', createRevision: r1, modRevision: r1, version: 1 });
      const del = await kv.delete(`${p}a`);
      expect(del).toEqual({ deleted: 1, revision: r1 + 1 });
      expect(await kv.get(`${p}a`)).toBeUndefined();
      const none = await kv.delete(`${p}a`);
      expect(none).toEqual({ deleted: 0, revision: r1 + 1 });
      expect(await kv.currentRevision()).toBe(r1 + 1);
    });

    it('tracks create/mod revisions and versions; a delete resets them', async () => {
      const p = ns();
      const { revision: c } = await kv.put(`${p}k`, 'v1');
      const { revision: m } = await kv.put(`${p}k`, 'v2');
      expect(await kv.get(`${p}k`)).toMatchObject({ value: 'v2', createRevision: c, modRevision: m, version: 2 });
      await kv.delete(`${p}k`);
      const { revision: c2 } = await kv.put(`${p}k`, 'v3');
      expect(await kv.get(`${p}k`)).toMatchObject({ value: 'v3', createRevision: c2, modRevision: c2, version: 1 });
    });

    it('rejects empty keys and non-string values with GLUON_ERR_KV_BAD_REQUEST', async () => {
      await expectKvError(kv.put('', 'x'), 'GLUON_ERR_KV_BAD_REQUEST');
      await expectKvError(kv.put('/k', 42 as unknown as string), 'GLUON_ERR_KV_BAD_REQUEST');
      await expectKvError(kv.range({ prefix: '/p/', limit: 0 }), 'GLUON_ERR_KV_BAD_REQUEST');
      await expectKvError(kv.range({ prefix: '/p/', fromKey: '/q' }), 'GLUON_ERR_KV_BAD_REQUEST');
    });

    it('ranges a prefix in key order, paged with limit/fromKey at one revision', async () => {
      const p = ns();
      const keys = Array.from({ length: 25 }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
      for (const k of keys) await kv.put(k, `v-${k}`);
      await kv.put(`${p.slice(0, -1)}x`, 'outside'); // shares the text but not the prefix
      const first = await kv.range({ prefix: p, limit: 10 });
      expect(first.kvs.map((x) => x.key)).toEqual(keys.slice(0, 10));
      expect(first.more).toBe(true);
      const second = await kv.range({ prefix: p, limit: 10, fromKey: `${keys[9]}\0`, revision: first.revision });
      expect(second.kvs.map((x) => x.key)).toEqual(keys.slice(10, 20));
      const rest = await kv.range({ prefix: p, fromKey: keys[20]!, revision: first.revision });
      expect(rest.kvs.map((x) => x.key)).toEqual(keys.slice(20));
      expect(rest.more).toBe(false);
      // a page read at the first page's revision ignores later writes
      const snapshot = first.revision;
      await kv.delete(keys[0]!);
      await kv.put(keys[1]!, 'changed');
      await kv.put(`${p}zzz`, 'new');
      const old = await listAll(kv, p, { pageSize: 7, revision: snapshot });
      expect(old.kvs.map((x) => x.key)).toEqual(keys);
      expect(old.kvs[1]!.value).toBe(`v-${keys[1]}`);
      const now = await listAll(kv, p, { pageSize: 7 });
      expect(now.kvs.map((x) => x.key)).toEqual([...keys.slice(1), `${p}zzz`]);
      expect(now.kvs[0]!.value).toBe('changed');
      expect(now.revision).toBe(await kv.currentRevision());
    });

    it('ranges keys only: every key with its revisions, no values, also at an older revision', async () => {
      const p = ns();
      await kv.put(`${p}a`, 'value-a');
      const { revision } = await kv.put(`${p}b`, 'value-b');
      await kv.put(`${p}b`, 'newer');
      const full = await kv.range({ prefix: p, revision });
      const keysOnly = await kv.range({ prefix: p, revision, keysOnly: true });
      expect(keysOnly.kvs).toEqual(full.kvs.map((x) => ({ ...x, value: '' })));
      expect(keysOnly.kvs.map((x) => x.modRevision)).toEqual([revision - 1, revision]);
      const paged = await listAll(kv, p, { pageSize: 1, keysOnly: true });
      expect(paged.kvs.map((x) => [x.key, x.value])).toEqual([[`${p}a`, ''], [`${p}b`, '']]);
      await expectKvError(kv.range({ prefix: p, keysOnly: 'yes' as unknown as boolean }), 'GLUON_ERR_KV_BAD_REQUEST');
    });

    it('deletes a whole prefix as one revision', async () => {
      const p = ns();
      for (let i = 0; i < 5; i++) await kv.put(`${p}${i}`, 'x');
      await kv.put(`${p.slice(0, -1)}-other`, 'keep');
      const before = await kv.currentRevision();
      const res = await kv.deletePrefix(p);
      expect(res).toEqual({ deleted: 5, revision: before + 1 });
      expect((await kv.range({ prefix: p })).kvs).toHaveLength(0);
      expect(await kv.get(`${p.slice(0, -1)}-other`)).toBeDefined();
    });

    it('runs guarded transactions: success and failure branches, one revision per txn', async () => {
      const p = ns();
      const create = { compare: [{ key: `${p}a`, op: '=' as const, createRevision: 0 }], success: [{ type: 'put' as const, key: `${p}a`, value: '1' }, { type: 'put' as const, key: `${p}b`, value: '1' }], failure: [{ type: 'put' as const, key: `${p}lost`, value: 'yes' }] };
      const r = await kv.txn(create);
      expect(r.succeeded).toBe(true);
      expect((await kv.get(`${p}a`))!.modRevision).toBe(r.revision);
      expect((await kv.get(`${p}b`))!.modRevision).toBe(r.revision);
      const again = await kv.txn(create);
      expect(again.succeeded).toBe(false);
      expect(again.revision).toBe(r.revision + 1);
      expect(await kv.get(`${p}lost`)).toMatchObject({ value: 'yes' });

      const a = (await kv.get(`${p}a`))!;
      const stale = await kv.txn({ compare: [{ key: `${p}a`, op: '=', modRevision: a.modRevision - 1 }], success: [{ type: 'delete', key: `${p}a` }] });
      expect(stale).toEqual({ succeeded: false, revision: again.revision });
      const fresh = await kv.txn({ compare: [{ key: `${p}a`, op: '=', modRevision: a.modRevision }, { key: `${p}a`, op: '=', value: '1' }, { key: `${p}a`, op: '<', version: 2 }, { key: `${p}b`, op: '>', createRevision: 0 }, { key: `${p}b`, op: '!=', value: '2' }], success: [{ type: 'delete', key: `${p}a` }] });
      expect(fresh.succeeded).toBe(true);
      expect(await kv.get(`${p}a`)).toBeUndefined();
      // a value guard on a missing key never holds
      const missing = await kv.txn({ compare: [{ key: `${p}none`, op: '!=', value: 'x' }], success: [{ type: 'put', key: `${p}c`, value: '1' }] });
      expect(missing.succeeded).toBe(false);
    });

    it(`enforces the ${MAX_TXN_OPS}-operation limit with GLUON_ERR_KV_TXN_TOO_LARGE`, async () => {
      const p = ns();
      const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `${p}${i}`, value: 'x' }));
      const ok = await kv.txn({ compare: [], success: ops(MAX_TXN_OPS) });
      expect(ok.succeeded).toBe(true);
      expect((await kv.range({ prefix: p })).kvs).toHaveLength(MAX_TXN_OPS);
      const err = await expectKvError(kv.txn({ compare: [], success: ops(MAX_TXN_OPS + 1) }), 'GLUON_ERR_KV_TXN_TOO_LARGE');
      expect((err as Error).message).toContain('129');
      await expectKvError(kv.txn({ compare: [], success: [{ type: 'put', key: `${p}d`, value: '1' }, { type: 'delete', key: `${p}d` }] }), 'GLUON_ERR_KV_BAD_REQUEST');
    });

    it('watches from a revision: the full history, in revision order, then live changes', async () => {
      const p = ns();
      const start = (await kv.currentRevision()) + 1;
      const expected: string[] = [];
      const note = async (w: Promise<{ revision: number }>, line: (rev: number) => string[]): Promise<void> => {
        const { revision } = await w;
        expected.push(...line(revision));
      };
      await note(kv.put(`${p}a`, '1'), (r) => [`put ${p}a 1 @${r}`]);
      await note(kv.put(`${p}b`, '1'), (r) => [`put ${p}b 1 @${r}`]);
      await note(kv.put(`${p}a`, '2'), (r) => [`put ${p}a 2 @${r}`]);
      await kv.put(`/elsewhere-${randomUUID()}`, 'ignored');
      await note(kv.delete(`${p}b`), (r) => [`delete ${p}b  @${r}`]);
      await note(kv.txn({ compare: [], success: [{ type: 'put', key: `${p}c`, value: '1' }, { type: 'put', key: `${p}d`, value: '1' }] }), (r) => [`put ${p}c 1 @${r}`, `put ${p}d 1 @${r}`]);
      const seen: WatchEvent[] = [];
      const w = await kv.watch({ prefix: p, fromRevision: start, prevValue: true }, (e) => {
        seen.push(e);
      });
      await note(kv.put(`${p}e`, 'live'), (r) => [`put ${p}e live @${r}`]);
      await waitFor('watch events', () => seen.length >= expected.length, 15_000);
      expect(seen.map(summary)).toEqual(expected);
      expect(seen[2]).toMatchObject({ prevValue: '1', version: 2 });
      expect(seen[3]).toMatchObject({ type: 'delete', prevValue: '1' });
      await waitFor('lastRevision', () => w.lastRevision === seen[seen.length - 1]!.modRevision, 5000);
      await w.close();
      expect(w.closed).toBe(true);
      await kv.put(`${p}f`, 'after close');
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.map(summary)).toEqual(expected);
    });

    it('watches one key, awaiting an async handler before the next event', async () => {
      const p = ns();
      const seen: string[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const w = await kv.watch({ key: `${p}k` }, async (e) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(e.value ?? 'deleted');
        inFlight--;
      });
      for (let i = 0; i < 10; i++) await kv.put(`${p}k`, String(i));
      await kv.put(`${p}k2`, 'other key');
      await kv.delete(`${p}k`);
      await waitFor('key events', () => seen.length === 11, 15_000);
      expect(seen).toEqual([...Array.from({ length: 10 }, (_, i) => String(i)), 'deleted']);
      expect(maxInFlight).toBe(1);
      await w.close();
    });

    it('resumes a closed watch from lastRevision + 1 with nothing missing and nothing repeated', async () => {
      const p = ns();
      const seen: string[] = [];
      const w1 = await kv.watch({ prefix: p }, (e) => {
        seen.push(summary(e));
      });
      for (let i = 0; i < 5; i++) await kv.put(`${p}${i}`, 'a');
      await waitFor('seen.length === 5', () => seen.length === 5);
      await w1.close();
      const resumeFrom = w1.lastRevision + 1;
      for (let i = 0; i < 5; i++) await kv.put(`${p}${i}`, 'b');
      const w2 = await kv.watch({ prefix: p, fromRevision: resumeFrom }, (e) => {
        seen.push(summary(e));
      });
      for (let i = 5; i < 8; i++) await kv.put(`${p}${i}`, 'c');
      await waitFor('seen.length === 13', () => seen.length === 13);
      await w2.close();
      expect(new Set(seen).size).toBe(13);
      const revs = seen.map((s) => Number(s.split('@')[1]));
      expect([...revs].sort((a, b) => a - b)).toEqual(revs);
    });

    it('compaction: older reads and watches fail with GLUON_ERR_KV_COMPACTED and the compact revision', async () => {
      const p = ns();
      const { revision: old } = await kv.put(`${p}k`, '1');
      await kv.put(`${p}k`, '2');
      const { revision: keep } = await kv.put(`${p}k`, '3');
      await kv.put(`${p}k`, '4');
      await kv.compact(keep);
      const readErr = await expectKvError(kv.range({ prefix: p, revision: old }), 'GLUON_ERR_KV_COMPACTED');
      expect(readErr).toMatchObject({ compactRevision: keep, requestedRevision: old, retryable: false });
      const watchErr = await expectKvError(kv.watch({ prefix: p, fromRevision: old }, () => undefined), 'GLUON_ERR_KV_COMPACTED');
      expect(watchErr).toMatchObject({ compactRevision: keep });
      expect(isKvError(watchErr, 'GLUON_ERR_KV_COMPACTED')).toBe(true);
      // the compact revision itself is still readable and watchable
      expect((await kv.range({ prefix: p, revision: keep })).kvs[0]!.value).toBe('3');
      const seen: string[] = [];
      const w = await kv.watch({ prefix: p, fromRevision: keep }, (e) => {
        seen.push(e.value ?? '');
      });
      await waitFor('seen.length === 2', () => seen.length === 2);
      expect(seen).toEqual(['3', '4']);
      await w.close();
      await expectKvError(kv.compact(keep), 'GLUON_ERR_KV_COMPACTED');
      await expectKvError(kv.compact((await kv.currentRevision()) + 10), 'GLUON_ERR_KV_FUTURE_REVISION');
      await expectKvError(kv.range({ prefix: p, revision: (await kv.currentRevision()) + 10 }), 'GLUON_ERR_KV_FUTURE_REVISION');
    });

    it('leases: revoke deletes their keys at once; a released lease expires and deletes them', async () => {
      const p = ns();
      const l1 = await kv.grantLease(5);
      expect(typeof l1.id).toBe('string');
      expect(l1.keepAliveRunning).toBe(true);
      await kv.put(`${p}a`, 'x', { lease: l1.id });
      await kv.txn({ compare: [], success: [{ type: 'put', key: `${p}b`, value: 'y', lease: l1.id }] });
      expect((await kv.get(`${p}a`))!.lease).toBe(l1.id);
      await l1.revoke();
      expect(l1.keepAliveRunning).toBe(false);
      expect((await kv.range({ prefix: p })).kvs).toHaveLength(0);
      await expectKvError(kv.put(`${p}c`, 'z', { lease: l1.id }), 'GLUON_ERR_KV_LEASE_NOT_FOUND');

      const l2 = await kv.grantLease(2);
      await kv.put(`${p}d`, 'x', { lease: l2.id });
      await kv.put(`${p}e`, 'no lease');
      // kept alive well past its TTL
      await new Promise((r) => setTimeout(r, 3000));
      expect(await kv.get(`${p}d`)).toBeDefined();
      let lost = false;
      l2.onLost(() => (lost = true));
      l2.release();
      await waitFor('lease expiry', async () => (await kv.get(`${p}d`)) === undefined, 15_000);
      expect(await kv.get(`${p}e`)).toBeDefined();
      expect(lost).toBe(false);
    });

    it('leases: a lease revoked by someone else is reported lost to its holder', async () => {
      const p = ns();
      const other = await make(`/conf-${randomUUID()}`);
      const lease = await kv.grantLease(2);
      await kv.put(`${p}a`, 'x', { lease: lease.id });
      const lostErr = new Promise<unknown>((resolve) => lease.onLost(resolve));
      await other.revokeLease(lease.id);
      const err = await lostErr;
      expect((err as { code: string }).code).toBe('GLUON_ERR_KV_LEASE_LOST');
      expect(lease.lost).toBe(true);
      expect(await kv.get(`${p}a`)).toBeUndefined();
      await other.revokeLease(lease.id); // unknown ids are ignored
    });

    it('leases and leaderships: an onLost registered after the loss still fires (at once)', async () => {
      // a campaign can be won on a lease that is already dying (found by the chaos run)
      const other = await make(`/conf-${randomUUID()}`);
      const lease = await kv.grantLease(2);
      const lost = new Promise<unknown>((resolve) => lease.onLost(resolve));
      await other.revokeLease(lease.id);
      await lost;
      let late: unknown;
      lease.onLost((err) => (late = err));
      await waitFor('the late onLost of a lost lease', () => late !== undefined, 5_000);
      expect((late as { code: string }).code).toBe('GLUON_ERR_KV_LEASE_LOST');

      const leader = await kv.campaign(`/election-${randomUUID()}`, 'a', { ttl: 2 });
      const leaderLost = new Promise<unknown>((resolve) => leader.onLost(resolve));
      await other.revokeLease(leader.leaseId);
      await leaderLost;
      let lateLeader: unknown;
      leader.onLost((err) => (lateLeader = err));
      await waitFor('the late onLost of a lost leadership', () => lateLeader !== undefined, 5_000);
      expect((lateLeader as { code: string }).code).toBe('GLUON_ERR_KV_LEASE_LOST');
      expect(leader.isLeader).toBe(false);
    });

    it('keeps prefixes apart: stores with different prefixes share the data but not the keys', async () => {
      const pa = `/iso-${randomUUID()}`;
      const a = await make(pa);
      const b = await make(`/iso-${randomUUID()}`);
      await a.put('/k', 'from a');
      expect(await b.get('/k')).toBeUndefined();
      expect((await a.range({ prefix: '' })).kvs.map((x) => x.key)).toEqual(['/k']);
      const root = await make('');
      expect(await root.get(`${pa}/k`)).toMatchObject({ value: 'from a' });
      const seen: string[] = [];
      const w = await a.watch({ prefix: '' }, (e) => {
        seen.push(e.key);
      });
      await b.put('/k', 'from b');
      await a.put('/j', 'x');
      await waitFor('seen.length === 1', () => seen.length === 1);
      expect(seen).toEqual(['/j']);
      await w.close();
    });

    it('election: exactly one leader among N candidates; resign and lease loss hand over', async () => {
      const election = `/election-${randomUUID()}`;
      const candidates = await Promise.all([0, 1, 2].map((i) => make(`/cand-${i}-${randomUUID()}`).then(() => kv)));
      void candidates;
      const clients = await Promise.all([0, 1, 2].map(() => make('')));
      const observerStore = await make('');
      const observer = await observerStore.observeLeader(election);
      expect(observer.leader).toBeUndefined();
      const leaders: Leadership[] = [];
      const pending = clients.map((c, i) =>
        c.campaign(election, `node-${i}`, { ttl: 2 }).then((l) => {
          leaders.push(l);
          return l;
        }),
      );
      await waitFor('first leader', () => leaders.length === 1, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(leaders).toHaveLength(1);
      const first = leaders[0]!;
      expect(first.isLeader).toBe(true);
      await waitFor('observer sees the first leader', () => observer.leader === first.candidateId, 10_000);

      // fencing: a leader-only txn guarded on its election key
      const fenced = await clients[0]!.txn({ compare: [{ key: first.key, op: '=', createRevision: first.createRevision }], success: [] });
      expect(fenced.succeeded).toBe(true);

      await first.resign();
      expect(first.isLeader).toBe(false);
      await waitFor('second leader', () => leaders.length === 2, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(leaders).toHaveLength(2);
      const second = leaders[1]!;
      expect(second.candidateId).not.toBe(first.candidateId);
      await waitFor('observer sees the second leader', () => observer.leader === second.candidateId, 10_000);

      // losing the lease ends leadership and elects the last candidate
      const lostErr = new Promise<unknown>((resolve) => second.onLost(resolve));
      await observerStore.revokeLease(second.leaseId);
      expect(((await lostErr) as { code: string }).code).toBe('GLUON_ERR_KV_LEASE_LOST');
      expect(second.isLeader).toBe(false);
      await waitFor('third leader', () => leaders.length === 3, 15_000);
      const third = leaders[2]!;
      expect(new Set(leaders.map((l) => l.candidateId)).size).toBe(3);
      await waitFor('observer sees the third leader', () => observer.leader === third.candidateId, 10_000);
      const stale = await clients[0]!.txn({ compare: [{ key: second.key, op: '=', createRevision: second.createRevision }], success: [] });
      expect(stale.succeeded).toBe(false);
      await third.resign();
      await waitFor('no leader', () => observer.leader === undefined, 10_000);
      await observer.close();
      await Promise.all(pending);
    });

    it('election: an aborted campaign rejects with GLUON_ERR_KV_CAMPAIGN_ABORTED and withdraws', async () => {
      const election = `/election-${randomUUID()}`;
      const leader = await kv.campaign(election, 'a', { ttl: 5 });
      const ac = new AbortController();
      const waiting = kv.campaign(election, 'b', { ttl: 5, signal: ac.signal });
      await waitFor('second candidate key', async () => (await kv.range({ prefix: `${election}/` })).kvs.length === 2, 10_000);
      ac.abort();
      await expectKvError(waiting, 'GLUON_ERR_KV_CAMPAIGN_ABORTED');
      await waitFor('candidate withdrawn', async () => (await kv.range({ prefix: `${election}/` })).kvs.length === 1, 10_000);
      await leader.resign();
    });

    it('closing a store ends its watches with GLUON_ERR_KV_CLOSED and rejects a waiting campaign', async () => {
      const election = `/election-${randomUUID()}`;
      const other = await make('');
      const leader = await other.campaign(election, 'a', { ttl: 5 });
      const closing = await factory('');
      const errors: string[] = [];
      await closing.watch({ prefix: '/anything/', onError: (e) => errors.push(e.code) }, () => undefined);
      const waiting = closing.campaign(election, 'b', { ttl: 5 });
      await waitFor('second candidate key', async () => (await other.range({ prefix: `${election}/` })).kvs.length === 2, 10_000);
      // handle the campaign's outcome before closing: it may reject while close() is still running
      const outcome = waiting.then(
        () => undefined,
        (e: unknown) => e as { code: string },
      );
      await closing.close();
      const err = await outcome;
      expect(err?.code).toMatch(/^GLUON_ERR_KV_(CLOSED|CAMPAIGN_ABORTED)$/);
      expect(errors).toContain('GLUON_ERR_KV_CLOSED');
      await expectKvError(closing.get('/x'), 'GLUON_ERR_KV_CLOSED');
      await leader.resign();
    });

    it('property: any unicode keys read back in UTF-8 byte order with their values', async () => {
      const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 });
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.tuple(keyArb, fc.string({ unit: 'grapheme', maxLength: 20 })), { selector: ([k]) => k, maxLength: 12 }), async (entries) => {
          const p = ns();
          for (const [k, v] of entries) await kv.put(p + k, v);
          const { kvs } = await listAll(kv, p, { pageSize: 5 });
          const model = [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
          expect(kvs.map((x) => [x.key.slice(p.length), x.value])).toEqual(model);
          for (const [k, v] of entries) expect((await kv.get(p + k))?.value).toBe(v);
        }),
        { numRuns: 15 },
      );
      expect(compareKeys('\u{1F600}', '\uFFFF')).toBeGreaterThan(0);
    });
  });
}
