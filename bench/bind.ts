/**
 * Bind round-trip benchmark: PUT bind → SQL + outbox → publisher → etcd → dummy shim →
 * etcd → server → SQL → response, p50/p99, against raw etcd put → watch-event latency
 * measured in the same run on the same etcd. Target: bind p50 ≤ 2 × raw p50 + 0.5 ms
 * (`bench/bind-target.ts`, the same as `bench/summary.ts`'s goal `bind_p50_vs_raw`).
 *
 * Two topologies, each with its own raw measurement:
 * - **processes** (the one the target is judged on): the deployed shape — `gluon serve`
 *   (the built server, SQLite file, etcd mirror) and `gluon shim run examples/dummy-shim`
 *   each in its own process, the client (a keep-alive undici Pool, as Nova's client keeps
 *   its connection) and the raw etcd measurement in this one.
 * - **one process**: server, dummy shim and client share one event loop (how the tests
 *   and the embedded default run); every hop's CPU adds up on one core.
 *
 *   npm run build && node --import tsx bench/bind.ts   # standalone (needs dist/)
 *   npm run bench -- --only bind                        # (npm run bench runs it first)
 *
 * Binds and raw samples are interleaved in blocks of 50 (the machine's speed drifts; both
 * see the same drift), after 50 of each not counted. Each process's CPU time per bind is
 * reported too.
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports),
 * `BENCH_BIND_SAMPLES=<n>` binds per topology (default 300),
 * `BENCH_BIND_TOPOLOGY=processes|one-process|both` (default both),
 * `BENCH_BIND_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'` (node flags of the server and
 * shim processes). Writes `bench/results/bind.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createKeyValueStore, type KeyValueStore } from '../src/core/kv/index.js';
import { createProtonServer } from '../src/server/index.js';
import { createDummyShim } from '../src/shim-sdk/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { freePort } from '../test/setup/service-process.js';
import { BIND_TARGET_TEXT, bindTargetP50 } from './bind-target.js';
import { gluonArgv } from './gluon-command.js';
import { cpuSeconds, waitForExit } from './server-process.js';

/** Latency figures in ms. */
export interface LatencyFigures {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

/** Where the server, the shim and the client run. */
export type BindTopology = 'processes' | 'one-process';

/** Figures of one topology. */
export interface BindTopologyResult {
  readonly topology: BindTopology;
  readonly bind: LatencyFigures;
  /** CPU time per bind (user + system, ms) of each process, measured over the timed binds. */
  readonly cpuPerBindMs: Readonly<Record<string, number>>;
  readonly putToEvent: LatencyFigures;
  /** 2 × raw p50 + 0.5 ms ({@link bindTargetP50}). */
  readonly targetP50: number;
  readonly pass: boolean;
}

/** Figures of one bind benchmark run: the target is judged on the `processes` topology. */
export interface BindBenchResult {
  readonly runs: readonly BindTopologyResult[];
  /** Whether the `processes` topology (when measured) met the target. */
  readonly pass: boolean;
  readonly load1: number;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The SDK's dummy shim, built: a shim as vendors ship it (JavaScript), run by `gluon shim run`. */
const DUMMY_SHIM = join(ROOT, 'bench', 'dummy-shim.mjs');
const API = '/proton/net-l3vpn/v1.0';
const TENANT = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const WARMUP = 50;

/** Warm-up binds for `samples` timed ones (fewer for a short smoke run). */
function warmupFor(samples: number): number {
  return Math.min(WARMUP, samples);
}

/** p50, p99 and mean of latency samples (ms), rounded to µs. */
export function figures(samples: readonly number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return { samples: sorted.length, p50: round(at(50)), p99: round(at(99)), mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length) };
}

/**
 * JSON request on a keep-alive undici `Pool` (one connection, as a sequential client
 * needs). `fetch` (WHATWG streams, Headers, Response objects) adds ~1–2 ms per request
 * over loopback — noise larger than the server hops a latency benchmark looks at.
 */
export async function json(pool: Pool, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await pool.request({ path, method: method as 'GET', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const out = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(out)}`);
  return out;
}

/** `samples` sequential raw etcd puts, each timed until its watch event arrived (ms). */
export async function putToEvent(kv: KeyValueStore, watcher: KeyValueStore, samples: number): Promise<number[]> {
  const prefix = `/bench-raw/${randomUUID()}/`;
  const seen = new Map<string, () => void>();
  const watch = await watcher.watch({ prefix }, (event) => seen.get(event.key)?.());
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const key = `${prefix}${i}`;
      const arrived = new Promise<void>((resolve) => seen.set(key, resolve));
      const t0 = performance.now();
      await kv.put(key, JSON.stringify({ vif_type: 'ovs', vif_details: { port_filter: false, bridge_name: 'br-gluon' }, i }));
      await arrived;
      out.push(performance.now() - t0);
      seen.delete(key);
    }
  } finally {
    await watch.close();
  }
  return out;
}

/** Creates `count` ports, each with a service binding (what the dummy shim requires to bind). */
export async function seedPorts(pool: Pool, count: number): Promise<string[]> {
  const vpn = await json(pool, 'POST', `${API}/vpns`, { tenant_id: TENANT, name: 'bench', ipv4_family: '100:1', route_distinguishers: '100:1' });
  const ports: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await json(pool, 'POST', `${API}/ports`, { id, tenant_id: TENANT, name: `p${i}`, mac_address: 'fa:16:3e:00:00:01', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
    await json(pool, 'POST', `${API}/vpnbindings`, { tenant_id: TENANT, interface_id: id, service_id: vpn['id'], ipaddress: `10.${(i >> 15) & 255}.${(i >> 7) & 255}.${(i & 127) + 2}`, subnet_prefix: 8, gateway: '10.0.0.1' });
    ports.push(id);
  }
  return ports;
}

function bindBody(): Record<string, unknown> {
  return { host_id: 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' };
}

/** Sequential binds, one per port. */
async function measureBinds(pool: Pool, ports: readonly string[]): Promise<number[]> {
  const binds: number[] = [];
  for (const id of ports) {
    const t0 = performance.now();
    const port = await json(pool, 'PUT', `${API}/ports/${id}`, bindBody());
    const ms = performance.now() - t0;
    if (port['vif_type'] !== 'ovs') throw new Error(`bind of ${id} answered vif_type ${String(port['vif_type'])}: ${JSON.stringify(port['vif_details'])}`);
    binds.push(ms);
  }
  return binds;
}

/** CPU time (user + system) of a process in ms, from /proc (Linux); this process's own from cpuUsage(). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined || pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return cpuSeconds(pid) * 1000;
}

/** Binds per block; each block of binds is followed by as many raw samples. */
const BLOCK = 50;

/**
 * The measurement: `warmup` binds and raw samples not counted, then blocks of `BLOCK`
 * binds each followed by `BLOCK` raw put → event samples, so both see the machine in the
 * same state (a shared 2-core virtual machine drifts by up to 2× in speed over a minute).
 * Also returns each process's CPU time per bind, over the bind blocks only.
 */
async function interleaved(
  pool: Pool,
  ports: readonly string[],
  warmup: number,
  raw: { readonly kv: KeyValueStore; readonly watcher: KeyValueStore },
  pids: Readonly<Record<string, number | undefined>>,
): Promise<{ binds: number[]; raw: number[]; cpuPerBindMs: Record<string, number> }> {
  await measureBinds(pool, ports.slice(0, warmup));
  await putToEvent(raw.kv, raw.watcher, warmup);
  const timedFrom = process.hrtime.bigint() / 1000n;
  const binds: number[] = [];
  const rawSamples: number[] = [];
  const cpu: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  for (let start = warmup; start < ports.length; start += BLOCK) {
    const block = ports.slice(start, start + BLOCK);
    const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
    binds.push(...(await measureBinds(pool, block)));
    for (const [name, pid] of Object.entries(pids)) cpu[name] = (cpu[name] ?? 0) + cpuMs(pid) - (before[name] ?? 0);
    rawSamples.push(...(await putToEvent(raw.kv, raw.watcher, block.length)));
  }
  // CLOCK_MONOTONIC µs, the clock of --cpu-prof timestamps: `profile-summary --window` keeps these binds only
  if (process.env['BENCH_BIND_NODE_ARGS'] !== undefined) process.stderr.write(`bind bench: timed binds in monotonic µs window ${timedFrom}-${process.hrtime.bigint() / 1000n}\n`);
  const cpuPerBindMs = Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, Math.round((ms / Math.max(1, binds.length)) * 100) / 100]));
  return { binds, raw: rawSamples, cpuPerBindMs };
}

function result(topology: BindTopology, binds: number[], raw: number[], cpuPerBindMs: Record<string, number>): BindTopologyResult {
  const bind = figures(binds);
  const putEvent = figures(raw);
  const targetP50 = bindTargetP50(putEvent.p50);
  return { topology, bind, cpuPerBindMs, putToEvent: putEvent, targetP50, pass: bind.p50 <= targetP50 };
}

/** A `gluon` process started by {@link startGluon}. */
export interface GluonProcess {
  readonly child: ChildProcess;
  /** SIGTERM by PID, then SIGKILL after 15 s. */
  stop: () => Promise<void>;
  /** A sentence when the process has exited, else undefined. */
  exited: () => string | undefined;
}

/** Starts `gluon <args>` (the built CLI) in its own process; stopped by PID. */
export function startGluon(name: string, args: readonly string[]): GluonProcess {
  const extraFlags = process.env['BENCH_BIND_NODE_ARGS'] ? process.env['BENCH_BIND_NODE_ARGS'].split(' ') : [];
  const child = spawn(process.execPath, gluonArgv(args, { extraFlags }), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`bench: could not start ${name} (gluon ${args.join(' ')})`);
  return {
    child,
    exited: () => (child.exitCode !== null || child.signalCode !== null ? `${name} (pid ${pid}) exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}); its stderr is above` : undefined),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(child, 15_000))) {
        process.kill(pid, 'SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
}

/**
 * The deployed shape: `gluon serve` and `gluon shim run examples/dummy-shim` in their own
 * processes; this process is the client and measures raw etcd put → event.
 */
async function runProcesses(endpoint: string, etcdPid: number | undefined, samples: number, log: (line: string) => void): Promise<BindTopologyResult> {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('bench: dist/cli.js is missing; run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-bind-'));
  const prefix = `/bench-bind-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const server = startGluon('gluon serve', ['serve', '--db', `sqlite:${join(dir, 'gluon.db')}`, '--host', '127.0.0.1', '--port', String(port), '--etcd', endpoint, '--etcd-prefix', prefix, '--log-level', 'warn']);
  const shim = startGluon('gluon shim run', ['shim', 'run', DUMMY_SHIM, '--etcd', endpoint, '--etcd-prefix', prefix, '--log-level', 'warn']);
  const rawKv = createKeyValueStore(endpoint, { prefix });
  const rawWatcher = createKeyValueStore(endpoint, { prefix });
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool(base, { connections: 1, pipelining: 1 });
  try {
    for (let deadline = Date.now() + 60_000; ; ) {
      const down = server.exited() ?? shim.exited();
      if (down !== undefined) throw new Error(`bench: ${down}`);
      const ready = await pool.request({ path: '/readyz', method: 'GET' }).then(
        async (res) => (await res.body.text(), res.statusCode === 200),
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`bench: gluon serve did not get ready on ${base} within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`bind bench (processes): server pid ${String(server.child.pid)}, shim pid ${String(shim.child.pid)}; creating ${samples + warmupFor(samples)} ports with service bindings`);
    const ports = await seedPorts(pool, samples + warmupFor(samples) + 1);
    // the shim is ready once it answers a bind (it may still be listing etcd)
    const first = ports.shift() as string;
    for (let deadline = Date.now() + 60_000; ; ) {
      const down = shim.exited();
      if (down !== undefined) throw new Error(`bench: ${down}`);
      const answer = await json(pool, 'PUT', `${API}/ports/${first}?bind_timeout=1000`, bindBody());
      if (answer['vif_type'] === 'ovs') break;
      if (Date.now() > deadline) throw new Error(`bench: the dummy shim did not answer a bind within 60 s (last answer ${JSON.stringify(answer)})`);
      await json(pool, 'PUT', `${API}/ports/${first}`, { host_id: '', device_id: '' });
    }
    const { binds, raw, cpuPerBindMs } = await interleaved(pool, ports, warmupFor(samples), { kv: rawKv, watcher: rawWatcher }, { server: server.child.pid, shim: shim.child.pid, client: process.pid, etcd: etcdPid });
    return result('processes', binds, raw, cpuPerBindMs);
  } finally {
    await pool.close();
    await Promise.all([shim.stop(), server.stop()]);
    await Promise.all([rawKv.close(), rawWatcher.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Server, dummy shim (its own etcd client) and client in this process, on one event loop. */
async function runOneProcess(endpoint: string, etcdPid: number | undefined, samples: number, log: (line: string) => void): Promise<BindTopologyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-bind-'));
  const prefix = `/bench-bind-${randomUUID().slice(0, 8)}`;
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, etcd: endpoint, etcdPrefix: prefix, inProcessShim: false, logger: { level: 'warn' } });
  const shimKv = createKeyValueStore(endpoint, { prefix });
  const rawKv = createKeyValueStore(endpoint, { prefix });
  const rawWatcher = createKeyValueStore(endpoint, { prefix });
  const model = server.registry.defaultVersion('net-l3vpn');
  const shim = createDummyShim(shimKv, model === undefined ? {} : { model });
  let pool: Pool | undefined;
  try {
    const base = await server.listen();
    pool = new Pool(base, { connections: 1, pipelining: 1 });
    await shim.start();
    log(`bind bench (one process): creating ${samples + warmupFor(samples)} ports with service bindings`);
    const ports = await seedPorts(pool, samples + warmupFor(samples));
    await server.mirror?.flush?.(30_000);
    await shim.idle();
    const { binds, raw, cpuPerBindMs } = await interleaved(pool, ports, warmupFor(samples), { kv: rawKv, watcher: rawWatcher }, { 'server + shim + client': process.pid, etcd: etcdPid });
    return result('one-process', binds, raw, cpuPerBindMs);
  } finally {
    await pool?.close();
    await shim.close();
    await Promise.all([shimKv.close(), rawKv.close(), rawWatcher.close()]);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the benchmark: per topology, `samples` sequential binds (each on a fresh port, after
 * 50 warm-up binds) and as many raw put→event samples on the same etcd.
 */
export async function runBindBench(
  samples: number,
  log: (line: string) => void = () => undefined,
  topologies: readonly BindTopology[] = ['processes', 'one-process'],
): Promise<BindBenchResult> {
  const own = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
  const endpoint = own?.endpoint ?? String(process.env['BENCH_ETCD']);
  try {
    const runs: BindTopologyResult[] = [];
    for (const topology of topologies) runs.push(topology === 'processes' ? await runProcesses(endpoint, own?.pid, samples, log) : await runOneProcess(endpoint, own?.pid, samples, log));
    const judged = runs.find((r) => r.topology === 'processes') ?? runs[0];
    const { loadavg } = await import('node:os');
    return { runs, pass: judged?.pass ?? false, load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  } finally {
    await own?.stop();
  }
}

/** The figures as a markdown table. */
export function formatBindBench(r: BindBenchResult): string {
  const label: Record<BindTopology, string> = { processes: 'server, shim, client: 3 processes', 'one-process': 'server, shim, client: 1 process' };
  return [
    '| topology | measure | samples | p50 ms | p99 ms | mean ms | target p50 ms | met |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...r.runs.flatMap((run) => [
      `| ${label[run.topology]} | bind round trip (PUT → etcd → dummy shim → etcd → response) | ${run.bind.samples} | ${run.bind.p50} | ${run.bind.p99} | ${run.bind.mean} | ${run.targetP50} | ${run.pass ? 'yes' : 'no'} |`,
      `| ${label[run.topology]} | raw etcd put → watch event | ${run.putToEvent.samples} | ${run.putToEvent.p50} | ${run.putToEvent.p99} | ${run.putToEvent.mean} | | |`,
    ]),
    '',
    ...r.runs.map((run) => `CPU per bind (${label[run.topology]}): ${Object.entries(run.cpuPerBindMs).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`),
    '',
    `target: bind p50 ≤ ${BIND_TARGET_TEXT}, judged on the 3-process topology → ${r.pass ? 'PASS' : 'FAIL'} (load average ${r.load1})`,
  ].join('\n');
}

function topologiesFromEnv(): BindTopology[] {
  const value = process.env['BENCH_BIND_TOPOLOGY'] ?? 'both';
  if (value === 'both') return ['processes', 'one-process'];
  if (value === 'processes' || value === 'one-process') return [value];
  throw new Error(`BENCH_BIND_TOPOLOGY must be processes, one-process or both, received ${JSON.stringify(value)}`);
}

/** Runs from `npm run bench` (part `bind`) or standalone. */
export async function main(log: (line: string) => void, samples = Number(process.env['BENCH_BIND_SAMPLES'] ?? 300)): Promise<BindBenchResult> {
  const result = await runBindBench(samples, log, topologiesFromEnv());
  log(formatBindBench(result));
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}bind.json`, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main((line) => console.log(line));
}
