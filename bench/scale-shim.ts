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
  /** Relists after compaction (warm cache, 1/3 % of the keys deleted meanwhile, each round), in ms, in order. */
  readonly relistMs: readonly number[];
  /** Raw paged reads of the prefix just before and just after each relist, in ms, in order. */
  readonly rawAroundRelistMs: readonly number[];
  /** Median relist ÷ median raw read around them. */
  readonly relistVsRaw: number;
  /** CPU of this process per relist and per raw read (medians), in ms: the client's share, less sensitive to load. */
  readonly cpuMs: { readonly relist: number; readonly raw: number };
  /** Synthetic deletes the relists delivered. */
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

/** Relists measured, each after its own deletes and compaction. */
const RELIST_ROUNDS = 3;

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
}

async function deleteKeys(kv: KeyValueStore, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 128) {
    await kv.txn({ compare: [], success: keys.slice(start, start + 128).map((key) => ({ type: 'delete' as const, key })) });
  }
}

async function waitForSize(informer: Informer, size: number): Promise<void> {
  while (informer.size !== size) await new Promise((r) => setTimeout(r, 2));
}

/**
 * Lists `prefix` with a fresh informer (`pageSize` keys per page); then, three times: stops
 * it, deletes 1/3 % of the keys behind its back, compacts, starts it again and times the
 * relist, with a raw read of the prefix before the first and after each relist.
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
  const relistMs: number[] = [];
  const rawAroundRelistMs: number[] = [];
  const cpu = { relist: [] as number[], raw: [] as number[] };
  const timedRaw = async (): Promise<void> => {
    const c0 = cpuMs();
    rawAroundRelistMs.push((await rawRead(kv, prefix, pageSize)).ms);
    cpu.raw.push(cpuMs() - c0);
  };
  await timedRaw();
  for (let round = 0; round < RELIST_ROUNDS; round++) {
    // disconnected: delete 1/3 % of the keys behind its back and compact, then reconnect
    await deleteKeys(kv, all.filter((_, j) => j % 300 === round * 100));
    await kv.compact(await kv.currentRevision());
    const expected = informer.size - all.filter((_, j) => j % 300 === round * 100).length;
    const c0 = cpuMs();
    const t0 = performance.now();
    await informer.start();
    await waitForSize(informer, expected);
    relistMs.push(performance.now() - t0);
    cpu.relist.push(cpuMs() - c0);
    await informer.stop();
    await timedRaw();
  }
  return {
    keys, pageSize, listMs, rawBeforeListMs: rawBefore.ms, heapBytesPerObject, rssBytesPerObject,
    relistMs, rawAroundRelistMs, relistVsRaw: median(relistMs) / median(rawAroundRelistMs),
    cpuMs: { relist: median(cpu.relist), raw: median(cpu.raw) }, relistDeletes, gcExposed: gc !== undefined,
  };
}
