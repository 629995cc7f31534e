/**
 * The shim side of the scale benchmark (bench/scale.ts): raw paged etcd range reads at
 * several page sizes, the informer's initial list and heap per object, and its relist
 * after a compaction against raw reads of the same prefix taken just before and after it.
 */
import { listPages, type KeyValueStore } from '../src/core/kv/index.js';
import { Informer } from '../src/shim-sdk/index.js';

/** One raw paged read of a prefix. */
export interface RawRead {
  readonly pageSize: number;
  readonly keys: number;
  readonly ms: number;
}

/** The informer figures at one size. */
export interface InformerFigures {
  /** Keys under the followed prefix. */
  readonly keys: number;
  readonly pageSize: number;
  /** Initial list (paged read, JSON parse, cache) in ms. */
  readonly listMs: number;
  /** Raw paged read of the same prefix just before the initial list, in ms. */
  readonly rawBeforeListMs: number;
  /** Heap held by the cache after the list (after GC when exposed), bytes per object. */
  readonly heapBytesPerObject: number;
  /** Resident memory growth of this process over the list, bytes per object (rough: the heap does not shrink). */
  readonly rssBytesPerObject: number;
  /** Relist after compaction, warm cache, 1 % of the keys deleted meanwhile, in ms. */
  readonly relistMs: number;
  /** Raw paged reads of the prefix just before and just after the relist, in ms. */
  readonly rawAroundRelistMs: readonly [number, number];
  /** relistMs ÷ the mean of rawAroundRelistMs. */
  readonly relistVsRaw: number;
  /** Synthetic deletes the relist delivered. */
  readonly relistDeletes: number;
  readonly gcExposed: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Reads every key under `prefix` page by page and drops it (the floor of any list). */
export async function rawRead(kv: KeyValueStore, prefix: string, pageSize: number): Promise<RawRead> {
  const t0 = performance.now();
  let keys = 0;
  for await (const page of listPages(kv, prefix, { pageSize })) keys += page.kvs.length;
  return { pageSize, keys, ms: performance.now() - t0 };
}

/** Raw reads of `prefix` at each page size, twice each, in alternating order; the faster of each pair counts. */
export async function pageSizeSweep(kv: KeyValueStore, prefix: string, pageSizes: readonly number[]): Promise<RawRead[]> {
  const best = new Map<number, RawRead>();
  for (const order of [pageSizes, [...pageSizes].reverse()]) {
    for (const size of order) {
      const r = await rawRead(kv, prefix, size);
      const prev = best.get(size);
      if (prev === undefined || r.ms < prev.ms) best.set(size, r);
    }
  }
  return pageSizes.map((s) => best.get(s) as RawRead);
}

async function waitForSize(informer: Informer, size: number): Promise<void> {
  while (informer.size !== size) await new Promise((r) => setTimeout(r, 2));
}

/**
 * Lists `prefix` with a fresh informer (`pageSize` keys per page), then stops it, deletes
 * 1 % of the keys behind its back, compacts, starts it again and times the relist.
 * Deletes those keys for good (call it last).
 */
export async function measureInformer(kv: KeyValueStore, options: { readonly prefix: string; readonly pageSize: number }): Promise<InformerFigures> {
  const { prefix, pageSize } = options;
  const rawBefore = await rawRead(kv, prefix, pageSize);
  const keys = rawBefore.keys;
  const heap0 = heapUsed();
  const rss0 = process.memoryUsage().rss;
  const informer = new Informer(kv, { prefix, pageSize });
  const t1 = performance.now();
  await informer.start();
  const listMs = performance.now() - t1;
  const heapBytesPerObject = (heapUsed() - heap0) / Math.max(1, keys);
  const rssBytesPerObject = (process.memoryUsage().rss - rss0) / Math.max(1, keys);
  if (informer.size !== keys) throw new Error(`scale bench: the informer holds ${informer.size} objects, the raw read ${keys}`);

  await informer.stop();
  let relistDeletes = 0;
  informer.on((ev) => {
    if (ev.type === 'deleted' && ev.synthetic) relistDeletes++;
  });
  const all = informer.list().map((e) => e.key).sort();
  const victims = all.filter((_, j) => j % 100 === 0);
  for (let start = 0; start < victims.length; start += 128) {
    await kv.txn({ compare: [], success: victims.slice(start, start + 128).map((key) => ({ type: 'delete' as const, key })) });
  }
  await kv.compact(await kv.currentRevision());
  const rawA = await rawRead(kv, prefix, pageSize);
  const t2 = performance.now();
  await informer.start();
  await waitForSize(informer, keys - victims.length);
  const relistMs = performance.now() - t2;
  await informer.stop();
  const rawB = await rawRead(kv, prefix, pageSize);
  const rawMean = (rawA.ms + rawB.ms) / 2;
  return {
    keys, pageSize, listMs, rawBeforeListMs: rawBefore.ms, heapBytesPerObject, rssBytesPerObject,
    relistMs, rawAroundRelistMs: [rawA.ms, rawB.ms], relistVsRaw: relistMs / rawMean, relistDeletes, gcExposed: gc !== undefined,
  };
}
