/**
 * Memory footprint: resident memory (`/proc/<pid>/status`) of
 * - `gluon serve` (built, SQLite, the etcd mirror on a private etcd) idle, and its peak
 *   (`VmHWM`) after 10,000 ports were created at 4 connections;
 * - the bare fastify + Sequelize baseline of `npm run bench` (bundled with esbuild and run
 *   by plain `node`, as `gluon serve` is) under the same protocol — the same-run reference;
 * - `gluon shim run bench/dummy-shim.mjs` idle on an empty prefix, against plain Node with
 *   the etcd3 client watching the same prefix (`bench/etcd-watch-floor.mjs`);
 * - the floor of `gluon serve`: plain Node with fastify listening, better-sqlite3, etcd3
 *   watching, Ajv and pino loaded and nothing of gluon's (`bench/serve-floor.mjs`).
 *
 * Every process runs with the node flags of `bin/gluon.js`'s `#!` line (what `gluon` on
 * the PATH runs with; bench/gluon-command.ts), the baseline and the floors too.
 *
 * "Idle" is `BENCH_FOOTPRINT_IDLE_MS` (default 5,000) after the process reported ready.
 * Figures are in MB (10^6 bytes).
 *
 *   npm run build && node --import tsx bench/footprint.ts
 *   npm run bench -- --only footprint
 *
 * Environment: `BENCH_ETCD=<url>`, `BENCH_FOOTPRINT_PORTS=<n>` (default 10,000),
 * `BENCH_FOOTPRINT_CONNECTIONS=<n>` (default 4), `BENCH_FOOTPRINT_IDLE_MS=<ms>`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startEtcd } from '../test/setup/etcd.js';
import { freePort } from '../test/setup/service-process.js';
import { startGluon, type GluonProcess } from './bind.js';
import { gluonArgv, gluonNodeFlags } from './gluon-command.js';
import { wholeNumberFromEnv } from './parts.js';
import { portBody } from './port-body.js';
import { waitForExit } from './server-process.js';

/** Sizes of the footprint benchmark. */
export interface FootprintParams {
  /** Ports created before the peak is read. */
  readonly ports: number;
  readonly connections: number;
  /** How long after ready a process counts as idle, ms. */
  readonly idleMs: number;
}

/** Memory of one server process, MB. */
export interface ServerFootprint {
  /** VmRSS once idle. */
  readonly idleMb: number;
  /** VmHWM (the process's peak) after the creates. */
  readonly peakMb: number;
  /** Creates answered 201 (of `ports`). */
  readonly created: number;
}

/** Figures of one footprint run. */
export interface FootprintResult {
  readonly params: FootprintParams;
  readonly gluon: ServerFootprint;
  readonly baseline: ServerFootprint;
  /** VmRSS of `gluon shim run` once idle, and of the etcd3 watch floor. */
  readonly shim: { readonly idleMb: number; readonly floorIdleMb: number };
  /** VmRSS of the `gluon serve` floor (bench/serve-floor.mjs) once idle. */
  readonly serveFloorIdleMb: number;
  /** The node flags every measured process ran with. */
  readonly nodeFlags: readonly string[];
  readonly load1: number;
}

/** Default sizes: 10,000 ports at 4 connections, idle 5 s after ready. */
export const FOOTPRINT_DEFAULTS: FootprintParams = { ports: 10_000, connections: 4, idleMs: 5_000 };

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUILD_DIR = join(ROOT, 'bench', 'results', '.build');

/** A line of `/proc/<pid>/status` in KiB (the unit the kernel writes). */
export function procStatusKib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  const kib = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`footprint bench: no ${field} for pid ${pid}`);
  return kib;
}

/** A line of `/proc/<pid>/status` in MB (10^6 bytes). */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Math.round((procStatusKib(pid, field) * 1024) / 1e4) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bundles bench/baseline-server.ts (packages stay external) so plain `node` runs it, as it runs `gluon serve`. */
async function bundleBaseline(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(BUILD_DIR, 'baseline-server.mjs');
  mkdirSync(BUILD_DIR, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'bench', 'baseline-server.ts')], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
  return outfile;
}

/** A server under measurement: its pid, where to POST ports, how to stop it. */
interface Measured {
  readonly pid: number;
  readonly url: string;
  readonly portsPath: string;
  stop(): Promise<void>;
}

async function startBaseline(script: string, db: string): Promise<Measured> {
  const child: ChildProcess = fork(script, [], { execArgv: gluonNodeFlags(), env: { ...process.env, BENCH_MODELS: process.env['BENCH_MODELS'] ?? join(ROOT, 'models'), BENCH_SERVER_CONFIG: JSON.stringify({ db, host: '127.0.0.1' }) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<{ url: string; portsPath: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; portsPath: string }));
    child.once('exit', (code) => reject(new Error(`footprint bench: the baseline server exited (code ${String(code)}) before it listened`)));
  });
  child.disconnect();
  const pid = child.pid ?? 0;
  return {
    pid, url: ready.url, portsPath: ready.portsPath,
    stop: async () => {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 15_000))) child.kill('SIGKILL');
    },
  };
}

async function startGluonServe(db: string, endpoint: string): Promise<Measured> {
  const port = await freePort();
  const proc: GluonProcess = startGluon('gluon serve', ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port), '--etcd', endpoint, '--etcd-prefix', `/bench-footprint-${randomUUID().slice(0, 8)}`, '--log-level', 'warn']);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    const down = proc.exited();
    if (down !== undefined) throw new Error(`footprint bench: ${down}`);
    const ok = await fetch(`${url}/readyz`).then(async (r) => (await r.arrayBuffer(), r.ok), () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('footprint bench: gluon serve did not get ready within 60 s');
  }
  return { pid: proc.child.pid ?? 0, url, portsPath: '/proton/net-l3vpn/v1.0/ports', stop: proc.stop };
}

/** Idle RSS, then `ports` creates at `connections`, then the peak. */
async function measureServer(server: Measured, params: FootprintParams): Promise<ServerFootprint> {
  try {
    await sleep(params.idleMs);
    const idleMb = procStatusMb(server.pid, 'VmRSS');
    let n = 9_000_000;
    const result = await autocannon({
      url: server.url, connections: params.connections, amount: params.ports, timeout: 20,
      requests: [{ method: 'POST', path: server.portsPath, headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: JSON.stringify(portBody(n++)) }) }],
    });
    return { idleMb, peakMb: procStatusMb(server.pid, 'VmHWM'), created: result['2xx'] };
  } finally {
    await server.stop();
  }
}

/** Starts `node <args>`, waits for `marker` on its output, waits `idleMs`, reads VmRSS, stops it. */
async function idleRss(args: readonly string[], options: { readonly marker: string; readonly idleMs: number }): Promise<number> {
  const child = spawn(process.execPath, [...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer): void => {
        text += chunk.toString('utf8');
        if (text.includes(options.marker)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`footprint bench: node ${args.join(' ')} exited (code ${String(code)}) before "${options.marker}": ${text.slice(-800)}`)));
    });
    await sleep(options.idleMs);
    return procStatusMb(child.pid ?? 0, 'VmRSS');
  } finally {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 15_000))) child.kill('SIGKILL');
  }
}

/** Runs the footprint benchmark (see the file's comment). */
export async function runFootprintBench(params: FootprintParams = FOOTPRINT_DEFAULTS, log: (line: string) => void = () => undefined): Promise<FootprintResult> {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('footprint bench: dist/cli.js is missing; run `npm run build` first (npm run bench does)');
  const own = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
  const endpoint = own?.endpoint ?? String(process.env['BENCH_ETCD']);
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-footprint-'));
  try {
    const script = await bundleBaseline();
    log(`footprint bench: bare baseline, idle ${params.idleMs} ms, then ${params.ports} creates at ${params.connections} connections`);
    const baseline = await measureServer(await startBaseline(script, `sqlite:${join(dir, 'baseline.db')}`), params);
    log(`footprint bench: gluon serve (SQLite, etcd mirror), the same`);
    const gluon = await measureServer(await startGluonServe(`sqlite:${join(dir, 'gluon.db')}`, endpoint), params);
    const prefix = `/bench-footprint-shim-${randomUUID().slice(0, 8)}`;
    log('footprint bench: gluon shim run and the etcd3 watch floor, idle');
    const shimIdle = await idleRss(gluonArgv(['shim', 'run', join(ROOT, 'bench', 'dummy-shim.mjs'), '--etcd', endpoint, '--etcd-prefix', prefix, '--log-format', 'json']), { marker: '"shim running"', idleMs: params.idleMs });
    const floorIdle = await idleRss([...gluonNodeFlags(), join(ROOT, 'bench', 'etcd-watch-floor.mjs'), endpoint, prefix], { marker: 'watching', idleMs: params.idleMs });
    log('footprint bench: the gluon serve floor (node + fastify, better-sqlite3, etcd3, Ajv, pino), idle');
    const serveFloorIdle = await idleRss([...gluonNodeFlags(), join(ROOT, 'bench', 'serve-floor.mjs'), endpoint, `${prefix}-floor`, join(dir, 'floor.db')], { marker: 'listening', idleMs: params.idleMs });
    return { params, gluon, baseline, shim: { idleMb: shimIdle, floorIdleMb: floorIdle }, serveFloorIdleMb: serveFloorIdle, nodeFlags: gluonNodeFlags(), load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  } finally {
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as a markdown table. */
export function formatFootprintBench(r: FootprintResult): string {
  return [
    `Memory footprint (MB = 10^6 bytes; idle = ${r.params.idleMs / 1000} s after ready; peak = VmHWM after ${r.params.ports} creates at ${r.params.connections} connections; node flags: ${r.nodeFlags.join(' ') || 'none'})`,
    '',
    '| process | idle RSS MB | peak MB | created |',
    '|---|---:|---:|---:|',
    `| gluon serve (SQLite, etcd mirror) | ${r.gluon.idleMb} | ${r.gluon.peakMb} | ${r.gluon.created} |`,
    `| bare fastify + Sequelize baseline (SQLite) | ${r.baseline.idleMb} | ${r.baseline.peakMb} | ${r.baseline.created} |`,
    `| node + fastify, better-sqlite3, etcd3, Ajv, pino (floor of gluon serve) | ${r.serveFloorIdleMb} | | |`,
    `| gluon shim run (dummy shim, empty prefix) | ${r.shim.idleMb} | | |`,
    `| node + etcd3 client watching the prefix (floor) | ${r.shim.floorIdleMb} | | |`,
    '',
    `load average (1 min) ${r.load1}`,
  ].join('\n');
}

/** Sizes from `BENCH_FOOTPRINT_PORTS`, `BENCH_FOOTPRINT_CONNECTIONS` and `BENCH_FOOTPRINT_IDLE_MS`. */
export function footprintParamsFromEnv(env: NodeJS.ProcessEnv): FootprintParams {
  const read = (name: string, fallback: number): number => wholeNumberFromEnv(env, name, { min: 0, fallback });
  return {
    ports: read('BENCH_FOOTPRINT_PORTS', FOOTPRINT_DEFAULTS.ports),
    connections: read('BENCH_FOOTPRINT_CONNECTIONS', FOOTPRINT_DEFAULTS.connections),
    idleMs: read('BENCH_FOOTPRINT_IDLE_MS', FOOTPRINT_DEFAULTS.idleMs),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runFootprintBench(footprintParamsFromEnv(process.env), (line) => console.log(line));
  console.log(`\n${formatFootprintBench(result)}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}footprint.json`, `${JSON.stringify(result, null, 2)}\n`);
}
