import { describe, expect, it } from 'vitest';
import { formatFootprintBench, runFootprintBench } from '../../bench/footprint.js';

describe('footprint benchmark (bench/footprint.ts)', () => {
  it('reads idle and peak resident memory of gluon serve and the bare baseline, idle memory of a shim and its etcd3 floor, and the serve floor, all with the node flags of the gluon command', async () => {
    // a smoke run: the figures are the benchmark's business, not the test's
    const result = await runFootprintBench({ ports: 100, connections: 4, idleMs: 0 });
    expect(result.gluon.created).toBe(100);
    expect(result.baseline.created).toBe(100);
    for (const server of [result.gluon, result.baseline]) {
      expect(server.idleMb).toBeGreaterThan(0);
      expect(server.peakMb).toBeGreaterThanOrEqual(server.idleMb);
    }
    expect(result.shim.idleMb).toBeGreaterThan(0);
    expect(result.shim.floorIdleMb).toBeGreaterThan(0);
    expect(result.serveFloorIdleMb).toBeGreaterThan(0);
    expect(result.nodeFlags).toContain('--max-semi-space-size=2');
    expect(formatFootprintBench(result)).toContain('| gluon serve (SQLite, etcd mirror) |');
  }, 180_000);
});
