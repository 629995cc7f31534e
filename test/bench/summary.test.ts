/**
 * The benchmark summary (bench/summary.ts): every declared goal is listed whether or not a
 * run measured it, goals compare in both directions (≥ and ≤, on the ratio or the value),
 * and docs/benchmarks.md shows a table with exactly the declared ids.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { partsFrom } from '../../bench/parts.js';
import { SUMMARY_GOALS, SUMMARY_IDS, buildSummary, formatSummary, summaryEntry, type GoalSpec, type Measurements, type SummaryEntry } from '../../bench/summary.js';
import { BEGIN, END, withSummary } from '../../scripts/gen-bench-doc.js';

const goal = (id: string): GoalSpec => {
  const spec = SUMMARY_GOALS.find((g) => g.id === id);
  if (spec === undefined) throw new Error(`no goal ${id}`);
  return spec;
};

/** Only the fields of each part's result that the summary reads. */
const measured = (parts: Record<string, unknown>): Measurements => parts as Measurements;

const mirror = (on: number, off: number, baseline: number) =>
  measured({ mirror: { apiCreate: { on, off, onMemory: on, baseline }, apiCreateRuns: { on: [on], off: [off], onMemory: [on], baseline: [baseline] }, load1: 1.5 } });
const shim = (relistMs: number, rawListMs: number) => measured({ shim: { relistMs, rawListMs, objects: 100_000 } });
const bind = (p50: number, raw: number) =>
  measured({ bind: { load1: 1, runs: [{ topology: 'processes', bind: { p50 }, putToEvent: { p50: raw }, cpuPerBindMs: { server: 0.8 } }] } });
const storm = (perSecond: number, p99: number, extra: Record<string, unknown> = {}) =>
  measured({ storm: { params: { ports: 1000, inFlight: 64 }, storm: { perSecond, latency: { p99 } }, raw: { perSecond: 4000, latency: { p99: 12 } }, failures: 0, load: { after: 2 }, ...extra } });

describe('benchmark summary', () => {
  it('lists every declared id, in order, with value null, met false and a reason when nothing was measured', () => {
    const summary = buildSummary({});
    expect(summary.map((e) => e.id)).toEqual([...SUMMARY_IDS]);
    expect(SUMMARY_IDS).toEqual([
      'create_mirror_on_vs_off', 'create_vs_baseline_sqlite', 'create_vs_baseline_mariadb', 'get_vs_baseline_mariadb', 'list_vs_baseline_sqlite',
      'list_vs_baseline_mariadb', 'bind_p50_vs_raw', 'bind_cpu_ms', 'storm_binds_per_s', 'storm_p99_ms', 'rss_idle_mb', 'rss_peak_10k_mb',
      'shim_rss_idle_mb', 'relist_vs_raw',
    ]);
    for (const entry of summary) {
      expect(entry).toMatchObject({ value: null, baseline: null, ratio: null, met: false });
      expect(entry.reason, entry.id).toMatch(/^not measured: .*part "/);
    }
  });

  it('a ≥ goal on the ratio: met at and above the target, not below', () => {
    const spec = goal('create_mirror_on_vs_off');
    expect(summaryEntry(spec, mirror(950, 1000, 700))).toMatchObject({ value: 950, baseline: 1000, ratio: 0.95, met: true, goal: { on: 'ratio', op: '>=', target: 0.9 } });
    expect(summaryEntry(spec, mirror(900, 1000, 700)).met).toBe(true);
    expect(summaryEntry(spec, mirror(899, 1000, 700))).toMatchObject({ ratio: 0.899, met: false });
    expect(summaryEntry(goal('create_vs_baseline_sqlite'), mirror(950, 1000, 700))).toMatchObject({ value: 1000, baseline: 700, ratio: 1.429, met: false });
  });

  it('a ≤ goal on the ratio: met at and below the target, not above', () => {
    const spec = goal('relist_vs_raw');
    expect(summaryEntry(spec, shim(1200, 1000))).toMatchObject({ ratio: 1.2, met: true, goal: { on: 'ratio', op: '<=', target: 1.3 } });
    expect(summaryEntry(spec, shim(1300, 1000)).met).toBe(true);
    expect(summaryEntry(spec, shim(1400, 1000))).toMatchObject({ ratio: 1.4, met: false });
  });

  it('value goals: ≥ 500 binds/s, ≤ 100 ms, and a target derived from the baseline (2 × raw + 0.5 ms)', () => {
    expect(summaryEntry(goal('storm_binds_per_s'), storm(500, 80))).toMatchObject({ value: 500, baseline: 4000, ratio: 0.125, met: true });
    expect(summaryEntry(goal('storm_binds_per_s'), storm(499.9, 80)).met).toBe(false);
    expect(summaryEntry(goal('storm_p99_ms'), storm(600, 100)).met).toBe(true);
    expect(summaryEntry(goal('storm_p99_ms'), storm(600, 100.5)).met).toBe(false);
    expect(summaryEntry(goal('bind_p50_vs_raw'), bind(2.5, 1))).toMatchObject({ goal: { target: 2.5 }, met: true });
    expect(summaryEntry(goal('bind_p50_vs_raw'), bind(2.51, 1))).toMatchObject({ goal: { target: 2.5 }, met: false });
    expect(summaryEntry(goal('bind_cpu_ms'), bind(2, 1))).toMatchObject({ value: 0.8, baseline: null, ratio: null, met: true });
  });

  it('a measurement that is unusable for its goal is not met, with the reason, whatever its figure', () => {
    const failed = summaryEntry(goal('storm_binds_per_s'), storm(900, 50, { failures: 3, firstFailure: 'PUT: 500' }));
    expect(failed).toMatchObject({ value: 900, met: false });
    expect(failed.reason).toContain('3 binds failed');
    const reduced = summaryEntry(goal('storm_p99_ms'), storm(900, 50, { params: { ports: 100, inFlight: 8 } }));
    expect(reduced).toMatchObject({ met: false });
    expect(reduced.reason).toContain('reduced run');
  });

  it('renders one table row per entry', () => {
    const table = formatSummary(buildSummary(mirror(950, 1000, 700)));
    expect(table.split('\n')).toHaveLength(2 + SUMMARY_IDS.length);
    expect(table).toContain('| `create_mirror_on_vs_off` |');
    expect(table).toMatch(/\| `relist_vs_raw` \|.*\| not measured \|/);
  });

  it('docs/benchmarks.md shows a summary table with exactly the declared ids, in order', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url)), 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, 'BEGIN marker').toBeGreaterThanOrEqual(0);
    expect(end, 'END marker').toBeGreaterThan(start);
    const ids = [...doc.slice(start, end).matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(ids).toEqual([...SUMMARY_IDS]);
  });

  it('the generator replaces only the block between the markers', () => {
    const entries: SummaryEntry[] = buildSummary({});
    const doc = `# t\n\n${BEGIN}\nold\n${END}\n\nafter\n`;
    const out = withSummary(doc, formatSummary(entries), 'note');
    expect(out.startsWith(`# t\n\n${BEGIN}\n| id |`)).toBe(true);
    expect(out).not.toContain('old');
    expect(out.endsWith(`note\n${END}\n\nafter\n`)).toBe(true);
  });
});

describe('bench parts', () => {
  it('runs every part but the opt-in facade by default; --only, --skip and BENCH_<PART>=0|1 choose', () => {
    expect(partsFrom([], {})).toEqual(['bind', 'storm', 'footprint', 'http', 'shim', 'drivers', 'mirror', 'allocation']);
    expect(partsFrom(['--only', 'storm'], {})).toEqual(['storm']);
    expect(partsFrom(['--only=mirror,bind'], {})).toEqual(['bind', 'mirror']);
    expect(partsFrom(['--skip', 'shim,allocation'], { BENCH_FACADE: '1', BENCH_BIND: '0' })).toEqual(['storm', 'footprint', 'http', 'drivers', 'mirror', 'facade']);
    expect(() => partsFrom(['--only', 'strom'], {})).toThrow(/"strom" is not a part/);
  });
});
