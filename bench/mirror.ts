/**
 * The etcd mirror benchmark (`npm run bench` runs it after the HTTP cases; alone:
 * `node --import tsx bench/mirror.ts`).
 *
 * 1. Publisher throughput: N outbox rows (real port, interface and registration values,
 *    written by the SQLite store) drained into etcd by the {@link OutboxPublisher},
 *    against raw `etcd3` puts of the very same keys and values in sequential txns of
 *    100, on the same etcd, in the same run. Target: publisher ≥ 70 % of raw.
 * 2. API create throughput (autocannon, POST ports, 16 connections) with the mirror on
 *    (publishing to etcd, or to the in-process store) and off (`mirror: false`: no outbox
 *    rows, no publisher), and the bare fastify + Sequelize baseline of `npm run bench` on
 *    SQLite, rotating the order each run.
 *
 * Environment: `BENCH_ETCD=<url>` (else a private etcd is started), `BENCH_MIRROR_ROWS`
 * (default 20,000), `BENCH_MIRROR_RUNS` (default 3), `BENCH_API_RUNS` (interleaved API create runs, default 3),
 * `BENCH_MIRROR_PARTS=publisher,api` (which parts run), `BENCH_DURATION` (API seconds, default 10),
 * `BENCH_PROFILE=1` (the gluon servers of the API runs under `--cpu-prof`, profiles in
 * `bench/results/prof/mirror-<on-etcd|on-memory|off>/`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Etcd3 } from 'etcd3';
import { createEtcdStore } from '../src/core/kv/index.js';
import { loadModels } from '../src/core/model/index.js';
import { createStore } from '../src/core/store/index.js';
import { createOutboxPublisher } from '../src/core/sync/index.js';
import { bundledModelsDir } from '../src/server/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { createBenchDatabase } from './databases.js';
import { portBody } from './port-body.js';
import { cpuSeconds, startServer } from './server-process.js';

/** Figures of one mirror benchmark run. */
export interface MirrorBenchResult {
  readonly rows: number;
  readonly rawOpsPerSec: number[];
  readonly publisherRowsPerSec: number[];
  readonly ratio: number;
  /**
   * API create req/s (median of interleaved runs): mirror on publishing to etcd, on with the
   * in-process store, off, and the bare fastify + Sequelize baseline on SQLite (the same
   * server as `npm run bench`'s baseline), in the same rotation.
   */
  readonly apiCreate: { readonly on: number; readonly onMemory: number; readonly off: number; readonly baseline: number };
  /** Every API create run (req/s), in the order measured. */
  readonly apiCreateRuns: { readonly on: number[]; readonly onMemory: number[]; readonly off: number[]; readonly baseline: number[] };
  /** Server CPU (all threads) per created port, ms, median: the cost per operation, robust to a busy box. */
  readonly apiCreateCpuMs: { readonly on: number; readonly onMemory: number; readonly off: number; readonly baseline: number };
  /**
   * CPU of the etcd server per created port with the mirror on (etcd), ms, median: what the
   * mirror adds outside gluon's process on the same machine (NaN with `BENCH_ETCD`).
   */
  readonly apiCreateEtcdCpuMs?: number;
  /** 1-minute load average when the run ended. */
  readonly load1: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
};

async function fillOutbox(url: string, rows: number): Promise<void> {
  const apis = await loadModels(bundledModelsDir());
  const net = apis.find((a) => a.name === 'net-l3vpn');
  const port = net?.objects.find((o) => o.name === 'Port');
  if (net === undefined || port === undefined) throw new Error('bench: net-l3vpn Port model missing');
  const store = createStore({ url, advertisedUrl: 'http://proton.bench:2705' });
  await store.init(apis);
  // a port writes 3 outbox rows: the port, its default interface and its registration
  const ports = Math.ceil(rows / 3);
  for (let i = 0; i < ports; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, ports - i) }, (_, k) => store.create(net, port, portBody(i + k))));
  }
  await store.close();
}

/** The keys and values the outbox holds (the raw run writes exactly these). */
async function outboxKeys(url: string): Promise<{ key: string; value: string }[]> {
  const store = createStore({ url, advertisedUrl: 'http://proton.bench:2705' });
  const pending = await store.readOutbox(0, 1_000_000);
  await store.close();
  return pending.map((r) => ({ key: r.key, value: r.value ?? '' }));
}

async function publisherRun(url: string, endpoint: string, prefix: string): Promise<{ rowsPerSec: number; keys: { key: string; value: string }[] }> {
  const store = createStore({ url, advertisedUrl: 'http://proton.bench:2705' });
  const pending = await store.readOutbox(0, 1_000_000);
  const keys = pending.map((r) => ({ key: r.key, value: r.value ?? '' }));
  const kv = createEtcdStore({ hosts: endpoint, prefix });
  const publisher = createOutboxPublisher({ source: store, kv });
  const t0 = process.hrtime.bigint();
  publisher.start();
  await publisher.flush(300_000);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await publisher.stop();
  await kv.close();
  await store.close();
  return { rowsPerSec: pending.length / seconds, keys };
}

async function rawRun(endpoint: string, prefix: string, keys: readonly { key: string; value: string }[]): Promise<number> {
  const client = new Etcd3({ hosts: endpoint });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < keys.length; i += 100) {
    const ops = keys.slice(i, i + 100).map((k) => client.put(`${prefix}${k.key}`).value(k.value));
    await client.if(`${prefix}/none`, 'Create', '==', 0).then(...ops).commit();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  client.close();
  return keys.length / seconds;
}

/** The last API create run's server CPU per created port, in ms (robust to a busy box, unlike req/s). */
let lastCpuMsPerCreate = Number.NaN;

/** A create target of the API runs: where to POST, whose CPU to count, how to stop it. */
interface ApiTarget {
  readonly url: string;
  readonly path: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** The gluon server of `bench/mirror-server.ts` on a fresh SQLite file; endpoint '-' = the in-process key/value store (the embedded default). */
async function startGluonTarget(endpoint: string, mirror: 'on' | 'off'): Promise<ApiTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-api-'));
  const script = new URL('./mirror-server.ts', import.meta.url).pathname;
  // BENCH_PROFILE=1: each gluon server under --cpu-prof (bench/results/prof/mirror-<mode>/; see bench/profile-summary.ts)
  const mode = mirror === 'off' ? 'off' : endpoint === '-' ? 'on-memory' : 'on-etcd';
  const profile = process.env['BENCH_PROFILE'] === '1' ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL(`./results/prof/mirror-${mode}/`, import.meta.url))}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, `sqlite:${join(dir, 'gluon.db')}`, '0', endpoint, mirror], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${String(code)}`)));
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, path: '/proton/net-l3vpn/v1.0/ports', pid: child.pid, stop };
}

/** The bare fastify + Sequelize baseline of `npm run bench` on a fresh SQLite file (the same-run reference of a mirror-off create). */
async function startBaselineTarget(): Promise<ApiTarget> {
  const database = await createBenchDatabase('sqlite');
  const proc = await startServer('baseline', { db: database.url, host: '127.0.0.1' });
  const stop = async (): Promise<void> => {
    await proc.stop();
    await database.drop();
  };
  return { url: proc.url, path: proc.portsPath, pid: proc.pid, stop };
}

/** The API create modes, in the order of the first run (the order rotates). */
const API_MODES = ['off', 'on', 'onMemory', 'baseline'] as const;
type ApiMode = (typeof API_MODES)[number];

/** The last API create run's etcd server CPU per created port, in ms. */
let lastEtcdCpuMsPerCreate = Number.NaN;

async function apiCreate(mode: ApiMode, endpoint: string, run: { readonly duration: number; readonly etcdPid: number | undefined }): Promise<number> {
  const { duration, etcdPid } = run;
  const target = mode === 'baseline' ? await startBaselineTarget() : await startGluonTarget(mode === 'onMemory' ? '-' : endpoint, mode === 'off' ? 'off' : 'on');
  let n = 5_000_000 + apiRunNo++ * 1_000_000;
  const cpu0 = cpuSeconds(target.pid);
  const etcd0 = cpuSeconds(etcdPid);
  const result = await autocannon({
    url: target.url,
    connections: 16,
    duration,
    requests: [
      {
        method: 'POST',
        path: target.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify(portBody(n++)) }),
      },
    ],
  });
  // give the publisher 1 s to catch up, so its work counts against the creates it publishes
  await new Promise((r) => setTimeout(r, 1000));
  lastCpuMsPerCreate = ((cpuSeconds(target.pid) - cpu0) * 1000) / Math.max(1, result['2xx']);
  lastEtcdCpuMsPerCreate = ((cpuSeconds(etcdPid) - etcd0) * 1000) / Math.max(1, result['2xx']);
  await target.stop();
  return result['2xx'] / result.duration;
}

let apiRunNo = 0;

/** Runs the mirror benchmark; `log` receives progress lines. */
export async function runMirrorBench(log: (line: string) => void = () => undefined): Promise<MirrorBenchResult> {
  const rows = Number(process.env['BENCH_MIRROR_ROWS'] ?? 20_000);
  const runs = Number(process.env['BENCH_MIRROR_RUNS'] ?? 3);
  const apiRuns = Number(process.env['BENCH_API_RUNS'] ?? 3);
  const parts = (process.env['BENCH_MIRROR_PARTS'] ?? 'publisher,api').split(',');
  const duration = Number(process.env['BENCH_DURATION'] ?? 10);
  const own = process.env['BENCH_ETCD'] === undefined ? await startEtcd({ args: ['--quota-backend-bytes', String(4 * 1024 ** 3)] }) : undefined;
  const endpoint = process.env['BENCH_ETCD'] ?? own?.endpoint ?? '';
  const raw: number[] = [];
  const pub: number[] = [];
  try {
    if (parts.includes('publisher')) {
      // warm-up (discarded): JIT, gRPC channels and etcd's first pages for both sides
      const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-mirror-'));
      const url = `sqlite:${join(dir, 'gluon.db')}`;
      await fillOutbox(url, 3000);
      const keys = await outboxKeys(url);
      await rawRun(endpoint, '/bench-warm-raw', keys);
      await publisherRun(url, endpoint, '/bench-warm-pub');
      rmSync(dir, { recursive: true, force: true });
    }
    for (let run = 0; parts.includes('publisher') && run < runs; run++) {
      const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-mirror-'));
      const url = `sqlite:${join(dir, 'gluon.db')}`;
      await fillOutbox(url, rows);
      // raw first on even runs, publisher first on odd ones (neither gets a warmer client or a smaller etcd)
      const keys = await outboxKeys(url);
      let r = 0;
      if (run % 2 === 0) r = await rawRun(endpoint, `/bench-raw-${run}`, keys);
      const p = await publisherRun(url, endpoint, `/bench-pub-${run}`);
      if (run % 2 === 1) r = await rawRun(endpoint, `/bench-raw-${run}`, keys);
      pub.push(p.rowsPerSec);
      raw.push(r);
      log(`mirror run ${run + 1}/${runs}: ${p.keys.length} rows; publisher ${Math.round(p.rowsPerSec)} rows/s, raw etcd3 txn(100) ${Math.round(r)} puts/s`);
      rmSync(dir, { recursive: true, force: true });
    }
    const api: Record<ApiMode, number[]> = { on: [], onMemory: [], off: [], baseline: [] };
    const cpu: Record<ApiMode, number[]> = { on: [], onMemory: [], off: [], baseline: [] };
    const etcdCpu: number[] = [];
    for (let run = 0; parts.includes('api') && run < apiRuns; run++) {
      // interleaved, the order rotating each run
      const order = API_MODES.map((_, i, all) => all[(i + run) % all.length] as ApiMode);
      for (const mode of order) {
        const rps = await apiCreate(mode, endpoint, { duration, etcdPid: own?.pid });
        api[mode].push(rps);
        cpu[mode].push(lastCpuMsPerCreate);
        if (mode === 'on') etcdCpu.push(lastEtcdCpuMsPerCreate);
      }
      const ms = (xs: number[]): string => (xs.at(-1) ?? Number.NaN).toFixed(2);
      log(
        `API create run ${run + 1}/${apiRuns} (load ${loadavg()[0]?.toFixed(1)}): mirror on (etcd) ${Math.round(api.on.at(-1) ?? 0)} req/s, on (in-process kv) ${Math.round(api.onMemory.at(-1) ?? 0)}, off ${Math.round(api.off.at(-1) ?? 0)}, bare baseline ${Math.round(api.baseline.at(-1) ?? 0)}; ` +
          `server CPU per create ${ms(cpu.on)} / ${ms(cpu.onMemory)} / ${ms(cpu.off)} / ${ms(cpu.baseline)} ms; etcd CPU per create ${ms(etcdCpu)} ms`,
      );
    }
    return {
      rows,
      rawOpsPerSec: raw,
      publisherRowsPerSec: pub,
      ratio: median(pub) / median(raw),
      apiCreate: { on: median(api.on), onMemory: median(api.onMemory), off: median(api.off), baseline: median(api.baseline) },
      apiCreateRuns: api,
      apiCreateCpuMs: { on: median(cpu.on), onMemory: median(cpu.onMemory), off: median(cpu.off), baseline: median(cpu.baseline) },
      apiCreateEtcdCpuMs: median(etcdCpu),
      load1: loadavg()[0] ?? 0,
    };
  } finally {
    await own?.stop();
  }
}

/** The result as a markdown table. */
export function formatMirrorResult(r: MirrorBenchResult): string {
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    '| measure | median | runs |',
    '|---|---|---|',
    `| publisher, outbox → etcd (rows/s) | ${f(median(r.publisherRowsPerSec))} | ${r.publisherRowsPerSec.map(f).join(', ')} |`,
    `| raw etcd3, sequential txns of 100 puts (puts/s) | ${f(median(r.rawOpsPerSec))} | ${r.rawOpsPerSec.map(f).join(', ')} |`,
    `| publisher / raw | ${(r.ratio * 100).toFixed(0)} % | |`,
    `| API create, mirror on, etcd (req/s) | ${f(r.apiCreate.on)} | ${r.apiCreateRuns.on.map(f).join(', ')} |`,
    `| API create, mirror on, in-process kv (req/s) | ${f(r.apiCreate.onMemory)} | ${r.apiCreateRuns.onMemory.map(f).join(', ')} |`,
    `| API create, mirror off (req/s) | ${f(r.apiCreate.off)} | ${r.apiCreateRuns.off.map(f).join(', ')} |`,
    `| API create, bare fastify + Sequelize baseline (req/s) | ${f(r.apiCreate.baseline)} | ${r.apiCreateRuns.baseline.map(f).join(', ')} |`,
    `| server CPU per create, ms: on (etcd) / on (in-process) / off / baseline | ${r.apiCreateCpuMs.on.toFixed(2)} / ${r.apiCreateCpuMs.onMemory.toFixed(2)} / ${r.apiCreateCpuMs.off.toFixed(2)} / ${r.apiCreateCpuMs.baseline.toFixed(2)} | |`,
    `| etcd server CPU per create with the mirror on, ms | ${(r.apiCreateEtcdCpuMs ?? Number.NaN).toFixed(2)} | |`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const result = await runMirrorBench((l) => console.log(l));
  console.log(formatMirrorResult(result));
}
