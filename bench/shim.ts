/**
 * Shim SDK benchmark: informer list and relist time and memory for 100,000 objects in
 * etcd, and raw etcd put → watch-event latency (the floor of the bind round trip).
 *
 *   node --expose-gc --import tsx bench/shim.ts        # standalone
 *   npm run bench -- --only shim                        # (npm run bench runs it after the HTTP cases)
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports),
 * `BENCH_SHIM_OBJECTS=<n>` (default 100,000), `BENCH_SHIM_EVENTS=<n>` latency samples
 * (default 2,000). Writes `bench/results/shim.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PAGE_SIZE, createEtcdStore, listAll, listPages, type KeyValueStore } from '../src/core/kv/index.js';
import { Informer } from '../src/shim-sdk/index.js';
import { PORT_FIELDS } from '../test/fixtures/port-fields.js';
import { startEtcd, type EtcdInstance } from '../test/setup/etcd.js';

/** Figures of one shim benchmark run. */
export interface ShimBenchResult {
  readonly objects: number;
  readonly valueBytes: number;
  readonly seedSeconds: number;
  /** Raw paged `listAll` of the same keys (no parse, no cache), in ms: the floor of the informer's list. */
  readonly rawListMs: number;
  /** Initial list (paged, `DEFAULT_PAGE_SIZE` keys per page) + JSON parse + cache, in ms. */
  readonly listMs: number;
  /** Heap growth held by the informer's cache after the list, in MiB (after GC when exposed). */
  readonly heapDeltaMiB: number;
  /**
   * Relist after compaction with a warm cache, in ms: the median of three, each after 1/3 %
   * of the objects were deleted meanwhile and history compacted.
   */
  readonly relistMs: number;
  /** The three relists, in ms, in order. */
  readonly relistRuns?: readonly number[];
  /**
   * Raw paged `listAll` of the prefix just before the first relist and just after each, in
   * ms: the median (the same-run baseline of the relists, taken in the same conditions).
   */
  readonly relistRawMs?: number;
  /** Those raw reads, in ms, in order. */
  readonly relistRawRuns?: readonly number[];
  /** Synthetic deletes the relist delivered. */
  readonly relistDeletes: number;
  /** etcd put → watch event latency, in ms. */
  readonly putToEvent: { readonly samples: number; readonly p50: number; readonly p99: number; readonly mean: number };
  readonly gcExposed: boolean;
  /** 1-minute load average when the run ended. */
  readonly load1?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function portJson(i: number): string {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return JSON.stringify({
    id,
    tenant_id: 'a868a466bca84df18404a77db0ecac72',
    name: `port-${i}`,
    mac_address: `c8:2a:14:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
    ...PORT_FIELDS,
    profile: null,
    device_id: null,
    device_owner: null,
    host_id: null,
    vif_details: null,
    vif_type: null,
    revision_number: 1,
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  });
}

async function seed(kv: KeyValueStore, prefix: string, count: number): Promise<void> {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += 128) batches.push(Array.from({ length: Math.min(128, count - start) }, (_, j) => start + j));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      await kv.txn({ compare: [], success: batch.map((i) => ({ type: 'put' as const, key: `${prefix}Port/${String(i).padStart(7, '0')}`, value: portJson(i) })) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, () => worker()));
}

async function putToEventLatency(kv: KeyValueStore, prefix: string, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  let pending: { key: string; t0: bigint; resolve: () => void } | undefined;
  const watch = await kv.watch({ prefix: `${prefix}lat/` }, (ev) => {
    if (pending && ev.key === pending.key) {
      latencies.push(Number(process.hrtime.bigint() - pending.t0) / 1e6);
      pending.resolve();
    }
  });
  const value = portJson(1);
  for (let i = 0; i < samples + 100; i++) {
    const key = `${prefix}lat/${i % 50}`;
    const seen = new Promise<void>((resolve) => (pending = { key, t0: process.hrtime.bigint(), resolve }));
    await kv.put(key, value);
    await seen;
  }
  await watch.close();
  return latencies.slice(100).sort((a, b) => a - b); // first 100 are warm-up
}

/** Runs the shim benchmark against `endpoint` (or a private etcd). */
export async function runShimBench(options: { endpoint?: string; objects?: number; events?: number; log?: (line: string) => void } = {}): Promise<ShimBenchResult> {
  const log = options.log ?? (() => undefined);
  const objects = options.objects ?? 100_000;
  const events = options.events ?? 2000;
  let etcd: EtcdInstance | undefined;
  const endpoint = options.endpoint ?? (etcd = await startEtcd(), etcd.endpoint);
  const kv = createEtcdStore({ hosts: endpoint, prefix: `/bench-shim-${process.pid}` });
  const prefix = '/proton/net-l3vpn/';
  try {
    log(`shim bench: seeding ${objects} ports into etcd at ${endpoint}`);
    const t0 = performance.now();
    await seed(kv, prefix, objects);
    const seedSeconds = (performance.now() - t0) / 1000;

    const t05 = performance.now();
    const raw = await listAll(kv, prefix);
    const rawListMs = performance.now() - t05;
    if (raw.kvs.length !== objects) throw new Error(`listAll returned ${raw.kvs.length} keys, expected ${objects}`);
    raw.kvs.length = 0;
    const before = heapUsed();
    const informer = new Informer(kv, { prefix });
    const t1 = performance.now();
    await informer.start();
    const listMs = performance.now() - t1;
    const heapDeltaMiB = (heapUsed() - before) / 1024 / 1024;
    if (informer.size !== objects) throw new Error(`informer holds ${informer.size} objects, expected ${objects}`);
    log(`shim bench: raw listAll ${rawListMs.toFixed(0)} ms, informer list ${listMs.toFixed(0)} ms, heap +${heapDeltaMiB.toFixed(1)} MiB`);

    // three times: disconnect, delete 1/3 % behind its back, compact, reconnect (relist + diff),
    // with a raw read of the same prefix before the first relist and after each
    await informer.stop();
    let relistDeletes = 0;
    informer.on((ev) => {
      if (ev.type === 'deleted' && ev.synthetic) relistDeletes++;
    });
    const rawRead = async (): Promise<number> => {
      const t = performance.now();
      for await (const page of listPages(kv, prefix)) void page;
      return performance.now() - t;
    };
    const relistRawRuns = [await rawRead()];
    const relistRuns: number[] = [];
    for (let round = 0; round < 3; round++) {
      const victims = Array.from({ length: Math.floor(objects / 300) }, (_, j) => j * 300 + round * 100);
      for (let start = 0; start < victims.length; start += 128) {
        await kv.txn({ compare: [], success: victims.slice(start, start + 128).map((i) => ({ type: 'delete' as const, key: `${prefix}Port/${String(i).padStart(7, '0')}` })) });
      }
      await kv.compact(await kv.currentRevision());
      const expected = informer.size - victims.length;
      const t2 = performance.now();
      await informer.start();
      while (informer.size !== expected) await new Promise((r) => setTimeout(r, 2));
      relistRuns.push(performance.now() - t2);
      await informer.stop();
      relistRawRuns.push(await rawRead());
    }
    const relistMs = median(relistRuns);
    const relistRawMs = median(relistRawRuns);
    log(`shim bench: relists after compaction ${relistRuns.map((m) => m.toFixed(0)).join(' / ')} ms vs raw reads around them ${relistRawRuns.map((m) => m.toFixed(0)).join(' / ')} ms (${relistDeletes} missed deletes delivered)`);

    const lat = await putToEventLatency(kv, prefix, events);
    const putToEvent = {
      samples: lat.length,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      mean: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
    };
    log(`shim bench: etcd put → watch event p50 ${putToEvent.p50.toFixed(2)} ms, p99 ${putToEvent.p99.toFixed(2)} ms`);
    return { objects, valueBytes: portJson(1).length, seedSeconds, rawListMs, listMs, heapDeltaMiB, relistMs, relistRuns, relistRawMs, relistRawRuns, relistDeletes, putToEvent, gcExposed: gc !== undefined, load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  } finally {
    await kv.deletePrefix('').catch(() => undefined);
    await kv.close();
    await etcd?.stop();
  }
}

/** The result as Markdown table rows. */
export function formatShimBench(r: ShimBenchResult): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| objects in etcd (JSON value ≈ ${r.valueBytes} B) | ${r.objects.toLocaleString('en')} |`,
    `| raw paged listAll of the same keys (reference) | ${r.rawListMs.toFixed(0)} ms |`,
    `| informer initial list (paged ${DEFAULT_PAGE_SIZE}/page, parse, cache) | ${r.listMs.toFixed(0)} ms |`,
    `| heap held by the cache${r.gcExposed ? '' : ' (no --expose-gc: rough)'} | ${r.heapDeltaMiB.toFixed(1)} MiB |`,
    `| relist after compaction, warm cache (median of 3; ${r.relistDeletes} missed deletes in all) | ${r.relistMs.toFixed(0)} ms |`,
    ...(r.relistRawMs === undefined ? [] : [`| raw paged listAll around the relists (median of 4), relist ÷ raw | ${r.relistRawMs.toFixed(0)} ms, ${(r.relistMs / r.relistRawMs).toFixed(2)}× |`]),
    `| etcd put → watch event p50 / p99 (${r.putToEvent.samples} samples) | ${r.putToEvent.p50.toFixed(2)} / ${r.putToEvent.p99.toFixed(2)} ms |`,
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const num = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  const objects = num('BENCH_SHIM_OBJECTS');
  const events = num('BENCH_SHIM_EVENTS');
  const result = await runShimBench({
    log: (line) => console.log(line),
    ...(process.env['BENCH_ETCD'] ? { endpoint: process.env['BENCH_ETCD'] } : {}),
    ...(objects === undefined ? {} : { objects }),
    ...(events === undefined ? {} : { events }),
  });
  console.log(`\n${formatShimBench(result)}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}shim.json`, `${JSON.stringify(result, null, 2)}\n`);
}
