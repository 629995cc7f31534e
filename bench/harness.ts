import { cpus, loadavg } from 'node:os';
import { createBenchDatabase } from './databases.js';
import { runLoad } from './load.js';
import { checkList, seedPorts, settle } from './seed.js';
import { cpuSeconds, startServer } from './server-process.js';
import { summarize } from './stats.js';
import { CASES } from './types.js';
import type { BenchParams, BenchResult, CaseName, DbKind, DbResult, Ratios, Sample, ServerKind } from './types.js';

/** The full run: both databases, both servers, ~7 s per case, 2 interleaved runs (≈3.5 min). */
export const DEFAULT_PARAMS: BenchParams = {
  databases: ['sqlite', 'mariadb'],
  servers: ['baseline', 'gluon'],
  cases: CASES,
  duration: 7,
  warmup: 1,
  connections: 16,
  runs: 2,
  seed: 1000,
};

/** The smoke-test run: SQLite only, 2 s per case, one run. */
export const QUICK_PARAMS: BenchParams = {
  databases: ['sqlite'],
  servers: ['baseline', 'gluon'],
  cases: CASES,
  duration: 2,
  warmup: 1,
  connections: 16,
  runs: 1,
  seed: 1000,
};

/** Hooks of {@link runBench}. */
export interface HarnessHooks {
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Extra `node` flags per server kind (e.g. `--cpu-prof` for gluon). */
  readonly execArgv?: Partial<Record<ServerKind, readonly string[]>>;
  /**
   * Which gluon build the gluon server loads: `dist` (the built package) or `src` (the
   * TypeScript sources). Default: `src`.
   */
  readonly gluonFrom?: 'src' | 'dist';
}

type Collected = Record<ServerKind, Record<CaseName, Sample[]>>;

function emptyCollected(): Collected {
  const perCase = (): Record<CaseName, Sample[]> => ({ create: [], get: [], list: [] });
  return { baseline: perCase(), gluon: perCase() };
}

function formatSample(sample: Sample): string {
  const failures = sample.non2xx + sample.errors > 0 ? `  (${sample.non2xx} non-2xx, ${sample.errors} errors)` : '';
  const cpu = sample.cpuMs === undefined ? '' : `, CPU ${sample.cpuMs.toFixed(2)} ms/req`;
  return `${sample.rps.toFixed(0)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms${cpu}  (load ${sample.load1.toFixed(1)})${failures}`;
}

/** One server process on a fresh database: seed, then every case with its warm-up. */
async function measureServer(db: DbKind, server: ServerKind, params: BenchParams, hooks: HarnessHooks, into: Collected): Promise<void> {
  const log = hooks.log ?? (() => undefined);
  const database = await createBenchDatabase(db);
  try {
    const execArgv = hooks.execArgv?.[server] ?? [];
    const env: Record<string, string> = hooks.gluonFrom === undefined ? {} : { BENCH_GLUON_FROM: hooks.gluonFrom };
    const proc = await startServer(server, { db: database.url, host: '127.0.0.1' }, { execArgv, env });
    try {
      const ids = await seedPorts(proc.url, proc.portsPath, params.seed, 0);
      await checkList(proc.url, proc.portsPath, Math.min(params.seed, 1000));
      for (const name of CASES.filter((c) => params.cases.includes(c))) {
        const load = { url: proc.url, portsPath: proc.portsPath, ids, connections: params.connections };
        const probe = ids[0] ?? '';
        if (params.warmup > 0) {
          await settle(proc.url, proc.portsPath, probe);
          await runLoad(name, { ...load, duration: params.warmup });
        }
        await settle(proc.url, proc.portsPath, probe);
        const cpu0 = cpuSeconds(proc.pid);
        const measured = await runLoad(name, { ...load, duration: params.duration });
        const responses = measured.rps * params.duration;
        const cpuMs = ((cpuSeconds(proc.pid) - cpu0) * 1000) / Math.max(1, responses);
        const sample = Number.isFinite(cpuMs) ? { ...measured, cpuMs } : measured;
        into[server][name].push(sample);
        log(`  ${db.padEnd(7)} ${server.padEnd(8)} ${name.padEnd(6)} ${formatSample(sample)}`);
      }
    } finally {
      await proc.stop();
    }
  } finally {
    await database.drop();
  }
}

/** gluon req/s ÷ baseline req/s for every case both servers measured. */
export function ratiosOf(result: DbResult): Ratios {
  const ratios: Ratios = {};
  for (const name of CASES) {
    const gluon = result.gluon[name];
    const baseline = result.baseline[name];
    if (gluon !== undefined && baseline !== undefined && baseline.rps > 0) ratios[name] = gluon.rps / baseline.rps;
  }
  return ratios;
}

/**
 * Runs the benchmark: for each database, `runs` rounds of (baseline, gluon) one
 * process at a time, each on a fresh database seeded with `seed` ports, measuring
 * get one, list 1000 and create with autocannon. Reports medians over the runs.
 */
export async function runBench(params: BenchParams = DEFAULT_PARAMS, hooks: HarnessHooks = {}): Promise<BenchResult> {
  const date = new Date().toISOString();
  const loadBefore = loadavg()[0] ?? 0;
  const databases: Partial<Record<DbKind, DbResult>> = {};
  const ratios: Partial<Record<DbKind, Ratios>> = {};
  for (const db of params.databases) {
    const collected = emptyCollected();
    for (let run = 1; run <= params.runs; run++) {
      hooks.log?.(`${db}: run ${run}/${params.runs}`);
      for (const server of params.servers) await measureServer(db, server, params, hooks, collected);
    }
    const result: DbResult = { baseline: {}, gluon: {} };
    for (const server of params.servers) {
      for (const name of CASES) {
        const runs = collected[server][name];
        if (runs.length > 0) result[server][name] = summarize(runs);
      }
    }
    databases[db] = result;
    ratios[db] = ratiosOf(result);
  }
  const cpuList = cpus();
  return {
    date,
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    },
    params,
    databases,
    ratios,
  };
}
