/**
 * `npm run bench`: port create, get one and list 1000 against the bare baseline and
 * the gluon reference server, on SQLite and MariaDB. Prints a table and the ratios,
 * and writes `bench/results/latest.json`.
 *
 * Environment: `BENCH_QUICK=1` (SQLite, 2 s per case, one run), `BENCH_DB=sqlite|mariadb`,
 * `BENCH_CASES=create,get,list`, `BENCH_DURATION=<s>`, `BENCH_RUNS=<n>`, `BENCH_PROFILE=1|all` (the gluon server,
 * or both, under `node --cpu-prof`; profiles in `bench/results/prof/<server>/`; summarize them with
 * `bench/profile-summary.ts`), `BENCH_GLUON_FROM=src|dist` (which gluon build to load),
 * `BENCH_MODELS=<dir>` (models folder instead of the bundled `models/`), `BENCH_SHIM=1` (then the
 * shim SDK figures of `bench/shim.ts`), `BENCH_FACADE=1` (Neutron facade overhead of `bench/facade.ts`),
 * `BENCH_BIND=1` (first: the bind round trip of `bench/bind.ts`), `BENCH_ALLOCATION=0` (skips the address
 * allocation figures of `bench/allocation.ts`; `BENCH_ALLOC_CREATES`, `BENCH_ALLOC_IN_FLIGHT`, `BENCH_ALLOC_PREFILL`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PARAMS, QUICK_PARAMS, runBench } from './harness.js';
import { formatFailures, formatTable } from './report.js';
import { CASES } from './types.js';
import type { BenchParams, CaseName, DbKind } from './types.js';

function paramsFromEnv(env: NodeJS.ProcessEnv): BenchParams {
  let params = env['BENCH_QUICK'] === '1' ? QUICK_PARAMS : DEFAULT_PARAMS;
  const db = env['BENCH_DB'];
  if (db !== undefined && db !== '') {
    const kinds = db.split(',').map((kind) => kind.trim());
    for (const kind of kinds) {
      if (kind !== 'sqlite' && kind !== 'mariadb') throw new Error(`BENCH_DB: "${kind}" is not a database kind; use sqlite, mariadb or both comma-separated`);
    }
    params = { ...params, databases: kinds as DbKind[] };
  }
  const cases = env['BENCH_CASES'];
  if (cases !== undefined && cases !== '') {
    const names = cases.split(',').map((name) => name.trim());
    for (const name of names) {
      if (!(CASES as readonly string[]).includes(name)) throw new Error(`BENCH_CASES: "${name}" is not a case; use ${CASES.join(', ')} (comma-separated)`);
    }
    params = { ...params, cases: names as CaseName[] };
  }
  const number = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name}: "${raw}" must be a number ≥ ${min}`);
    return value;
  };
  const duration = number('BENCH_DURATION', 0.5);
  const runs = number('BENCH_RUNS', 1);
  if (duration !== undefined) params = { ...params, duration };
  if (runs !== undefined) params = { ...params, runs: Math.floor(runs) };
  return params;
}

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const params = paramsFromEnv(process.env);
const profileMode = process.env['BENCH_PROFILE'] ?? '';
const profile = profileMode === '1' || profileMode === 'all';
const profDir = `${resultsDir}prof`;
if (profile) mkdirSync(profDir, { recursive: true });

// Bind round trip (PUT bind → etcd → dummy shim → etcd → response) against raw etcd put →
// watch event (BENCH_BIND=1 runs it). A latency figure: it runs first, before the
// throughput cases load the machine (MariaDB keeps purging and flushing for minutes after them).
if (process.env['BENCH_BIND'] === '1') {
  const { main: runBind } = await import('./bind.js');
  await runBind((line) => console.log(line), Number(process.env['BENCH_BIND_SAMPLES'] ?? (params === QUICK_PARAMS ? 100 : 300)));
}

console.log(
  `gluon-net bench: ${params.databases.join(', ')} × ${params.servers.join(', ')}; ${params.connections} connections, ` +
    `${params.duration} s per case after ${params.warmup} s warm-up, ${params.runs} interleaved run(s), ${params.seed} seeded ports`,
);
const gluonFrom = process.env['BENCH_GLUON_FROM'];
const result = await runBench(params, {
  log: (line) => console.log(line),
  ...(gluonFrom === 'src' || gluonFrom === 'dist' ? { gluonFrom } : {}),
  ...(profile
    ? {
        execArgv: {
          gluon: ['--cpu-prof', `--cpu-prof-dir=${profDir}/gluon`],
          ...(profileMode === 'all' ? { baseline: ['--cpu-prof', `--cpu-prof-dir=${profDir}/baseline`] } : {}),
        },
      }
    : {}),
});
console.log('');
console.log(formatTable(result));
const { before, after } = result.machine.loadAverage;
console.log(`\nload average (1 min) ${before.toFixed(2)} → ${after.toFixed(2)} on ${result.machine.cpus} CPUs${Math.max(before, after) > result.machine.cpus * 0.75 ? ': the box was busy, figures are depressed and noisy' : ''}`);
for (const warning of formatFailures(result)) console.log(warning);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: bench/results/latest.json${profile ? `; CPU profiles: bench/results/prof/` : ''}`);

// Shim SDK figures (informer relist of 100k objects, etcd put → watch event latency): BENCH_SHIM=1
if (process.env['BENCH_SHIM'] === '1') {
  const { runShimBench, formatShimBench } = await import('./shim.js');
  const shim = await runShimBench({ log: (line) => console.log(line) });
  console.log(`\n${formatShimBench(shim)}`);
  writeFileSync(`${resultsDir}shim.json`, `${JSON.stringify(shim, null, 2)}\n`);
}

// Backend drivers: getPorts over 10,000 Gluon ports, batched vs one request per port (BENCH_DRIVERS=0 skips it).
if (process.env['BENCH_DRIVERS'] !== '0') {
  const { runDriversBench, formatDriversBench } = await import('./drivers.js');
  const drivers = await runDriversBench(Number(process.env['BENCH_DRIVER_PORTS'] ?? (params === QUICK_PARAMS ? 1000 : 10_000)), (line) => console.log(line));
  console.log(`\n${formatDriversBench(drivers)}`);
  writeFileSync(`${resultsDir}drivers.json`, `${JSON.stringify(drivers, null, 2)}\n`);
}

// etcd mirror: publisher (outbox → etcd) vs raw etcd3 txns of 100, API create mirror on/off (BENCH_MIRROR=0 skips it).
if (process.env['BENCH_MIRROR'] !== '0') {
  const { runMirrorBench, formatMirrorResult } = await import('./mirror.js');
  const mirror = await runMirrorBench((line) => console.log(line));
  console.log(`\n${formatMirrorResult(mirror)}`);
  writeFileSync(`${resultsDir}mirror.json`, `${JSON.stringify(mirror, null, 2)}\n`);
}


// Neutron facade overhead: proxied GET of a non-Gluon port vs Neutron directly (BENCH_FACADE=1 runs it; needs neutron-server).
if (process.env['BENCH_FACADE'] === '1') {
  const { runFacadeBench, formatFacadeBench } = await import('./facade.js');
  const facade = await runFacadeBench(params === QUICK_PARAMS ? { duration: 3, runs: 1 } : {}, (line) => console.log(line));
  console.log(`\n${formatFacadeBench(facade)}`);
  writeFileSync(`${resultsDir}facade.json`, `${JSON.stringify(facade, null, 2)}\n`);
}

// Address allocation under contention: VpnBinding creates drawing ipaddress from the VPN's pool vs explicit addresses (BENCH_ALLOCATION=0 skips it).
if (process.env['BENCH_ALLOCATION'] !== '0') {
  const { runAllocationBench, formatAllocationBench } = await import('./allocation.js');
  const inFlightCount = Number(process.env['BENCH_ALLOC_IN_FLIGHT'] ?? 32);
  const allocation = await runAllocationBench((line) => console.log(line), {
    creates: Number(process.env['BENCH_ALLOC_CREATES'] ?? (params === QUICK_PARAMS ? 400 : 1000)),
    inFlight: inFlightCount,
    prefill: Number(process.env['BENCH_ALLOC_PREFILL'] ?? 0),
  });
  console.log(`\n${formatAllocationBench(allocation, inFlightCount)}`);
  writeFileSync(`${resultsDir}allocation.json`, `${JSON.stringify(allocation, null, 2)}\n`);
}
