/**
 * The ceiling of the boot storm on this machine, from floors measured in the same run:
 * the CPU that each process of a bind cannot avoid, measured on bare parts without gluon,
 * summed per bind; the ceiling is `cores × 1000 / floor ms per bind` binds per second.
 *
 * The floors, per bind (Nova's calls: GET, PUT binding, GET):
 * - server: `bench/bind-floor.ts`'s server CPU per bind at the storm's concurrency (fastify
 *   + 2 SQLite transactions + 2 etcd puts + a watch event) + 2 bare fastify answers (Nova's
 *   two GETs);
 * - arbiter: 3 hops through a bare fastify + undici forwarding proxy
 *   (`bench/proxy-hop-floor.mjs`), one per Nova call;
 * - shim: one raw etcd put → watch event (the client's CPU of the raw round trips: it
 *   receives an event and puts, as the host's shim does);
 * - client: 3 requests of a keep-alive undici Pool (the load generator of the hop floor);
 * - etcd: etcd's CPU per raw round trip × the etcd writes per bind of the storm (revisions).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort } from '../test/setup/service-process.js';
import { cpuMs } from './bind.js';
import { waitForExit } from './server-process.js';

const HOP_SERVER = fileURLToPath(new URL('./proxy-hop-floor.mjs', import.meta.url));

/** CPU per request (ms) of each process of a bare proxy hop. */
export interface HopFloor {
  readonly client: number;
  readonly proxy: number;
  readonly upstream: number;
  readonly requests: number;
}

/** The floors a ceiling is computed from, each measured in the storm's run. */
export interface CeilingInputs {
  /** Server CPU per bind of `bench/bind-floor.ts`. */
  readonly bindFloorServerMs: number;
  readonly hop: HopFloor;
  /** Raw etcd put → watch event: etcd's CPU and the client's CPU per round trip. */
  readonly raw: { readonly etcdMs: number; readonly clientMs: number };
  /** etcd writes (revisions) per bind during the storm. */
  readonly etcdWritesPerBind: number;
  readonly inFlight: number;
  /** CPU per bind measured in the storm, per process (for the ratio). */
  readonly measured: Readonly<Record<string, number>>;
}

/** The storm's ceiling and the arithmetic behind it. */
export interface StormCeiling {
  /** Floor CPU per bind of each part, ms. */
  readonly floorCpuPerBindMs: Readonly<Record<string, number>>;
  /** How each part's floor was summed from the measured figures. */
  readonly arithmetic: Readonly<Record<string, string>>;
  readonly floorMsPerBind: number;
  readonly cores: number;
  /** `cores × 1000 / floorMsPerBind`: the most binds per second the floors allow. */
  readonly maxPerSecond: number;
  /** CPU per bind measured in the storm, summed over its processes (both shims). */
  readonly measuredMsPerBind: number;
  /** `cores × 1000 / measuredMsPerBind`: the ceiling of gluon as measured. */
  readonly measuredMaxPerSecond: number;
  /** Little's law: p99 ≤ 100 ms at `inFlight` binds in flight needs at least `inFlight × 1000 / 100` binds/s. */
  readonly littleMinPerSecond: number;
  /** The throughput goal, binds/s. */
  readonly goalPerSecond: number;
  /** Binds in flight in the storm. */
  readonly inFlight: number;
}

/** The goals: 500 binds/s, p99 ≤ 100 ms. */
const GOAL_PER_SECOND = 500;
const GOAL_P99_MS = 100;

const round = (n: number): number => Math.round(n * 100) / 100;

/** Computes the ceiling from the floors (see the file's comment). */
export function stormCeiling(inputs: CeilingInputs): StormCeiling {
  const { hop, raw } = inputs;
  const floorCpuPerBindMs = {
    server: round(inputs.bindFloorServerMs + 2 * hop.upstream),
    arbiter: round(3 * hop.proxy),
    shim: round(raw.clientMs),
    client: round(3 * hop.client),
    etcd: round(inputs.etcdWritesPerBind * raw.etcdMs),
  };
  const arithmetic = {
    server: `bind floor ${inputs.bindFloorServerMs} + 2 × bare GET ${hop.upstream}`,
    arbiter: `3 × proxy hop ${hop.proxy}`,
    shim: `1 × raw put → event (client side) ${raw.clientMs}`,
    client: `3 × undici request ${hop.client}`,
    etcd: `${inputs.etcdWritesPerBind} writes × raw put → event (etcd side) ${raw.etcdMs}`,
  };
  const floorMsPerBind = round(Object.values(floorCpuPerBindMs).reduce((a, b) => a + b, 0));
  const measuredMsPerBind = round(Object.values(inputs.measured).filter(Number.isFinite).reduce((a, b) => a + b, 0));
  const cores = availableParallelism();
  return {
    floorCpuPerBindMs,
    arithmetic,
    floorMsPerBind,
    cores,
    maxPerSecond: Math.round((cores * 1000) / floorMsPerBind),
    measuredMsPerBind,
    measuredMaxPerSecond: Math.round((cores * 1000) / measuredMsPerBind),
    littleMinPerSecond: Math.round((inputs.inFlight * 1000) / GOAL_P99_MS),
    goalPerSecond: GOAL_PER_SECOND,
    inFlight: inputs.inFlight,
  };
}

/** The ceiling's lines for the report. */
export function formatStormCeiling(c: StormCeiling): string[] {
  const parts = Object.entries(c.floorCpuPerBindMs).map(([name, ms]) => `${name} ${ms} (${c.arithmetic[name] ?? ''})`);
  const verdict = (needs: number): string => (c.maxPerSecond < needs ? `out of reach (floor ceiling ${c.maxPerSecond} < ${needs})` : `within the floor ceiling (${c.maxPerSecond} ≥ ${needs})`);
  return [
    `floor CPU per bind, ms: ${parts.join('; ')}`,
    `ceiling from the floors: ${c.cores} cores × 1000 / ${c.floorMsPerBind} ms = ${c.maxPerSecond} binds/s; ` +
      `as measured: ${c.cores} × 1000 / ${c.measuredMsPerBind} ms = ${c.measuredMaxPerSecond} binds/s (gluon's CPU ${round(c.measuredMsPerBind / c.floorMsPerBind)} × the floor)`,
    `goal ≥ ${c.goalPerSecond} binds/s: ${verdict(c.goalPerSecond)}; goal p99 ≤ ${GOAL_P99_MS} ms at ${c.inFlight} in flight, ` +
      `which by Little's law (mean ≤ p99) needs ≥ ${c.littleMinPerSecond} binds/s: ${verdict(c.littleMinPerSecond)}`,
  ];
}

function startHopProcess(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [HOP_SERVER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopHopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 10_000))) child.kill('SIGKILL');
}

async function ready(pool: Pool, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const up = await pool.request({ path: '/ready', method: 'GET' }).then(
      async (res) => (await res.body.text(), res.statusCode === 200),
      () => false,
    );
    if (up) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('storm ceiling: the proxy hop floor did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * CPU per request of a bare proxy hop: `requests` calls (GET, PUT with a small body, GET,
 * as Nova's) at `inFlight` at once, client → proxy → upstream, each in its own process.
 */
export async function runHopFloor(params: { readonly requests: number; readonly inFlight: number }): Promise<HopFloor> {
  const [upstreamPort, proxyPort] = [await freePort(), await freePort()];
  const upstream = startHopProcess(['upstream', String(upstreamPort)]);
  const proxy = startHopProcess(['proxy', String(proxyPort), `http://127.0.0.1:${upstreamPort}`, String(params.inFlight)]);
  const pool = new Pool(`http://127.0.0.1:${proxyPort}`, { connections: params.inFlight, pipelining: 1 });
  const call = async (i: number): Promise<void> => {
    const put = i % 3 === 1;
    const res = await pool.request({
      path: `/v2.0/ports/p${i}`,
      method: put ? 'PUT' : 'GET',
      ...(put ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ port: { 'binding:host_id': 'compute-a', device_id: `d${i}`, device_owner: 'compute:nova' } }) } : {}),
    });
    await res.body.text();
  };
  try {
    await ready(pool, proxy);
    let next = 0;
    const run = async (count: number): Promise<void> => {
      const end = next + count;
      const worker = async (): Promise<void> => {
        while (next < end) await call(next++);
      };
      await Promise.all(Array.from({ length: params.inFlight }, worker));
    };
    await run(Math.min(500, params.requests)); // warm-up, not counted
    const before = { client: cpuMs(undefined), proxy: cpuMs(proxy.pid), upstream: cpuMs(upstream.pid) };
    await run(params.requests);
    const per = (now: number, then: number): number => round((now - then) / params.requests);
    return { client: per(cpuMs(undefined), before.client), proxy: per(cpuMs(proxy.pid), before.proxy), upstream: per(cpuMs(upstream.pid), before.upstream), requests: params.requests };
  } finally {
    await pool.close();
    await Promise.all([stopHopProcess(proxy), stopHopProcess(upstream)]);
  }
}
