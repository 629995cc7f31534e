import { describe, expect, it } from 'vitest';
import { formatBindBench, runBindBench } from '../../bench/bind.js';

describe('bind benchmark (bench/bind.ts)', () => {
  it('binds through gluon serve + gluon shim run and in one process, every bind answered by the dummy shim, with raw etcd figures of the same run', async () => {
    // a smoke run: the figures are the benchmark's business, not the test's
    const result = await runBindBench(10, () => undefined, ['processes', 'one-process']);
    expect(result.runs.map((r) => r.topology)).toEqual(['processes', 'one-process']);
    for (const run of result.runs) {
      expect(run.bind.samples).toBe(10);
      expect(run.putToEvent.samples).toBe(10);
      expect(run.bind.p50).toBeGreaterThan(0);
      expect(Object.keys(run.cpuPerBindMs)).toContain('etcd');
      // judged on the target, as the summary's goal bind_p50_vs_raw is
      expect(run.targetP50).toBeCloseTo(2 * run.putToEvent.p50 + 0.5, 3);
      expect(run.pass).toBe(run.bind.p50 <= run.targetP50);
    }
    expect(formatBindBench(result)).toContain('target: bind p50 ≤ 2 × raw p50 + 0.5 ms');
    expect(formatBindBench(result)).toContain('| server, shim, client: 3 processes | bind round trip');
  }, 120_000);
});
