import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, createMemoryBackend, createMemoryStore, isKvError, type KeyValue, type KeyValueStore } from '../../src/core/kv/index.js';

/**
 * Model-based check of the in-process store's revisions and bounded history: a reference
 * that keeps a full snapshot of every revision and every event, against the store with a
 * small `historyLimit`, after random puts, deletes, transactions, prefix deletes and
 * compactions: reads at every revision (paged, from a key), and the history a watch from
 * each revision replays.
 */

type Op =
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  | { op: 'txn'; writes: { key: string; del: boolean }[] }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'compact'; back: number };

const KEYS = ['/a', '/ab', '/a/x', '/a/y', '/a/\uffff', '/a/\u{1f600}', '/b/x', '/b/y'];
const PREFIXES = ['', '/a', '/a/', '/b/'];

interface Ev {
  type: 'put' | 'delete';
  key: string;
  revision: number;
}

class Reference {
  revision = 1;
  compactRevision = 0;
  now = new Map<string, KeyValue>();
  snapshots = new Map<number, Map<string, KeyValue>>([[1, new Map()]]);
  events: Ev[] = [];
  kept = 0;

  constructor(private readonly limit: number) {}

  commit(writes: { key: string; value?: string }[]): void {
    const rev = this.revision + 1;
    const evs: Ev[] = [];
    for (const w of writes) {
      const prev = this.now.get(w.key);
      if (w.value === undefined) {
        if (!prev) continue;
        this.now.delete(w.key);
        evs.push({ type: 'delete', key: w.key, revision: rev });
      } else {
        this.now.set(w.key, { key: w.key, value: w.value, createRevision: prev ? prev.createRevision : rev, modRevision: rev, version: prev ? prev.version + 1 : 1 });
        evs.push({ type: 'put', key: w.key, revision: rev });
      }
    }
    if (evs.length === 0) return;
    this.revision = rev;
    this.snapshots.set(rev, new Map(this.now));
    this.events.push(...evs);
    if (this.events.length - this.kept > this.limit) this.dropBefore(this.events[this.events.length - this.limit]!.revision);
  }

  dropBefore(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, revision);
    while (this.kept < this.events.length && this.events[this.kept]!.revision < revision) this.kept++;
  }

  range(prefix: string, fromKey: string, revision: number, limit: number): { kvs: KeyValue[]; more: boolean } {
    const all = [...this.snapshots.get(revision)!.values()].filter((kv) => kv.key.startsWith(prefix) && compareKeys(kv.key, fromKey) >= 0).sort((x, y) => compareKeys(x.key, y.key));
    return { kvs: all.slice(0, limit), more: all.length > limit };
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('txn' as const),
      writes: fc.uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), del: fc.boolean() }), { minLength: 1, maxLength: 4, selector: (w) => w.key }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deletePrefix' as const), prefix: fc.constantFrom(...PREFIXES) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), back: fc.nat(30) }) },
);

async function apply(kv: KeyValueStore, ref: Reference, o: Op, n: number): Promise<void> {
  switch (o.op) {
    case 'put':
      await kv.put(o.key, o.value);
      ref.commit([{ key: o.key, value: o.value }]);
      return;
    case 'delete':
      await kv.delete(o.key);
      ref.commit([{ key: o.key }]);
      return;
    case 'txn': {
      const writes = o.writes.map((w) => (w.del ? { key: w.key } : { key: w.key, value: `t${n}` }));
      await kv.txn({ compare: [], success: writes.map((w) => (w.value === undefined ? { type: 'delete', key: w.key } : { type: 'put', key: w.key, value: w.value })) });
      ref.commit(writes);
      return;
    }
    case 'deletePrefix':
      await kv.deletePrefix(o.prefix);
      ref.commit([...ref.now.keys()].filter((k) => k.startsWith(o.prefix)).sort(compareKeys).map((key) => ({ key })));
      return;
    case 'compact': {
      const target = ref.revision - o.back;
      const err = await kv.compact(target).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (target <= ref.compactRevision) expect(isKvError(err, 'GLUON_ERR_KV_COMPACTED')).toBe(true);
      else {
        expect(err).toBeUndefined();
        ref.dropBefore(target);
      }
    }
  }
}

describe('in-process store: revisions and bounded history against a full-snapshot reference', () => {
  it('property: reads at every kept revision and watch history match; older ones fail as compacted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 250, size: 'max' }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), async (ops, limit, page) => {
        const backend = createMemoryBackend({ historyLimit: limit });
        const kv = createMemoryStore({ backend });
        const ref = new Reference(limit);
        for (let n = 0; n < ops.length; n++) await apply(kv, ref, ops[n]!, n);
        expect(await kv.currentRevision()).toBe(ref.revision);
        for (let rev = 1; rev <= ref.revision; rev++) {
          const history = (): unknown => backend.impl.eventsSince(rev).map((e) => ({ type: e.type, key: e.key, revision: e.revision }));
          if (rev < ref.compactRevision) {
            expect(isKvError(await kv.range({ prefix: '', revision: rev }).catch((e: unknown) => e), 'GLUON_ERR_KV_COMPACTED')).toBe(true);
            expect(history).toThrow(/compact/i);
            continue;
          }
          expect(history()).toEqual(ref.events.slice(ref.kept).filter((e) => e.revision >= rev));
          for (const prefix of PREFIXES) {
            // page through the prefix at this revision, like listAll does
            let fromKey = prefix;
            for (;;) {
              const got = await kv.range({ prefix, fromKey, limit: page, revision: rev });
              const want = ref.range(prefix, fromKey, rev, page);
              expect(got.kvs).toEqual(want.kvs);
              expect(got.more).toBe(want.more);
              expect(got.revision).toBe(rev);
              if (!got.more) break;
              fromKey = `${got.kvs[got.kvs.length - 1]!.key}\0`;
            }
          }
        }
        await kv.close();
      }),
      { numRuns: 40 },
    );
  });
});
