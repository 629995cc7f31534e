import { describe, expect, it } from 'vitest';
import { formatStormBench, runStormBench } from '../../bench/storm.js';

describe('boot-storm benchmark (bench/storm.ts)', () => {
  it('binds every port through gluon arbiter with one dummy shim per host, and measures raw etcd at the same concurrency', async () => {
    // a smoke run: the figures are the benchmark's business, not the test's
    const result = await runStormBench({ ports: 12, inFlight: 4 });
    expect(result.failures, result.firstFailure).toBe(0);
    expect(result.storm.count).toBe(12);
    expect(result.raw.count).toBe(24);
    expect(result.upstreamCalls).toBe(0);
    expect(result.pollsPerPort).toBeGreaterThanOrEqual(1);
    expect(Object.keys(result.cpuPerBindMs)).toEqual(expect.arrayContaining(['server', 'arbiter', 'shim compute-a', 'shim compute-b', 'etcd']));
    expect(formatStormBench(result)).toContain('| bind storm (GET, PUT binding, GET until bound) | 12 |');
  }, 180_000);
});
