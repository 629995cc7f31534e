import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore, type KeyValueStore, type TxnRequest } from '../../src/core/kv/index.js';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { createStore, type MirrorSource, type SqlStore } from '../../src/core/store/index.js';
import { createOutboxPublisher, type OutboxPublisher } from '../../src/core/sync/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { TENANT, etcdContent, sqlContent, tempDir } from './helpers.js';

/**
 * The publisher on SQLite (seq order = commit order): it follows a cursor, takes this
 * process's commits from the store's in-memory feed, reads the table only when the feed
 * has a gap (another process's writes), and deletes published rows lazily.
 */

interface Fixture {
  readonly dir: string;
  readonly api: ApiModel;
  readonly vpn: ObjectModel;
  readonly stores: SqlStore[];
  readonly kvs: KeyValueStore[];
  readonly publishers: OutboxPublisher[];
}

const fixtures: Fixture[] = [];

async function fixture(): Promise<Fixture> {
  const apis = await loadModels(bundledModelsDir());
  const api = apis.find((a) => a.name === 'net-l3vpn') as ApiModel;
  const vpn = api.objects.find((o) => o.name === 'VpnService') as ObjectModel;
  const f: Fixture = { dir: tempDir(), api, vpn, stores: [], kvs: [], publishers: [] };
  fixtures.push(f);
  return f;
}

async function openStore(f: Fixture): Promise<SqlStore> {
  const store = createStore({ url: `sqlite:${join(f.dir, 'gluon.db')}`, advertisedUrl: 'http://proton.test:2705' });
  await store.init([f.api]);
  f.stores.push(store);
  return store;
}

/** Counts the source's table reads and deletes. */
function counting(source: SqlStore): { readonly source: MirrorSource; readonly reads: () => number; readonly deletes: () => number } {
  let reads = 0;
  let deletes = 0;
  const wrapped: MirrorSource = {
    get seqOrderIsCommitOrder() {
      return source.seqOrderIsCommitOrder;
    },
    onCommitted: (listener) => source.onCommitted(listener),
    readOutbox: (after, limit) => {
      reads++;
      return source.readOutbox(after, limit);
    },
    deleteOutbox: (upTo) => {
      deletes++;
      return source.deleteOutbox(upTo);
    },
    outboxStats: (after) => source.outboxStats(after),
    snapshot: (api) => source.snapshot(api),
  };
  return { source: wrapped, reads: () => reads, deletes: () => deletes };
}

function vpnBody(name: string, rd: string): Record<string, unknown> {
  return { tenant_id: TENANT, name, ipv4_family: '100:1', route_distinguishers: rd };
}

afterEach(async () => {
  for (const f of fixtures.splice(0)) {
    for (const p of f.publishers) await p.stop();
    for (const s of f.stores) await s.close();
    for (const kv of f.kvs) await kv.close();
    rmSync(f.dir, { recursive: true, force: true });
  }
});

describe('OutboxPublisher on SQLite (cursor, commit feed, lazy deletes)', () => {
  it('publishes this process’s commits from the feed without reading the table, and empties the outbox on flush', async () => {
    const f = await fixture();
    const store = await openStore(f);
    expect(store.seqOrderIsCommitOrder).toBe(true);
    const kv = createMemoryStore();
    f.kvs.push(kv);
    const counted = counting(store);
    const publisher = createOutboxPublisher({ source: counted.source, kv, minPollMs: 5_000, maxPollMs: 5_000 });
    f.publishers.push(publisher);
    publisher.start();
    await publisher.flush(10_000);
    const readsAtStart = counted.reads();

    const created = await store.create(f.api, f.vpn, vpnBody('a', '1:1'));
    const id = String(created['id']);
    for (let i = 2; i <= 20; i++) await store.update(f.api, f.vpn, id, { route_distinguishers: `${i}:${i}` });
    const key = `/proton/net-l3vpn/VpnService/${id}`;
    // every commit reaches the key/value store with no table read (the safety poll is 5 s away)
    for (let i = 0; i < 100 && JSON.parse((await kv.get(key))?.value ?? '{}')['route_distinguishers'] !== '20:20'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(JSON.parse((await kv.get(key))?.value ?? '{}')).toMatchObject({ route_distinguishers: '20:20', revision_number: 20 });
    expect(counted.reads()).toBe(readsAtStart);

    await publisher.flush(10_000);
    expect(await store.readOutbox(0, 1000)).toEqual([]);
    expect((await publisher.stats()).pending).toBe(0);
  });

  it('publishes the commits of one linger window in one etcd transaction, and an urgent commit at once with whatever waited', async () => {
    const f = await fixture();
    const store = await openStore(f);
    const kv = createMemoryStore();
    f.kvs.push(kv);
    const txns: TxnRequest[] = [];
    const counted: Pick<KeyValueStore, 'txn'> = {
      txn: (request) => {
        txns.push(request);
        return kv.txn(request);
      },
    };
    const publisher = createOutboxPublisher({ source: store, kv: counted, lingerMs: 60_000, minPollMs: 120_000, maxPollMs: 120_000 });
    f.publishers.push(publisher);
    publisher.start();
    await publisher.flush(10_000);
    txns.length = 0;
    // the linger and poll timers run on a fake clock: nothing but an urgent commit can end them early
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const a = await store.create(f.api, f.vpn, vpnBody('a', '1:1'));
      const b = await store.create(f.api, f.vpn, vpnBody('b', '2:2'));
      await vi.advanceTimersByTimeAsync(59_000);
      expect(txns).toHaveLength(0); // both wait for company until the window ends

      const c = await store.create(f.api, f.vpn, vpnBody('c', '3:3'), { urgent: true });
      const keys = [a, b, c].map((o) => `/proton/net-l3vpn/VpnService/${String(o['id'])}`);
      await vi.waitFor(async () => expect(await kv.get(keys[2] as string)).toBeDefined(), { timeout: 10_000 });
      expect(txns).toHaveLength(1);
      expect(txns[0]?.success.map((op) => op.key)).toEqual(keys);
      for (const key of keys) expect(await kv.get(key)).toBeDefined();

      const d = await store.create(f.api, f.vpn, vpnBody('d', '4:4'));
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(async () => expect(await kv.get(`/proton/net-l3vpn/VpnService/${String(d['id'])}`)).toBeDefined(), { timeout: 10_000 });
      expect(txns).toHaveLength(2); // the window's end publishes it
    } finally {
      vi.useRealTimers();
    }
  });

  it('never skips a row another process committed between two of its own (the gap makes it read the table)', async () => {
    const f = await fixture();
    const mine = await openStore(f);
    const other = await openStore(f); // same file, its own writer: its commits are not in mine's feed
    const kv = createMemoryStore();
    f.kvs.push(kv);
    const publisher = createOutboxPublisher({ source: mine, kv, minPollMs: 5_000, maxPollMs: 5_000 });
    f.publishers.push(publisher);
    publisher.start();
    await publisher.flush(10_000);
    await mine.create(f.api, f.vpn, vpnBody('m1', '1:1'));
    await other.create(f.api, f.vpn, vpnBody('o1', '2:2'));
    await mine.create(f.api, f.vpn, vpnBody('m2', '3:3'));
    // mine's feed has m1 and m2 only; o1 sits between them
    await publisher.flush(10_000);
    expect(await etcdContent(kv, ['net-l3vpn'])).toEqual(await sqlContent(mine, [f.api]));
  });

  it('property: interleaved writes of two processes, updates and deletes, a flaky key/value store → etcd ends equal to SQL', async () => {
    const op = fc.record({
      by: fc.constantFrom(0, 1),
      kind: fc.constantFrom('create', 'update', 'update', 'delete'),
      target: fc.nat(5),
      rd: fc.integer({ min: 1, max: 999 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 0.3, noNaN: true }), async (ops, failRate) => {
        const f = await fixture();
        const stores = [await openStore(f), await openStore(f)] as const;
        const inner = createMemoryStore();
        f.kvs.push(inner);
        // a key/value store whose transactions sometimes fail (etcd hiccups): the publisher retries
        const flaky: Pick<KeyValueStore, 'txn'> = {
          txn: (req: TxnRequest) => (Math.random() < failRate ? Promise.reject(new Error('etcd unavailable (test)')) : inner.txn(req)),
        };
        const publisher = createOutboxPublisher({ source: stores[0], kv: flaky, retryInitialDelayMs: 1, retryMaxDelayMs: 5, batchSize: 4, deleteEveryRows: 3 });
        f.publishers.push(publisher);
        publisher.start();
        const ids: string[] = [];
        for (const o of ops) {
          const store = stores[o.by];
          const id = ids[o.target % Math.max(1, ids.length)];
          if (o.kind === 'create' || id === undefined) {
            ids.push(String((await store.create(f.api, f.vpn, vpnBody(`v${ids.length}`, `${o.rd}:1`)))['id']));
          } else if (o.kind === 'update') {
            await store.update(f.api, f.vpn, id, { route_distinguishers: `${o.rd}:2` }).catch(() => undefined);
          } else {
            await store.delete(f.api, f.vpn, id).catch(() => undefined);
          }
        }
        await publisher.flush(20_000);
        expect(await etcdContent(inner, ['net-l3vpn'])).toEqual(await sqlContent(stores[0], [f.api]));
        expect(await stores[0].readOutbox(0, 1000)).toEqual([]);
        for (const p of f.publishers.splice(0)) await p.stop();
        for (const s of f.stores.splice(0)) await s.close();
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
