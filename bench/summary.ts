/**
 * The one summary the benchmarks keep: `npm run bench` writes `bench/results/summary.json`,
 * a list of {@link SummaryEntry} — one per goal of {@link SUMMARY_GOALS}, in that order,
 * each with its figure, its same-run baseline, the ratio and whether the goal is met.
 * `npm run docs:bench` renders it into docs/benchmarks.md.
 *
 * The goals are declared here once; an id whose measurement a (partial) run did not take
 * is still listed, with `value: null`, `met: false` and the `reason`.
 */
import type { BindBenchResult } from './bind.js';
import { bindTargetP50 } from './bind-target.js';
import type { FootprintResult } from './footprint.js';
import type { MirrorBenchResult } from './mirror.js';
import type { ShimBenchResult } from './shim.js';
import type { StormResult } from './storm.js';
import type { BenchResult, CaseName, DbKind } from './types.js';

/** What one run measured: each part's result, absent when the part did not run. */
export interface Measurements {
  /** `npm run bench`'s HTTP cases (create, get, list against the bare baseline). */
  readonly http?: BenchResult;
  readonly bind?: BindBenchResult;
  readonly storm?: StormResult;
  readonly footprint?: FootprintResult;
  readonly mirror?: MirrorBenchResult;
  readonly shim?: ShimBenchResult;
}

/** How a goal compares: the ratio or the value, at least or at most the target. */
export interface Goal {
  /** Which figure is compared with the target. */
  readonly on: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  /** The threshold; null when it derives from a baseline this run did not measure. */
  readonly target: number | null;
  /** The goal as the issue states it, e.g. `ratio ≥ 0.90`. */
  readonly text: string;
}

/** One line of `summary.json`. */
export interface SummaryEntry {
  readonly id: string;
  /** What the figure is, in words. */
  readonly what: string;
  readonly value: number | null;
  readonly unit: string;
  /** The same-run reference the value is compared with (null when there is none). */
  readonly baseline: number | null;
  /** What the baseline is, in words. */
  readonly baselineWhat: string | null;
  /** value ÷ baseline, 3 decimals (null without both). */
  readonly ratio: number | null;
  readonly goal: Goal;
  readonly met: boolean;
  /** Why the goal is not met although (or because) nothing was compared: not measured, failures. */
  readonly reason?: string;
  /** 1-minute load average of the part that measured it. */
  readonly load1?: number;
}

/** A figure a goal derives from one run. */
export interface Derived {
  readonly value: number;
  readonly baseline: number | null;
  readonly load1?: number;
  /** Set when the measurement is unusable for the goal (e.g. binds failed): then `met` is false. */
  readonly invalid?: string;
}

/** A declared goal: its id, units, comparison and how to read its figure from a run. */
export interface GoalSpec {
  readonly id: string;
  readonly what: string;
  readonly unit: string;
  readonly baselineWhat: string | null;
  readonly on: Goal['on'];
  readonly op: Goal['op'];
  /** The threshold, or how it follows from the baseline (bind p50 ≤ 2 × raw + 0.5 ms). */
  readonly target: number | ((baseline: number) => number);
  readonly text: string;
  /** The figure, or a sentence saying which part did not run. */
  derive(m: Measurements): Derived | string;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Each part in words, for the reason of a goal whose part did not run. */
const PART_NAMES: Readonly<Record<keyof Measurements, string>> = {
  http: 'the HTTP cases',
  bind: 'the bind benchmark',
  storm: 'the boot-storm benchmark',
  footprint: 'the footprint benchmark',
  mirror: 'the mirror benchmark',
  shim: 'the shim SDK benchmark',
};

/** A goal's `derive` that reads the result of `part`, or says that the part did not run. */
function fromPart<K extends keyof Measurements>(part: K, read: (result: NonNullable<Measurements[K]>) => Derived | string): (m: Measurements) => Derived | string {
  return (m) => {
    const result = m[part];
    return result === undefined ? `${PART_NAMES[part]} did not run (part "${part}")` : read(result);
  };
}

/** gluon vs bare baseline req/s of one HTTP case. */
function httpCase(db: DbKind, name: CaseName) {
  return fromPart('http', (http) => {
    const perDb = http.databases[db];
    const gluon = perDb?.gluon[name];
    const baseline = perDb?.baseline[name];
    if (gluon === undefined || baseline === undefined) return `the ${name} case on ${db} was not measured (BENCH_DB / BENCH_CASES)`;
    const failures = gluon.non2xx + gluon.errors + baseline.non2xx + baseline.errors;
    return { value: gluon.rps, baseline: baseline.rps, load1: gluon.load1, ...(failures > 0 ? { invalid: `${failures} requests failed (non-2xx or connection errors)` } : {}) };
  });
}

const httpGoal = (db: DbKind, name: CaseName, target: number): GoalSpec => ({
  id: `${name}_vs_baseline_${db}`,
  what: `gluon ${name === 'list' ? 'list 1000' : name === 'get' ? 'get one port' : 'port create'} on ${db === 'sqlite' ? 'SQLite' : 'MariaDB'}, 16 connections`,
  unit: 'req/s',
  baselineWhat: `bare fastify + Sequelize baseline, same case and database`,
  on: 'ratio',
  op: '>=',
  target,
  text: `ratio ≥ ${target.toFixed(2)}`,
  derive: httpCase(db, name),
});

const API_CREATE_MISSING = 'the API create runs did not run (BENCH_MIRROR_PARTS)';
const PROCESSES_MISSING = 'the 3-process topology did not run (BENCH_BIND_TOPOLOGY)';

/** Every goal of the summary, in the order `summary.json` lists them. Ids are stable. */
export const SUMMARY_GOALS: readonly GoalSpec[] = [
  {
    id: 'create_mirror_on_vs_off',
    what: 'port create on SQLite with the etcd mirror on, 16 connections',
    unit: 'req/s',
    baselineWhat: 'the same server with the mirror off',
    on: 'ratio', op: '>=', target: 0.9, text: 'ratio ≥ 0.90',
    derive: fromPart('mirror', (mirror) => (mirror.apiCreateRuns.on.length === 0 ? API_CREATE_MISSING : { value: mirror.apiCreate.on, baseline: mirror.apiCreate.off, load1: mirror.load1 })),
  },
  {
    id: 'create_vs_baseline_sqlite',
    what: 'port create on SQLite with the mirror off, 16 connections',
    unit: 'req/s',
    baselineWhat: 'bare fastify + Sequelize baseline, in the same rotation',
    on: 'ratio', op: '>=', target: 1.5, text: 'ratio ≥ 1.50',
    derive: fromPart('mirror', (mirror) => (mirror.apiCreateRuns.baseline.length === 0 ? API_CREATE_MISSING : { value: mirror.apiCreate.off, baseline: mirror.apiCreate.baseline, load1: mirror.load1 })),
  },
  httpGoal('mariadb', 'create', 1),
  httpGoal('mariadb', 'get', 1),
  httpGoal('sqlite', 'list', 1.5),
  httpGoal('mariadb', 'list', 1),
  {
    id: 'bind_p50_vs_raw',
    what: 'bind round trip p50, gluon serve + gluon shim run + client (3 processes)',
    unit: 'ms',
    baselineWhat: 'raw etcd put → watch event p50, same etcd, interleaved',
    on: 'value', op: '<=', target: bindTargetP50, text: 'value ≤ 2 × baseline + 0.5 ms',
    derive: fromPart('bind', (bind) => {
      const run = bind.runs.find((r) => r.topology === 'processes');
      return run === undefined ? PROCESSES_MISSING : { value: run.bind.p50, baseline: run.putToEvent.p50, load1: bind.load1 };
    }),
  },
  {
    id: 'bind_cpu_ms',
    what: 'gluon serve CPU time per bind (3 processes)',
    unit: 'ms',
    baselineWhat: null,
    on: 'value', op: '<=', target: 1, text: 'value ≤ 1 ms',
    derive: fromPart('bind', (bind) => {
      const cpu = bind.runs.find((r) => r.topology === 'processes')?.cpuPerBindMs['server'];
      return cpu === undefined || !Number.isFinite(cpu) ? PROCESSES_MISSING : { value: cpu, baseline: null, load1: bind.load1 };
    }),
  },
  {
    id: 'storm_binds_per_s',
    what: 'boot storm through gluon arbiter: binds completed per second (1,000 ports, 64 in flight, 2 hosts)',
    unit: 'binds/s',
    baselineWhat: 'raw etcd put → watch event round trips per second, 64 in flight, same etcd',
    on: 'value', op: '>=', target: 500, text: 'value ≥ 500 binds/s',
    derive: fromPart('storm', (storm) => ({ value: storm.storm.perSecond, baseline: storm.raw.perSecond, load1: storm.load.after, ...stormInvalid(storm) })),
  },
  {
    id: 'storm_p99_ms',
    what: 'boot storm: p99 of GET + PUT binding + GET until bound per port',
    unit: 'ms',
    baselineWhat: 'raw etcd put → watch event p99, 64 in flight, same etcd',
    on: 'value', op: '<=', target: 100, text: 'value ≤ 100 ms',
    derive: fromPart('storm', (storm) => ({ value: storm.storm.latency.p99, baseline: storm.raw.latency.p99, load1: storm.load.after, ...stormInvalid(storm) })),
  },
  {
    id: 'rss_idle_mb',
    what: 'gluon serve (SQLite, etcd mirror) resident memory, idle',
    unit: 'MB',
    baselineWhat: 'bare fastify + Sequelize baseline, idle',
    on: 'value', op: '<=', target: 100, text: 'value ≤ 100 MB',
    derive: fromPart('footprint', (f) => ({ value: f.gluon.idleMb, baseline: f.baseline.idleMb, load1: f.load1 })),
  },
  {
    id: 'rss_peak_10k_mb',
    what: 'gluon serve peak resident memory (VmHWM) after 10,000 port creates at 4 connections',
    unit: 'MB',
    baselineWhat: 'bare fastify + Sequelize baseline, same creates',
    on: 'value', op: '<=', target: 150, text: 'value ≤ 150 MB',
    derive: fromPart('footprint', (f) => {
      const short = f.gluon.created < f.params.ports ? `only ${f.gluon.created} of ${f.params.ports} creates succeeded` : f.params.ports < 10_000 ? `a reduced run: ${f.params.ports} creates, not 10,000` : undefined;
      return { value: f.gluon.peakMb, baseline: f.baseline.peakMb, load1: f.load1, ...(short === undefined ? {} : { invalid: short }) };
    }),
  },
  {
    id: 'shim_rss_idle_mb',
    what: 'gluon shim run (dummy shim) resident memory, idle',
    unit: 'MB',
    baselineWhat: 'plain node with the etcd3 client watching the same prefix',
    on: 'value', op: '<=', target: 60, text: 'value ≤ 60 MB',
    derive: fromPart('footprint', (f) => ({ value: f.shim.idleMb, baseline: f.shim.floorIdleMb, load1: f.load1 })),
  },
  {
    id: 'relist_vs_raw',
    what: 'informer relist of 100,000 objects after compaction, warm cache',
    unit: 'ms',
    baselineWhat: 'raw paged etcd range read of the same prefix',
    on: 'ratio', op: '<=', target: 1.3, text: 'ratio ≤ 1.30',
    derive: fromPart('shim', (shim) => {
      const reduced = shim.objects < 100_000 ? { invalid: `a reduced run: ${shim.objects} objects, not 100,000` } : {};
      return { value: shim.relistMs, baseline: shim.relistRawMs ?? shim.rawListMs, ...(shim.load1 === undefined ? {} : { load1: shim.load1 }), ...reduced };
    }),
  },
];

function stormInvalid(storm: StormResult): { invalid?: string } {
  if (storm.failures > 0) return { invalid: `${storm.failures} binds failed${storm.firstFailure === undefined ? '' : ` (first: ${storm.firstFailure})`}` };
  if (storm.params.ports !== 1000 || storm.params.inFlight !== 64) return { invalid: `a reduced run: ${storm.params.ports} ports at ${storm.params.inFlight} in flight, not 1,000 at 64` };
  return {};
}

/** The ids of every goal, in order. */
export const SUMMARY_IDS: readonly string[] = SUMMARY_GOALS.map((g) => g.id);

/** Whether `figure` meets `op target`. */
export function meets(figure: number, goal: { readonly op: Goal['op']; readonly target: number }): boolean {
  return goal.op === '>=' ? figure >= goal.target : figure <= goal.target;
}

/** One entry from its goal and what the run measured. */
export function summaryEntry(spec: GoalSpec, m: Measurements): SummaryEntry {
  const derived = spec.derive(m);
  const base = { id: spec.id, what: spec.what, unit: spec.unit, baselineWhat: spec.baselineWhat };
  const fixedTarget = typeof spec.target === 'number' ? spec.target : null;
  if (typeof derived === 'string') {
    return { ...base, value: null, baseline: null, ratio: null, goal: { on: spec.on, op: spec.op, target: fixedTarget, text: spec.text }, met: false, reason: `not measured: ${derived}` };
  }
  const { value, baseline } = derived;
  const ratio = baseline !== null && baseline > 0 ? round(value / baseline) : null;
  const target = typeof spec.target === 'number' ? spec.target : baseline === null ? null : spec.target(baseline);
  const goal: Goal = { on: spec.on, op: spec.op, target, text: spec.text };
  const figure = spec.on === 'ratio' ? ratio : value;
  const compared = figure !== null && target !== null && Number.isFinite(figure) ? meets(figure, { op: spec.op, target }) : false;
  const reason = derived.invalid ?? (figure === null || target === null ? 'no baseline to compare with' : undefined);
  return {
    ...base,
    value: round(value),
    baseline: baseline === null ? null : round(baseline),
    ratio,
    goal,
    met: compared && derived.invalid === undefined,
    ...(reason === undefined ? {} : { reason }),
    ...(derived.load1 === undefined ? {} : { load1: round(derived.load1, 2) }),
  };
}

/** The summary of one run: every declared goal, in order. */
export function buildSummary(m: Measurements, goals: readonly GoalSpec[] = SUMMARY_GOALS): SummaryEntry[] {
  return goals.map((spec) => summaryEntry(spec, m));
}

function figure(x: number | null, unit: string): string {
  if (x === null) return '—';
  const text = Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : Math.abs(x) >= 10 ? x.toFixed(1) : String(round(x, 2));
  return unit === '' ? text : `${text} ${unit}`;
}

/** The summary as a markdown table (what docs/benchmarks.md shows). */
export function formatSummary(entries: readonly SummaryEntry[]): string {
  const rows = entries.map((e) => {
    const goal = e.goal.target === null ? e.goal.text : `${e.goal.text}${typeof e.goal.target === 'number' && e.goal.text.includes('baseline +') ? ` (= ${e.goal.target} ${e.unit})` : ''}`;
    const met = e.met ? 'yes' : e.value === null ? 'not measured' : `no${e.reason === undefined ? '' : ` (${e.reason})`}`;
    return `| \`${e.id}\` | ${e.what} | ${figure(e.value, e.unit)} | ${figure(e.baseline, e.unit)} | ${e.ratio ?? '—'} | ${goal} | ${met} | ${e.load1 ?? '—'} |`;
  });
  return ['| id | figure | value | baseline | ratio | goal | met | load (1 min) |', '|---|---|---:|---:|---:|---|---|---:|', ...rows].join('\n');
}
