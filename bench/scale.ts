/**
 * Scale benchmark: a large region in one run (`npm run bench:scale`; not part of `npm test`
 * nor of `npm run bench`).
 *
 * Seeds `BENCH_SCALE_OBJECTS` objects (default 1,000,000: ports, each with its default
 * interface and a binding into a VPN) into SQLite (bulk INSERTs, bench/scale-seed.ts) and
 * into a private etcd (bulk transactions of the mirror's own keys and values), then
 * measures:
 *
 * - etcd's database size against its quota (default 2 GiB), before and after compaction
 *   and defragmentation;
 * - `gluon serve` on the region: time to ready and to the end of its start-up reconcile,
 *   resident memory, list and filter latencies over HTTP (bench/scale-server.ts);
 * - `gluon resync` (the CLI, nothing to change);
 * - raw paged etcd range reads at several page sizes (the page size is chosen from these),
 *   then the shim SDK informer: initial list, heap per object, relist after compaction
 *   against raw reads of the same prefix just before and after (bench/scale-shim.ts).
 *
 * Environment: `BENCH_SCALE_OBJECTS` (default 1,000,000; 50,000 is a quick smoke run),
 * `BENCH_SCALE_PAGE_SIZES` (comma-separated, default 250,500,1000,2000,4000),
 * `BENCH_SCALE_REQUESTS` (times each list request is repeated, default 10),
 * `BENCH_SCALE_QUOTA_BYTES` (etcd's --quota-backend-bytes for the run, default 8 GiB; the
 * report compares against the 2 GiB default). Writes `bench/results/scale.json`.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { createEtcdStore } from '../src/core/kv/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { wholeNumberFromEnv } from './parts.js';
import { layoutFor, seedEtcd, seedSql, SCALE_API, type ScaleLayout } from './scale-seed.js';
import { measureResync, measureServer, type ServerFigures } from './scale-server.js';
import { measureInformer, pageSizeSweep, type InformerFigures, type RawRead } from './scale-shim.js';

/** Sizes of one scale run. */
export interface ScaleParams {
  readonly objects: number;
  readonly pageSizes: readonly number[];
  /** Times each list request is repeated. */
  readonly requests: number;
  /** etcd's --quota-backend-bytes for the run. */
  readonly quotaBytes: number;
}

/** etcd's default backend quota (2 GiB). */
export const ETCD_DEFAULT_QUOTA = 2 * 1024 ** 3;

/** etcd database figures. */
export interface EtcdSize {
  readonly keys: number;
  /** Backend file size after seeding, bytes. */
  readonly dbSize: number;
  /** Of which in use. */
  readonly dbSizeInUse: number;
  /** After compaction and defragmentation (the informer's 1 % deletes included). */
  readonly dbSizeDefragmented: number;
  readonly quotaBytes: number;
}

/** Figures of one scale run (bench/results/scale.json). */
export interface ScaleResult {
  readonly params: ScaleParams;
  readonly layout: ScaleLayout;
  /** Objects in SQL (ports + interfaces + bindings + VPNs). */
  readonly sqlObjects: number;
  readonly sqlSeedSeconds: number;
  readonly sqliteBytes: number;
  readonly etcdSeedSeconds: number;
  readonly etcd: EtcdSize;
  readonly server: ServerFigures;
  readonly resync: { readonly seconds: number; readonly summary: string; readonly peakMb: number };
  /** Raw paged reads of `/proton/net-l3vpn/Port/` at each page size (best of two). */
  readonly pageSweep: readonly RawRead[];
  readonly chosenPageSize: number;
  readonly informer: InformerFigures;
  /** 1-minute load average at the start and the end. */
  readonly load1: readonly [number, number];
  readonly totalSeconds: number;
}

const load1 = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

/** The parameters from `BENCH_SCALE_*`. */
export function scaleParamsFromEnv(env: NodeJS.ProcessEnv): ScaleParams {
  const sizes = (env['BENCH_SCALE_PAGE_SIZES'] ?? '250,500,1000,2000,4000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`BENCH_SCALE_PAGE_SIZES: "${env['BENCH_SCALE_PAGE_SIZES']}" must be whole numbers ≥ 1, comma-separated`);
  return {
    objects: wholeNumberFromEnv(env, 'BENCH_SCALE_OBJECTS', { min: 3, fallback: 1_000_000 }),
    pageSizes: sizes,
    requests: wholeNumberFromEnv(env, 'BENCH_SCALE_REQUESTS', { min: 1, fallback: 10 }),
    quotaBytes: wholeNumberFromEnv(env, 'BENCH_SCALE_QUOTA_BYTES', { min: ETCD_DEFAULT_QUOTA, fallback: 4 * ETCD_DEFAULT_QUOTA }),
  };
}

async function etcdStatus(client: Etcd3): Promise<{ dbSize: number; dbSizeInUse: number }> {
  const status = await client.maintenance.status();
  const inUse = (status as unknown as { dbSizeInUse?: string }).dbSizeInUse;
  return { dbSize: Number(status.dbSize), dbSizeInUse: Number(inUse ?? status.dbSize) };
}

/** The page size of the fastest raw read (the smaller one when within 3 %). */
export function choosePageSize(sweep: readonly RawRead[]): number {
  const best = Math.min(...sweep.map((r) => r.ms));
  return [...sweep].sort((a, b) => a.pageSize - b.pageSize).find((r) => r.ms <= best * 1.03)?.pageSize ?? 1000;
}

/** Runs the scale benchmark (see the file's comment). */
export async function runScaleBench(params: ScaleParams, log: (line: string) => void = () => undefined): Promise<ScaleResult> {
  const t0 = performance.now();
  const loadStart = load1();
  const layout = layoutFor(params.objects);
  const dir = mkdtempSync(join(tmpdir(), 'gluon-scale-'));
  const file = join(dir, 'gluon.db');
  const etcd = await startEtcd({ args: ['--quota-backend-bytes', String(params.quotaBytes)] });
  const etcdPrefix = `/scale-${process.pid}`;
  const kv = createEtcdStore({ hosts: etcd.endpoint, prefix: etcdPrefix, requestTimeoutMs: 120_000 });
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    log(`scale bench: ${layout.ports} ports (+ interfaces, bindings), ${layout.vpns} VPNs, ${layout.hosts} hosts; load ${loadStart}`);
    const sqlSeedSeconds = await seedSql(file, layout);
    log(`scale bench: SQL seeded in ${sqlSeedSeconds.toFixed(1)} s (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
    const seeded = await seedEtcd(file, kv);
    const sizeSeeded = await etcdStatus(client);
    log(`scale bench: etcd seeded with ${seeded.keys} keys in ${seeded.seconds.toFixed(1)} s; db ${(sizeSeeded.dbSize / 1e6).toFixed(0)} MB`);
    const target = { db: `sqlite:${file}`, etcd: etcd.endpoint, etcdPrefix, layout };
    const server = await measureServer(target, { times: params.requests });
    log(`scale bench: gluon serve ready in ${server.readySeconds.toFixed(1)} s, reconciled in ${server.reconcileSeconds.toFixed(1)} s, RSS ${server.rssMb} MB, peak ${server.peakMb} MB`);
    for (const l of server.latencies) log(`  ${l.what}: p50 ${l.p50.toFixed(1)} ms, max ${l.max.toFixed(1)} ms (${l.items} items)`);
    const resync = await measureResync(target);
    log(`scale bench: gluon resync ${resync.seconds.toFixed(1)} s, peak ${resync.peakMb} MB: ${resync.summary}`);
    const pageSweep = await pageSizeSweep(kv, `/proton/${SCALE_API}/Port/`, params.pageSizes);
    const chosenPageSize = choosePageSize(pageSweep);
    log(`scale bench: raw reads of ${pageSweep[0]?.keys} keys: ${pageSweep.map((r) => `${r.pageSize}/page ${r.ms.toFixed(0)} ms`).join(', ')}; chosen ${chosenPageSize}`);
    const informer = await measureInformer(kv, { prefix: `/proton/${SCALE_API}/`, pageSize: chosenPageSize });
    log(`scale bench: informer list ${informer.listMs.toFixed(0)} ms (raw ${informer.rawBeforeListMs.toFixed(0)} ms), heap ${informer.heapBytesPerObject.toFixed(0)} B/object; relists ${informer.relistMs.map((m) => m.toFixed(0)).join(' / ')} ms vs raw ${informer.rawAroundRelistMs.map((m) => m.toFixed(0)).join(' / ')} ms = ${informer.relistVsRaw.toFixed(2)}× (medians); CPU here ${informer.cpuMs.relist.toFixed(0)} vs ${informer.cpuMs.raw.toFixed(0)} ms`);
    // the informer's relist compacted at its deletes; compact again only when something was written since
    await kv.compact(await kv.currentRevision()).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'GLUON_ERR_KV_COMPACTED') throw err;
    });
    await client.maintenance.defragment();
    const defragmented = await etcdStatus(client);
    return {
      params, layout, sqlObjects: layout.ports * 3 + layout.vpns, sqlSeedSeconds, sqliteBytes: statSync(file).size,
      etcdSeedSeconds: seeded.seconds,
      etcd: { keys: seeded.keys, dbSize: sizeSeeded.dbSize, dbSizeInUse: sizeSeeded.dbSizeInUse, dbSizeDefragmented: defragmented.dbSize, quotaBytes: params.quotaBytes },
      server, resync, pageSweep, chosenPageSize, informer,
      load1: [loadStart, load1()], totalSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    client.close();
    await kv.close();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/** The result as Markdown. */
export function formatScaleBench(r: ScaleResult): string {
  const i = r.informer;
  return [
    `Scale run: ${r.sqlObjects.toLocaleString('en')} SQL objects (${r.layout.ports.toLocaleString('en')} ports), ${r.etcd.keys.toLocaleString('en')} etcd keys; load average ${r.load1[0]} → ${r.load1[1]}; ${r.totalSeconds.toFixed(0)} s in all`,
    '',
    '| measure | value |',
    '|---|---|',
    `| SQL bulk seed / SQLite file | ${r.sqlSeedSeconds.toFixed(1)} s / ${mb(r.sqliteBytes)} |`,
    `| etcd bulk seed (128-op txns, 8 in flight) | ${r.etcdSeedSeconds.toFixed(1)} s |`,
    `| etcd db size after seeding (in use) | ${mb(r.etcd.dbSize)} (${mb(r.etcd.dbSizeInUse)}) = ${((100 * r.etcd.dbSize) / ETCD_DEFAULT_QUOTA).toFixed(0)} % of the 2 GiB default quota |`,
    `| etcd db size after compaction + defrag | ${mb(r.etcd.dbSizeDefragmented)} |`,
    `| gluon serve: ready / start-up reconcile done | ${r.server.readySeconds.toFixed(1)} s / ${r.server.reconcileSeconds.toFixed(1)} s |`,
    `| gluon serve RSS idle / peak | ${r.server.rssMb} / ${r.server.peakMb} MB |`,
    `| gluon resync (no change), peak RSS | ${r.resync.seconds.toFixed(1)} s, ${r.resync.peakMb} MB |`,
    ...r.pageSweep.map((p) => `| raw paged read of ${p.keys.toLocaleString('en')} Port keys, ${p.pageSize}/page | ${p.ms.toFixed(0)} ms |`),
    `| informer initial list, ${i.keys.toLocaleString('en')} keys, ${i.pageSize}/page (raw read just before) | ${i.listMs.toFixed(0)} ms (${i.rawBeforeListMs.toFixed(0)} ms) |`,
    `| informer heap per object${i.gcExposed ? '' : ' (no --expose-gc: rough)'} / RSS growth per object | ${i.heapBytesPerObject.toFixed(0)} B / ${i.rssBytesPerObject.toFixed(0)} B |`,
    `| informer relists after compaction (${i.relistDeletes} missed deletes in all) vs raw reads around them | ${i.relistMs.map((m) => m.toFixed(0)).join(' / ')} ms vs ${i.rawAroundRelistMs.map((m) => m.toFixed(0)).join(' / ')} ms: medians **${i.relistVsRaw.toFixed(2)}×** |`,
    `| CPU of the shim process per relist / per raw read (medians) | ${i.cpuMs.relist.toFixed(0)} / ${i.cpuMs.raw.toFixed(0)} ms |`,
    '',
    '| list request | items | p50 ms | max ms |',
    '|---|---:|---:|---:|',
    ...r.server.latencies.map((l) => `| ${l.what} | ${l.items} | ${l.p50.toFixed(1)} | ${l.max.toFixed(1)} |`),
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runScaleBench(scaleParamsFromEnv(process.env), (line) => console.log(line));
  console.log(`\n${formatScaleBench(result)}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}scale.json`, `${JSON.stringify(result, null, 2)}\n`);
}
