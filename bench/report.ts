import { CASES } from './types.js';
import type { BenchResult, CaseName, DbKind } from './types.js';

/** Human names of the cases. */
export const CASE_LABELS: Record<CaseName, string> = {
  create: 'port create (POST)',
  get: 'get one (GET /ports/:id)',
  list: 'list 1000 (GET ?limit=1000)',
};

function cell(value: number | undefined, digits = 0): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

/**
 * Renders the result as a Markdown table (one row per database and case: req/s,
 * p50/p99 of both servers, and the gluon/baseline ratio) — printable and pasteable
 * into docs/benchmarks.md.
 */
export function formatTable(result: BenchResult): string {
  const lines = [
    '| database | case | baseline req/s | baseline p50 / p99 ms | gluon req/s | gluon p50 / p99 ms | gluon / baseline |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const db of Object.keys(result.databases) as DbKind[]) {
    const perDb = result.databases[db];
    if (perDb === undefined) continue;
    for (const name of CASES) {
      const baseline = perDb.baseline[name];
      const gluon = perDb.gluon[name];
      const ratio = result.ratios[db]?.[name];
      if (baseline === undefined && gluon === undefined) continue;
      lines.push(
        `| ${db} | ${CASE_LABELS[name]} | ${cell(baseline?.rps)} | ${cell(baseline?.p50)} / ${cell(baseline?.p99)} | ` +
          `${cell(gluon?.rps)} | ${cell(gluon?.p50)} / ${cell(gluon?.p99)} | ${ratio === undefined ? '–' : `${(ratio * 100).toFixed(0)} %`} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Lines warning about cases that saw non-2xx responses or connection errors. */
export function formatFailures(result: BenchResult): string[] {
  const warnings: string[] = [];
  for (const db of Object.keys(result.databases) as DbKind[]) {
    const perDb = result.databases[db];
    if (perDb === undefined) continue;
    for (const server of ['baseline', 'gluon'] as const) {
      for (const name of CASES) {
        const entry = perDb[server][name];
        if (entry !== undefined && entry.non2xx + entry.errors > 0) {
          warnings.push(`WARNING ${db} ${server} ${name}: ${entry.non2xx} non-2xx responses, ${entry.errors} connection errors (req/s counts 2xx only)`);
        }
      }
    }
  }
  return warnings;
}
