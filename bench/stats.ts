import type { CaseResult, Sample } from './types.js';

/** The median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Combines the runs of one case: medians of req/s, p50, p99, load and CPU per request; sums of failures. */
export function summarize(runs: readonly Sample[]): CaseResult {
  return {
    rps: median(runs.map((run) => run.rps)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    load1: median(runs.map((run) => run.load1)),
    ...(runs.every((run) => run.cpuMs !== undefined) ? { cpuMs: median(runs.map((run) => run.cpuMs ?? 0)) } : {}),
    runs,
  };
}
