import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import { Informer, type InformerEvent } from '../../src/shim-sdk/index.js';
import { startEtcd, type EtcdInstance } from '../setup/etcd.js';
import { isolatedStore, memoryLogger, sharedEtcd, waitFor } from './helpers.js';

type Obj = { v: number };
const P = '/proton/demo/';

function record(informer: Informer<Obj>): InformerEvent<Obj>[] {
  const events: InformerEvent<Obj>[] = [];
  informer.on((e) => void events.push(e));
  return events;
}

describe('Informer on the shared etcd', () => {
  let kv: KeyValueStore;
  const informers: Informer<Obj>[] = [];
  beforeAll(() => {
    kv = isolatedStore(sharedEtcd());
  });
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    await kv.deletePrefix('');
  });
  afterAll(async () => kv.close());

  it('lists the prefix (paged) at one revision, then watches from the next one', async () => {
    for (let i = 0; i < 25; i++) await kv.put(`${P}Port/${String(i).padStart(2, '0')}`, JSON.stringify({ v: i }));
    await kv.put('/elsewhere/x', '{}');
    const informer = new Informer<Obj>(kv, { prefix: P, pageSize: 7 });
    informers.push(informer);
    const events = record(informer);
    await informer.start();
    expect(informer.hasSynced).toBe(true);
    expect(events).toHaveLength(25);
    expect(events.every((e) => e.type === 'added' && !e.synthetic)).toBe(true);
    expect(informer.get(`${P}Port/07`)).toEqual({ v: 7 });
    expect(informer.list(`${P}Port/`)).toHaveLength(25);

    await kv.put(`${P}Port/07`, JSON.stringify({ v: 70 }));
    await kv.delete(`${P}Port/08`);
    await kv.put(`${P}Port/99`, JSON.stringify({ v: 99 }));
    await waitFor('three watch events', () => events.length === 28);
    expect(events.slice(25).map((e) => [e.type, e.key, e.object.v, e.oldObject?.v])).toEqual([
      ['updated', `${P}Port/07`, 70, 7],
      ['deleted', `${P}Port/08`, 8, 8],
      ['added', `${P}Port/99`, 99, undefined],
    ]);
    expect(informer.get(`${P}Port/08`)).toBeUndefined();
  });

  it('delivers every event of one transaction (they share a revision)', async () => {
    const informer = new Informer<Obj>(kv, { prefix: P });
    informers.push(informer);
    const events = record(informer);
    await informer.start();
    await kv.txn({ compare: [], success: [1, 2, 3].map((i) => ({ type: 'put' as const, key: `${P}T/${i}`, value: JSON.stringify({ v: i }) })) });
    await waitFor('three events', () => events.length === 3);
    expect(new Set(events.map((e) => e.revision)).size).toBe(1);
  });

  it('logs and skips a malformed value, keeping the last good one', async () => {
    const logger = memoryLogger();
    const informer = new Informer<Obj>(kv, { prefix: P, logger });
    informers.push(informer);
    const events = record(informer);
    await kv.put(`${P}X/bad`, 'not json');
    await kv.put(`${P}X/good`, JSON.stringify({ v: 1 }));
    await informer.start();
    expect(events.map((e) => e.key)).toEqual([`${P}X/good`]);
    await kv.put(`${P}X/good`, '{oops');
    await kv.put(`${P}X/next`, JSON.stringify({ v: 2 }));
    await waitFor('the next event', () => events.length === 2);
    expect(informer.get(`${P}X/good`)).toEqual({ v: 1 });
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => (e.obj as { key: string }).key)).toEqual([`${P}X/bad`, `${P}X/good`]);
  });

  it('stop then start resumes from the last revision: changes made meanwhile arrive in order', async () => {
    const informer = new Informer<Obj>(kv, { prefix: P });
    informers.push(informer);
    const events = record(informer);
    await kv.put(`${P}R/a`, JSON.stringify({ v: 1 }));
    await informer.start();
    await informer.stop();
    await kv.put(`${P}R/a`, JSON.stringify({ v: 2 }));
    await kv.put(`${P}R/b`, JSON.stringify({ v: 3 }));
    await kv.delete(`${P}R/a`);
    expect(events).toHaveLength(1);
    await informer.start();
    await waitFor('the missed changes', () => events.length === 4);
    expect(events.map((e) => [e.type, e.key, e.object.v, e.synthetic])).toEqual([
      ['added', `${P}R/a`, 1, false],
      ['updated', `${P}R/a`, 2, false],
      ['added', `${P}R/b`, 3, false],
      ['deleted', `${P}R/a`, 2, false],
    ]);
    expect(informer.relists).toBe(0);
  });
});

describe('Informer and compaction on a private etcd', () => {
  let etcd: EtcdInstance;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => etcd?.stop());

  it('relists after etcd compacted past its revision while it was disconnected, delivering the missed deletes', async () => {
    const writer = isolatedStore(etcd.endpoint, '/c');
    const reader = isolatedStore(etcd.endpoint, '/c');
    const informer = new Informer<Obj>(reader, { prefix: P, relistBackoff: { initialMs: 50, maxMs: 200 } });
    const events = record(informer);
    for (const k of ['a', 'b', 'c']) await writer.put(`${P}K/${k}`, JSON.stringify({ v: 1 }));
    await informer.start();
    expect(events).toHaveLength(3);

    // disconnect the shim: stop following, write, delete and compact behind its back
    await informer.stop();
    await writer.delete(`${P}K/a`);
    await writer.put(`${P}K/b`, JSON.stringify({ v: 2 }));
    await writer.put(`${P}K/d`, JSON.stringify({ v: 4 }));
    await writer.put(`${P}K/gone`, JSON.stringify({ v: 5 }));
    await writer.delete(`${P}K/gone`);
    await writer.compact(await writer.currentRevision());

    await informer.start();
    await waitFor('convergence', () => informer.size === 3 && informer.get(`${P}K/b`)?.v === 2);
    expect(informer.relists).toBeGreaterThanOrEqual(1);
    const missed = events.slice(3).map((e) => [e.type, e.key.slice(P.length), e.synthetic]);
    expect(missed).toEqual(expect.arrayContaining([['deleted', 'K/a', true], ['updated', 'K/b', true], ['added', 'K/d', true]]));
    expect(missed).toHaveLength(3); // 'gone' came and went unseen
    // and it watches again afterwards
    await writer.put(`${P}K/e`, JSON.stringify({ v: 6 }));
    await waitFor('a live event after the relist', () => informer.get(`${P}K/e`)?.v === 6);
    expect(events[events.length - 1]).toMatchObject({ type: 'added', synthetic: false });
    await informer.stop();
    await writer.close();
    await reader.close();
  });

  it('delivers a delete made at exactly the compaction revision (etcd drops that tombstone from the watchable history)', async () => {
    const writer = isolatedStore(etcd.endpoint, '/t');
    const reader = isolatedStore(etcd.endpoint, '/t');
    const informer = new Informer<Obj>(reader, { prefix: P, relistBackoff: { initialMs: 50, maxMs: 200 } });
    const events = record(informer);
    for (const k of ['a', 'b', 'c']) await writer.put(`${P}K/${k}`, JSON.stringify({ v: 1 }));
    await informer.start();
    await informer.stop();
    const { revision } = await writer.txn({ compare: [], success: [{ type: 'delete', key: `${P}K/a` }, { type: 'delete', key: `${P}K/b` }] });
    await writer.compact(revision); // the very revision the informer resumes from
    await informer.start();
    await waitFor('the two deletes', () => informer.size === 1);
    expect(events.slice(3).map((e) => [e.type, e.key.slice(P.length)]).sort()).toEqual([['deleted', 'K/a'], ['deleted', 'K/b']]);
    await informer.stop();
    await writer.close();
    await reader.close();
  });

  it('rides out a frozen (SIGSTOP) and a restarted etcd: the watch resumes from the last revision, nothing lost or repeated', async () => {
    const reader = isolatedStore(etcd.endpoint, '/f');
    const writer = isolatedStore(etcd.endpoint, '/f');
    const informer = new Informer<Obj>(reader, { prefix: P });
    const events = record(informer);
    for (const k of ['a', 'b']) await writer.put(`${P}K/${k}`, JSON.stringify({ v: 1 }));
    await informer.start();
    expect(events).toHaveLength(2);

    etcd.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 500));
    etcd.kill('SIGCONT');
    await writer.put(`${P}K/a`, JSON.stringify({ v: 2 }));
    await waitFor('the update after the freeze', () => informer.get(`${P}K/a`)?.v === 2);

    await etcd.restart(); // SIGKILL + start on the same data: the watch stream breaks
    await writer.delete(`${P}K/b`);
    await writer.put(`${P}K/c`, JSON.stringify({ v: 3 }));
    await waitFor('the changes after the restart', () => informer.get(`${P}K/c`) !== undefined && informer.get(`${P}K/b`) === undefined, 30_000);
    expect(events.map((e) => [e.type, e.key.slice(P.length)])).toEqual([
      ['added', 'K/a'],
      ['added', 'K/b'],
      ['updated', 'K/a'],
      ['deleted', 'K/b'],
      ['added', 'K/c'],
    ]);
    expect(informer.relists).toBe(0);
    await informer.stop();
    await writer.close();
    await reader.close();
  });
});
