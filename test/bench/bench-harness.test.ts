import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUICK_PARAMS, runBench } from '../../bench/harness.js';
import { macFor } from '../../bench/port-body.js';
import { formatTable } from '../../bench/report.js';
import { median, summarize } from '../../bench/stats.js';
import { CASES } from '../../bench/types.js';

describe('bench harness', () => {
  it('quick mode measures every case on SQLite for the baseline and gluon, all answered 2xx', async () => {
    const result = await runBench(QUICK_PARAMS, { gluonFrom: 'src' });
    const sqlite = result.databases.sqlite;
    expect(sqlite).toBeDefined();
    for (const server of ['baseline', 'gluon'] as const) {
      for (const name of CASES) {
        const entry = sqlite?.[server][name];
        expect(entry, `${server} ${name}`).toBeDefined();
        expect(entry?.rps, `${server} ${name} req/s`).toBeGreaterThan(0);
        expect(entry?.non2xx, `${server} ${name} non-2xx responses`).toBe(0);
        expect(entry?.errors, `${server} ${name} connection errors`).toBe(0);
        expect(entry?.runs).toHaveLength(1);
      }
      expect(result.ratios.sqlite?.create).toBeGreaterThan(0);
    }
    const table = formatTable(result);
    expect(table).toContain('| sqlite | port create (POST) |');
    expect(table.split('\n')).toHaveLength(2 + CASES.length);
  }, 180_000);

  it('reports the median of the runs and sums their failures', () => {
    const run = (rps: number, non2xx = 0) => ({ rps, p50: rps / 100, p99: rps / 10, non2xx, errors: 0, load1: 1 });
    const summary = summarize([run(300), run(100, 2), run(200, 1)]);
    expect(summary.rps).toBe(200);
    expect(summary.non2xx).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('gives every create body its own well-formed MAC address', () => {
    const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), fc.integer({ min: 0, max: 2 ** 40 - 1 }), (a, b) => {
        expect(macFor(a)).toMatch(mac);
        expect(macFor(a) === macFor(b)).toBe(a === b);
      }),
    );
  });
});
