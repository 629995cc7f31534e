/**
 * `npm run bench`: every benchmark of `bench/` in one run, then `bench/results/summary.json`
 * (the goals of bench/summary.ts, each with its figure, same-run baseline and whether it is
 * met) and its table. Each part prints its own table and writes `bench/results/<part>.json`.
 *
 * Parts, in the order they run (latency figures first, before the throughput cases load the
 * machine): `bind` (bench/bind.ts), `storm` (bench/storm.ts), `footprint` (bench/footprint.ts),
 * `http` (create, get one, list 1000 against the bare baseline: bench/harness.ts, writes
 * `latest.json`), `shim` (bench/shim.ts), `drivers`, `mirror`, `facade` (needs neutron-server;
 * off unless asked for) and `allocation`.
 *
 *   npm run bench -- --only storm,footprint     # just these parts
 *   npm run bench -- --skip shim,allocation     # everything else
 *
 * `BENCH_ONLY` / `BENCH_SKIP` do the same; `BENCH_<PART>=0` skips a part, `BENCH_<PART>=1`
 * adds one (e.g. `BENCH_FACADE=1`).
 *
 * HTTP cases: `BENCH_QUICK=1` (SQLite, 2 s per case, one run; smaller sizes for the other parts too),
 * `BENCH_DB=sqlite|mariadb`, `BENCH_CASES=create,get,list`, `BENCH_DURATION=<s>`, `BENCH_RUNS=<n>`,
 * `BENCH_PROFILE=1|all` (the gluon server, or both, under `node --cpu-prof`; profiles in
 * `bench/results/prof/<server>/`; summarize them with `bench/profile-summary.ts`),
 * `BENCH_GLUON_FROM=src|dist` (which gluon build to load), `BENCH_MODELS=<dir>` (models folder
 * instead of the bundled `models/`). Each other part reads its own `BENCH_*` sizes (see its file;
 * allocation: `BENCH_ALLOC_CREATES`, `BENCH_ALLOC_IN_FLIGHT`, `BENCH_ALLOC_PREFILL`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PARAMS, QUICK_PARAMS, runBench } from './harness.js';
import { formatFailures, formatTable } from './report.js';
import { partsFrom, type Part } from './parts.js';
import { buildSummary, formatSummary, type Measurements } from './summary.js';
import { CASES } from './types.js';
import type { BenchParams, BenchResult, CaseName, DbKind } from './types.js';

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
const log = (line: string): void => console.log(line);
const params = paramsFromEnv(process.env);
const quick = params === QUICK_PARAMS || process.env['BENCH_QUICK'] === '1';
const parts = partsFrom(process.argv.slice(2), process.env);
mkdirSync(resultsDir, { recursive: true });
const save = (name: string, value: unknown): void => writeFileSync(`${resultsDir}${name}.json`, `${JSON.stringify(value, null, 2)}\n`);
log(`gluon-net bench: parts ${parts.join(', ')}`);

/** The HTTP cases: create, get one and list 1000 against the bare baseline. */
async function httpPart(): Promise<BenchResult> {
  const profileMode = process.env['BENCH_PROFILE'] ?? '';
  const profile = profileMode === '1' || profileMode === 'all';
  const profDir = `${resultsDir}prof`;
  if (profile) mkdirSync(profDir, { recursive: true });
  log(
    `HTTP cases: ${params.databases.join(', ')} × ${params.servers.join(', ')}; ${params.connections} connections, ` +
      `${params.duration} s per case after ${params.warmup} s warm-up, ${params.runs} interleaved run(s), ${params.seed} seeded ports`,
  );
  const gluonFrom = process.env['BENCH_GLUON_FROM'];
  const result = await runBench(params, {
    log,
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
  log(`\n${formatTable(result)}`);
  const { before, after } = result.machine.loadAverage;
  log(`\nload average (1 min) ${before.toFixed(2)} → ${after.toFixed(2)} on ${result.machine.cpus} CPUs${Math.max(before, after) > result.machine.cpus * 0.75 ? ': the box was busy, figures are depressed and noisy' : ''}`);
  for (const warning of formatFailures(result)) log(warning);
  save('latest', result);
  log(`\nwritten: bench/results/latest.json${profile ? '; CPU profiles: bench/results/prof/' : ''}`);
  return result;
}

/** Runs one part; returns what the summary reads from it (nothing for the parts it does not read). */
async function runPart(part: Part, into: { -readonly [K in keyof Measurements]: Measurements[K] }): Promise<void> {
  switch (part) {
    case 'bind': {
      // PUT bind → etcd → dummy shim → etcd → response, against raw etcd put → watch event (writes bind.json)
      const { main: runBind } = await import('./bind.js');
      into.bind = await runBind(log, Number(process.env['BENCH_BIND_SAMPLES'] ?? (quick ? 100 : 300)));
      return;
    }
    case 'storm': {
      const { runStormBench, formatStormBench, stormParamsFromEnv } = await import('./storm.js');
      into.storm = await runStormBench(stormParamsFromEnv(process.env), log);
      log(`\n${formatStormBench(into.storm)}`);
      save('storm', into.storm);
      return;
    }
    case 'footprint': {
      const { runFootprintBench, formatFootprintBench, footprintParamsFromEnv } = await import('./footprint.js');
      into.footprint = await runFootprintBench(footprintParamsFromEnv(process.env), log);
      log(`\n${formatFootprintBench(into.footprint)}`);
      save('footprint', into.footprint);
      return;
    }
    case 'http':
      into.http = await httpPart();
      return;
    case 'shim': {
      // informer list and relist of 100k objects against the raw paged read, etcd put → watch event
      const { runShimBench, formatShimBench } = await import('./shim.js');
      const objects = process.env['BENCH_SHIM_OBJECTS'];
      into.shim = await runShimBench({ log, ...(objects !== undefined && objects !== '' ? { objects: Number(objects) } : quick ? { objects: 20_000 } : {}) });
      log(`\n${formatShimBench(into.shim)}`);
      save('shim', into.shim);
      return;
    }
    case 'drivers': {
      // getPorts over 10,000 Gluon ports, batched vs one request per port
      const { runDriversBench, formatDriversBench } = await import('./drivers.js');
      const drivers = await runDriversBench(Number(process.env['BENCH_DRIVER_PORTS'] ?? (quick ? 1000 : 10_000)), log);
      log(`\n${formatDriversBench(drivers)}`);
      save('drivers', drivers);
      return;
    }
    case 'mirror': {
      // publisher (outbox → etcd) vs raw etcd3 txns of 100; API create mirror on / off / bare baseline
      const { runMirrorBench, formatMirrorResult } = await import('./mirror.js');
      into.mirror = await runMirrorBench(log);
      log(`\n${formatMirrorResult(into.mirror)}`);
      save('mirror', into.mirror);
      return;
    }
    case 'facade': {
      // proxied GET of a non-Gluon port vs Neutron directly (needs neutron-server)
      const { runFacadeBench, formatFacadeBench } = await import('./facade.js');
      const facade = await runFacadeBench(quick ? { duration: 3, runs: 1 } : {}, log);
      log(`\n${formatFacadeBench(facade)}`);
      save('facade', facade);
      return;
    }
    case 'allocation': {
      // VpnBinding creates drawing ipaddress from the VPN's pool vs explicit addresses
      const { runAllocationBench, formatAllocationBench } = await import('./allocation.js');
      const inFlightCount = Number(process.env['BENCH_ALLOC_IN_FLIGHT'] ?? 32);
      const allocation = await runAllocationBench(log, {
        creates: Number(process.env['BENCH_ALLOC_CREATES'] ?? (quick ? 400 : 1000)),
        inFlight: inFlightCount,
        prefill: Number(process.env['BENCH_ALLOC_PREFILL'] ?? 0),
      });
      log(`\n${formatAllocationBench(allocation, inFlightCount)}`);
      save('allocation', allocation);
      return;
    }
  }
}

const measured: { -readonly [K in keyof Measurements]: Measurements[K] } = {};
const failed: string[] = [];
for (const part of parts) {
  log(`\n== ${part} ==`);
  try {
    await runPart(part, measured);
  } catch (err) {
    failed.push(part);
    log(`bench: part "${part}" failed: ${(err as Error).stack ?? String(err)}`);
  }
}

const summary = buildSummary(measured);
save('summary', summary);
log(`\n== summary (bench/results/summary.json; \`npm run docs:bench\` puts it into docs/benchmarks.md) ==\n\n${formatSummary(summary)}`);
if (failed.length > 0) {
  log(`\nfailed parts: ${failed.join(', ')}`);
  process.exitCode = 1;
}
