/**
 * The floor of a bind's server CPU: `bench/bind-floor-server.mjs` does only what every
 * bind needs — one HTTP PUT on fastify, two SQLite write transactions (row read, UPDATE,
 * outbox INSERT, COMMIT), two etcd puts, one etcd watch event — without gluon. This
 * process is the client (keep-alive undici Pool; sequential binds like `bench/bind.ts`, or
 * `inFlight` at once for `bench/storm.ts`)
 * and the shim (watches the pending ports, puts each result). It reports the floor
 * server's CPU time per bind and the bind p50 (with raw etcd put → event on the same etcd
 * and the bind target it gives), to set beside `bench/bind.ts`'s figures measured in the
 * same session (`cpuPerBindMs.server` there).
 *
 *   node --import tsx bench/bind-floor.ts   # BENCH_BIND_SAMPLES (default 300), BENCH_ETCD, BENCH_BIND_NODE_ARGS
 *
 * Writes `bench/results/bind-floor.json`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createKeyValueStore } from '../src/core/kv/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { freePort } from '../test/setup/service-process.js';
import { cpuMs, figures, json, putToEvent, type LatencyFigures } from './bind.js';
import { bindTargetP50 } from './bind-target.js';
import { waitForExit } from './server-process.js';

/** Figures of one floor run. */
export interface BindFloorResult {
  readonly bind: LatencyFigures;
  /** Raw etcd put → watch event on the same etcd, as many samples, measured after the binds. */
  readonly putToEvent: LatencyFigures;
  /** The bind target for that raw p50 (`bench/bind-target.ts`). */
  readonly targetP50: number;
  /** CPU time (user + system) per bind of the floor server, ms. */
  readonly serverCpuPerBindMs: number;
  readonly load1: number;
}

const SERVER = fileURLToPath(new URL('./bind-floor-server.mjs', import.meta.url));
const WARMUP = 50;

/** Where and how a floor run binds. */
export interface BindFloorOptions {
  /** The etcd to use (else `BENCH_ETCD`, else a private one). */
  readonly etcdEndpoint?: string;
  /** Binds in flight at once (default 1: sequential, as `bench/bind.ts`). */
  readonly inFlight?: number;
}

/** Runs `samples` timed binds (after 50 not counted) against the floor server. */
export async function runBindFloor(samples: number, options: BindFloorOptions = {}): Promise<BindFloorResult> {
  const inFlight = options.inFlight ?? 1;
  const given = options.etcdEndpoint ?? process.env['BENCH_ETCD'];
  const own = given === undefined ? await startEtcd() : undefined;
  const endpoint = own?.endpoint ?? String(given);
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-floor-'));
  const prefix = `/bench-floor-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const total = samples + WARMUP;
  const nodeArgs = process.env['BENCH_BIND_NODE_ARGS']?.split(' ') ?? [];
  const server = spawn(process.execPath, [...nodeArgs, SERVER, String(port), endpoint, prefix, join(dir, 'floor.db'), String(total)], { stdio: ['ignore', 'ignore', 'inherit'] });
  // the shim: answers every pending port (vif_type null) with an OVS VIF
  const kv = createKeyValueStore(endpoint, { prefix });
  const watch = await kv.watch({ prefix: '/ports/' }, (event) => {
    if (event.type !== 'put' || event.value === undefined) return;
    const port = JSON.parse(event.value) as Record<string, unknown>;
    if (port['vif_type'] !== null) return;
    void kv.put(`/results/${event.key.slice('/ports/'.length)}`, JSON.stringify({ vif_type: 'ovs', vif_details: { port_filter: false, bridge_name: 'br-gluon' } }));
  });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: inFlight, pipelining: 1 });
  try {
    for (let deadline = Date.now() + 30_000; ; ) {
      const up = await pool.request({ path: '/ports/p0', method: 'GET' }).then(
        async (res) => (await res.body.text(), true),
        () => false,
      );
      if (up) break;
      if (server.exitCode !== null || Date.now() > deadline) throw new Error('bench: the floor server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const bind = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const answer = await json(pool, 'PUT', `/ports/p${i}`, { host_id: 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' });
      if (answer['vif_type'] !== 'ovs') throw new Error(`floor bind of p${i} answered ${JSON.stringify(answer)}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < WARMUP; i++) await bind(i);
    const before = cpuMs(server.pid);
    const timedFrom = process.hrtime.bigint() / 1000n;
    const times: number[] = [];
    let next = WARMUP;
    const worker = async (): Promise<void> => {
      while (next < total) times.push(await bind(next++));
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    if (nodeArgs.length > 0) process.stderr.write(`bind floor: timed binds in monotonic µs window ${timedFrom}-${process.hrtime.bigint() / 1000n}\n`);
    const serverCpuPerBindMs = Math.round(((cpuMs(server.pid) - before) / samples) * 100) / 100;
    const raw = figures(await putToEvent(kv, kv, samples));
    return { bind: figures(times), putToEvent: raw, targetP50: bindTargetP50(raw.p50), serverCpuPerBindMs, load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  } finally {
    await pool.close();
    await watch.close();
    await kv.close();
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      if (!(await waitForExit(server, 10_000))) server.kill('SIGKILL');
    }
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runBindFloor(Number(process.env['BENCH_BIND_SAMPLES'] ?? 300));
  console.log(
    `bind floor (fastify + SQLite + etcd3, no gluon): p50 ${result.bind.p50} ms, p99 ${result.bind.p99} ms (target ${result.targetP50} ms for raw put → event p50 ${result.putToEvent.p50} ms); ` +
      `server CPU per bind ${result.serverCpuPerBindMs} ms (load average ${result.load1})`,
  );
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}bind-floor.json`, `${JSON.stringify(result, null, 2)}\n`);
}
