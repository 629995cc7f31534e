/**
 * Boot-storm benchmark: many ports bound at once through the Neutron facade, the way Nova
 * binds them when a whole rack of instances boots, against raw etcd put → watch-event
 * round trips at the same concurrency on the same etcd (the floor), in the same run.
 *
 * The deployed shape, every part in its own process: `gluon serve` (built, SQLite, etcd
 * mirror), `gluon arbiter` (the Neutron facade, noauth, GluonNetwork/GluonSubnet ids given,
 * a stub Neutron upstream that no Gluon port request reaches), and two
 * `gluon shim run bench/dummy-shim.mjs` processes, one per compute host (`--hosts
 * compute-a`, `--hosts compute-b`); this process is Nova (a keep-alive undici `Pool` with
 * as many connections as binds in flight) and measures raw etcd.
 *
 * Per port, Nova's calls: `GET /v2.0/ports/<id>`, `PUT /v2.0/ports/<id>` with
 * `binding:host_id` (alternating between the two hosts), `device_id` and `device_owner`,
 * then `GET /v2.0/ports/<id>` until the port is `ACTIVE` and bound. The latency of a port
 * is from its first GET to the GET that saw it bound; the throughput is ports ÷ wall time.
 * The raw floor runs before and after the storm (as many round trips, as many in flight)
 * and is reported pooled.
 *
 * Then the ceiling, from floors measured in the same run after gluon's processes stopped
 * (`bench/storm-ceiling.ts`): a bare proxy hop (fastify + undici, 3 × ports requests at
 * the same concurrency), `bench/bind-floor.ts`'s server on the same etcd (as many binds,
 * as many in flight), the raw round
 * trips' CPU (etcd's and the client's) and the storm's etcd writes per bind; the report
 * shows `cores × 1000 / floor ms per bind` and the Little's-law rate p99 ≤ 100 ms needs.
 *
 *   npm run build && node --import tsx bench/storm.ts
 *   npm run bench -- --only storm
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports),
 * `BENCH_STORM_PORTS=<n>` (default 1,000), `BENCH_STORM_IN_FLIGHT=<n>` (default 64).
 * Writes `bench/results/storm.json` when run alone.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createKeyValueStore, type KeyValueStore } from '../src/core/kv/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { freePort } from '../test/setup/service-process.js';
import { cpuMs, figures, seedPorts, startGluon, type GluonProcess, type LatencyFigures } from './bind.js';
import { wholeNumberFromEnv } from './parts.js';
import { runBindFloor } from './bind-floor.js';
import { formatStormCeiling, runHopFloor, stormCeiling, type StormCeiling } from './storm-ceiling.js';

/** The sizes of a storm. */
export interface StormParams {
  /** Ports bound (each once). */
  readonly ports: number;
  /** Binds (and raw round trips) in flight at once. */
  readonly inFlight: number;
}

/** One side of the storm: what Nova saw, or the raw etcd floor. */
export interface StormFigures {
  readonly count: number;
  /** Completed per second over the wall time. */
  readonly perSecond: number;
  readonly latency: LatencyFigures;
  /** Wall time, ms. */
  readonly wallMs: number;
}

/** Figures of one storm run. */
export interface StormResult {
  readonly params: StormParams;
  readonly hosts: readonly string[];
  /** GET, PUT binding, GET until bound, through the facade. */
  readonly storm: StormFigures;
  /** Raw etcd put → watch event at the same concurrency, before and after the storm, pooled. */
  readonly raw: StormFigures;
  /** Raw throughput of the run before and of the run after the storm. */
  readonly rawPerSecondRuns: readonly number[];
  /** Binds that failed (an answer other than 200, or a port that never showed bound). */
  readonly failures: number;
  /** Requests the facade passed to the (stub) Neutron during the storm: 0 when every Gluon port was answered by the arbiter. */
  readonly upstreamCalls: number;
  /** The first failure, for the report. */
  readonly firstFailure?: string;
  /** GETs after the PUT until the port showed bound (Nova polls; 1 each when the PUT waited for the shim). */
  readonly pollsPerPort: number;
  /** CPU time per bind (user + system, ms) of each process, over the storm. */
  readonly cpuPerBindMs: Readonly<Record<string, number>>;
  /** etcd writes (revisions) per bind during the storm. */
  readonly etcdWritesPerBind: number;
  /** The ceiling from floors measured in this run (`bench/storm-ceiling.ts`), with its arithmetic. */
  readonly ceiling: StormCeiling;
  /** 1-minute load average before and after. */
  readonly load: { readonly before: number; readonly after: number };
}

/** Default sizes: 1,000 ports, 64 in flight. */
export const STORM_DEFAULTS: StormParams = { ports: 1000, inFlight: 64 };

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DUMMY_SHIM = join(ROOT, 'bench', 'dummy-shim.mjs');
const HOSTS = ['compute-a', 'compute-b'] as const;
const GLUON_NETWORK = 'storm-gluon-network';
const GLUON_SUBNET = 'storm-gluon-subnet';
/** How many times Nova reads a port after its PUT before the bind counts as failed. */
const MAX_POLLS = 200;

/** Runs `count` tasks with at most `inFlight` at once; returns the wall time in ms. */
async function inParallel(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return performance.now() - t0;
}

/** A raw run: its samples, wall time, and the CPU (ms) it cost etcd and this process (the client). */
interface RawRun {
  readonly samples: number[];
  readonly wallMs: number;
  readonly cpu: { readonly etcd: number; readonly client: number };
}

/** {@link rawRoundTrips} with etcd's and this process's CPU over it. */
async function measuredRaw(kvs: { readonly kv: KeyValueStore; readonly watcher: KeyValueStore }, run: { readonly params: StormParams; readonly etcdPid: number | undefined }): Promise<RawRun> {
  // cpuMs(undefined) is this process: an etcd not started here (BENCH_ETCD) is not measured
  const etcdCpu = (): number => (run.etcdPid === undefined ? Number.NaN : cpuMs(run.etcdPid));
  const before = { etcd: etcdCpu(), client: cpuMs(undefined) };
  const { samples, wallMs } = await rawRoundTrips(kvs, run.params);
  return { samples, wallMs, cpu: { etcd: etcdCpu() - before.etcd, client: cpuMs(undefined) - before.client } };
}

/** Raw etcd put → watch event, `params.inFlight` at once, `params.ports` round trips. */
async function rawRoundTrips(kvs: { readonly kv: KeyValueStore; readonly watcher: KeyValueStore }, params: StormParams): Promise<{ samples: number[]; wallMs: number }> {
  const prefix = `/bench-storm-raw/${randomUUID()}/`;
  const seen = new Map<string, () => void>();
  const watch = await kvs.watcher.watch({ prefix }, (event) => seen.get(event.key)?.());
  const samples: number[] = [];
  try {
    const wallMs = await inParallel(params.ports, params.inFlight, async (i) => {
      const key = `${prefix}${i}`;
      const arrived = new Promise<void>((resolve) => seen.set(key, resolve));
      const t0 = performance.now();
      await kvs.kv.put(key, JSON.stringify({ vif_type: 'ovs', vif_details: { port_filter: false, bridge_name: 'br-gluon' }, i }));
      await arrived;
      samples.push(performance.now() - t0);
      seen.delete(key);
    });
    return { samples, wallMs };
  } finally {
    await watch.close();
  }
}

/** Neutron's port as the facade answers it. */
type NeutronPort = Record<string, unknown>;

function isBound(port: NeutronPort | undefined, host: string): boolean {
  return port?.['status'] === 'ACTIVE' && port['binding:host_id'] === host && port['binding:vif_type'] === 'ovs';
}

async function neutronCall(pool: Pool, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<NeutronPort> {
  const res = await pool.request({ path, method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { port?: NeutronPort }).port ?? {};
}

/** Nova's calls for one port: GET, PUT binding, GET until bound. Returns the GETs after the PUT. */
async function novaBinds(pool: Pool, id: string, host: string): Promise<number> {
  const path = `/v2.0/ports/${id}`;
  await neutronCall(pool, 'GET', path);
  await neutronCall(pool, 'PUT', path, { port: { 'binding:host_id': host, device_id: randomUUID(), device_owner: 'compute:nova' } });
  for (let polls = 1; polls <= MAX_POLLS; polls++) {
    if (isBound(await neutronCall(pool, 'GET', path), host)) return polls;
  }
  throw new Error(`port ${id} did not show ACTIVE and bound to ${host} after ${MAX_POLLS} reads`);
}

/** A stub Neutron: the facade's upstream, which no request about a Gluon port reaches. */
async function stubNeutron(): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"NeutronError": {"type": "HTTPNotFound", "message": "stub Neutron of the storm benchmark", "detail": ""}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits: () => hits };
}

/** Polls `probe` every 100 ms until it resolves true; fails naming `what` after `ms`, or as soon as a process exited. */
async function until(what: string, probe: () => Promise<boolean>, options: { readonly ms: number; readonly procs: readonly GluonProcess[] }): Promise<void> {
  for (const deadline = Date.now() + options.ms; ; ) {
    const down = options.procs.map((p) => p.exited()).find((m) => m !== undefined);
    if (down !== undefined) throw new Error(`storm bench: ${down}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`storm bench: ${what} within ${options.ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The processes of a storm: server, facade, one shim per host. */
interface StormProcesses {
  readonly server: GluonProcess;
  readonly arbiter: GluonProcess;
  readonly shims: readonly GluonProcess[];
  readonly protonUrl: string;
  readonly facadeUrl: string;
}

async function startProcesses(endpoint: string, dir: string, neutronUrl: string): Promise<StormProcesses> {
  const prefix = `/bench-storm-${randomUUID().slice(0, 8)}`;
  const [protonPort, facadePort] = [await freePort(), await freePort()];
  const etcdFlags = ['--etcd', endpoint, '--etcd-prefix', prefix, '--log-level', 'warn'];
  const server = startGluon('gluon serve', ['serve', '--db', `sqlite:${join(dir, 'gluon.db')}`, '--host', '127.0.0.1', '--port', String(protonPort), ...etcdFlags]);
  const arbiter = startGluon('gluon arbiter', [
    'arbiter', '--neutron-url', neutronUrl, '--host', '127.0.0.1', '--port', String(facadePort), ...etcdFlags, '--auth-strategy', 'noauth',
    '--gluon-network-id', GLUON_NETWORK, '--gluon-subnet-id', GLUON_SUBNET, '--root', ROOT, '--plugins', '',
  ]);
  const shims = HOSTS.map((host) => startGluon(`gluon shim run (${host})`, ['shim', 'run', DUMMY_SHIM, '--hosts', host, ...etcdFlags]));
  return { server, arbiter, shims, protonUrl: `http://127.0.0.1:${protonPort}`, facadeUrl: `http://127.0.0.1:${facadePort}` };
}

async function stopProcesses(procs: StormProcesses): Promise<void> {
  await Promise.all([...procs.shims, procs.arbiter, procs.server].map((p) => p.stop()));
}

/** Ports with service bindings, known to the facade, and each shim answering a bind (one spare port per host). */
async function prepare(procs: StormProcesses, params: StormParams, log: (line: string) => void): Promise<string[]> {
  const all = [procs.server, procs.arbiter, ...procs.shims];
  const proton = new Pool(procs.protonUrl, { connections: 1 });
  const facade = new Pool(procs.facadeUrl, { connections: 4 });
  try {
    await until('gluon serve did not get ready', async () => (await proton.request({ path: '/readyz', method: 'GET' }).then(async (r) => (await r.body.text(), r.statusCode === 200))), { ms: 60_000, procs: all });
    log(`storm bench: seeding ${params.ports + HOSTS.length} ports with service bindings`);
    const ids = await seedPorts(proton, params.ports + HOSTS.length);
    const last = ids.at(-1) ?? '';
    await until('the facade did not learn the ports from etcd', async () => (await neutronCall(facade, 'GET', `/v2.0/ports/${last}`))['id'] === last, { ms: 60_000, procs: all });
    // warm-up: one bind per host, which also waits for each shim to have listed etcd
    for (const [i, host] of HOSTS.entries()) {
      const id = ids[params.ports + i] ?? '';
      await until(`the shim for ${host} did not answer a bind`, async () => {
        await novaBinds(facade, id, host);
        return true;
      }, { ms: 120_000, procs: all });
    }
    return ids.slice(0, params.ports);
  } finally {
    await Promise.all([proton.close(), facade.close()]);
  }
}

function stormFigures(samples: readonly number[], wallMs: number): StormFigures {
  return { count: samples.length, perSecond: Math.round((samples.length / (wallMs / 1000)) * 10) / 10, latency: figures(samples), wallMs: Math.round(wallMs) };
}

/** The storm itself: every port through Nova's calls, `inFlight` at once; CPU per bind of each process. */
async function storm(procs: StormProcesses, ids: readonly string[], context: { readonly params: StormParams; readonly etcdPid: number | undefined }) {
  const pids: Record<string, number | undefined> = { server: procs.server.child.pid, arbiter: procs.arbiter.child.pid, ...Object.fromEntries(procs.shims.map((s, i) => [`shim ${HOSTS[i]}`, s.child.pid])), client: process.pid, etcd: context.etcdPid };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  const pool = new Pool(procs.facadeUrl, { connections: context.params.inFlight, pipelining: 1 });
  const samples: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let polls = 0;
  try {
    const wallMs = await inParallel(ids.length, context.params.inFlight, async (i) => {
      const t0 = performance.now();
      try {
        const reads = await novaBinds(pool, ids[i] ?? '', HOSTS[i % HOSTS.length] ?? '');
        polls += reads;
        samples.push(performance.now() - t0);
      } catch (err) {
        failures++;
        firstFailure ??= (err as Error).message;
      }
    });
    const cpuPerBindMs = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, Math.round(((cpuMs(pid) - (cpuBefore[name] ?? 0)) / Math.max(1, samples.length)) * 100) / 100]));
    return { samples, wallMs, failures, firstFailure, cpuPerBindMs, pollsPerPort: Math.round((polls / Math.max(1, samples.length)) * 100) / 100 };
  } finally {
    await pool.close();
  }
}


/**
 * The floors of the storm's parts, measured after it on the same etcd with gluon's
 * processes stopped, and the ceiling they give (`bench/storm-ceiling.ts`).
 */
async function measureCeiling(
  run: { readonly params: StormParams; readonly endpoint: string; readonly etcdPid: number | undefined; readonly log: (line: string) => void },
  storm: { readonly raws: readonly RawRun[]; readonly etcdWritesPerBind: number; readonly measured: Readonly<Record<string, number>> },
): Promise<StormCeiling> {
  const { params, log } = run;
  log(`storm bench: floors — a bare proxy hop (${3 * params.ports} requests at ${params.inFlight} in flight), then ${params.ports} binds of the bind floor at ${params.inFlight} in flight`);
  const hop = await runHopFloor({ requests: 3 * params.ports, inFlight: params.inFlight });
  const floor = await runBindFloor(params.ports, { etcdEndpoint: run.endpoint, inFlight: params.inFlight });
  const trips = storm.raws.reduce((n, r) => n + r.samples.length, 0);
  const perTrip = (side: 'etcd' | 'client'): number => Math.round((storm.raws.reduce((ms, r) => ms + r.cpu[side], 0) / Math.max(1, trips)) * 100) / 100;
  return stormCeiling({
    bindFloorServerMs: floor.serverCpuPerBindMs,
    hop,
    raw: { etcdMs: perTrip('etcd'), clientMs: perTrip('client') },
    etcdWritesPerBind: storm.etcdWritesPerBind,
    inFlight: params.inFlight,
    measured: storm.measured,
  });
}

/** Runs the storm benchmark (see the file's comment). */
export async function runStormBench(params: StormParams = STORM_DEFAULTS, log: (line: string) => void = () => undefined): Promise<StormResult> {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('storm bench: dist/cli.js is missing; run `npm run build` first (npm run bench does)');
  const loadBefore = loadavg()[0] ?? 0;
  const own = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
  const endpoint = own?.endpoint ?? String(process.env['BENCH_ETCD']);
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-storm-'));
  const neutron = await stubNeutron();
  const raw = { kv: createKeyValueStore(endpoint, { prefix: '/bench-storm' }), watcher: createKeyValueStore(endpoint, { prefix: '/bench-storm' }) };
  const procs = await startProcesses(endpoint, dir, neutron.url);
  let stopped = false;
  try {
    const ids = await prepare(procs, params, log);
    await rawRoundTrips(raw, { ports: Math.min(200, params.ports), inFlight: params.inFlight }); // warm-up, not counted
    log(`storm bench: raw etcd put → event, ${params.ports} at ${params.inFlight} in flight`);
    const rawBefore = await measuredRaw(raw, { params, etcdPid: own?.pid });
    log(`storm bench: ${params.ports} binds through the facade at ${params.inFlight} in flight, hosts ${HOSTS.join(', ')}`);
    const hitsBefore = neutron.hits();
    const revisionBefore = (await raw.kv.put('/revision-mark', 'before')).revision;
    const run = await storm(procs, ids, { params, etcdPid: own?.pid });
    const revisionAfter = (await raw.kv.put('/revision-mark', 'after')).revision;
    const upstreamCalls = neutron.hits() - hitsBefore;
    const rawAfter = await measuredRaw(raw, { params, etcdPid: own?.pid });
    const rawPooled = stormFigures([...rawBefore.samples, ...rawAfter.samples], rawBefore.wallMs + rawAfter.wallMs);
    await stopProcesses(procs);
    stopped = true;
    const etcdWritesPerBind = Math.round(((revisionAfter - revisionBefore - 1) / Math.max(1, run.samples.length)) * 100) / 100;
    const ceiling = await measureCeiling({ params, endpoint, etcdPid: own?.pid, log }, { raws: [rawBefore, rawAfter], etcdWritesPerBind, measured: run.cpuPerBindMs });
    return {
      params,
      hosts: HOSTS,
      storm: stormFigures(run.samples, run.wallMs),
      raw: rawPooled,
      rawPerSecondRuns: [rawBefore, rawAfter].map((r) => Math.round((r.samples.length / (r.wallMs / 1000)) * 10) / 10),
      failures: run.failures,
      upstreamCalls,
      ...(run.firstFailure === undefined ? {} : { firstFailure: run.firstFailure }),
      pollsPerPort: run.pollsPerPort,
      cpuPerBindMs: run.cpuPerBindMs,
      etcdWritesPerBind,
      ceiling,
      load: { before: Math.round(loadBefore * 100) / 100, after: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    };
  } finally {
    if (!stopped) await stopProcesses(procs);
    await Promise.all([raw.kv.close(), raw.watcher.close()]);
    neutron.server.closeAllConnections();
    await new Promise<void>((resolve) => neutron.server.close(() => resolve()));
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as a markdown table. */
export function formatStormBench(r: StormResult): string {
  const row = (what: string, f: StormFigures): string => `| ${what} | ${f.count} | ${f.perSecond} | ${f.latency.p50} | ${f.latency.p99} | ${f.latency.mean} |`;
  return [
    `Boot storm: ${r.params.ports} ports, ${r.params.inFlight} in flight, through gluon arbiter; hosts ${r.hosts.join(', ')}, one dummy shim each`,
    '',
    '| measure | completed | per second | p50 ms | p99 ms | mean ms |',
    '|---|---:|---:|---:|---:|---:|',
    row('bind storm (GET, PUT binding, GET until bound)', r.storm),
    row(`raw etcd put → watch event (floor; runs before/after: ${r.rawPerSecondRuns.join(' / ')} per s)`, r.raw),
    '',
    `failed binds: ${r.failures}${r.firstFailure === undefined ? '' : ` (first: ${r.firstFailure})`}; GETs after the PUT per port: ${r.pollsPerPort}; requests passed to Neutron: ${r.upstreamCalls}`,
    `CPU per bind: ${Object.entries(r.cpuPerBindMs).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}; etcd writes per bind: ${r.etcdWritesPerBind}`,
    ...formatStormCeiling(r.ceiling),
    `load average (1 min) ${r.load.before} → ${r.load.after}`,
  ].join('\n');
}

/** Sizes from `BENCH_STORM_PORTS` and `BENCH_STORM_IN_FLIGHT`. */
export function stormParamsFromEnv(env: NodeJS.ProcessEnv): StormParams {
  const read = (name: string, fallback: number): number => wholeNumberFromEnv(env, name, { min: 1, fallback });
  return { ports: read('BENCH_STORM_PORTS', STORM_DEFAULTS.ports), inFlight: read('BENCH_STORM_IN_FLIGHT', STORM_DEFAULTS.inFlight) };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runStormBench(stormParamsFromEnv(process.env), (line) => console.log(line));
  console.log(`\n${formatStormBench(result)}`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}storm.json`, `${JSON.stringify(result, null, 2)}\n`);
}
