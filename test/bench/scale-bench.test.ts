/** The scale benchmark (bench/scale.ts) runs end to end at a tiny size, so the script cannot rot. */
import { describe, expect, it } from 'vitest';
import { choosePageSize, formatScaleBench, runScaleBench, scaleParamsFromEnv } from '../../bench/scale.js';
import { layoutFor } from '../../bench/scale-seed.js';

describe('scale benchmark (bench/scale.ts)', () => {
  it('lays out ports with their interfaces and bindings, spread over VPNs, hosts and tenants', () => {
    const layout = layoutFor(1_000_000);
    expect(layout.ports).toBe(333_334);
    expect(layout.vpns).toBe(334);
    expect(layout.hosts).toBe(8334);
    expect(layout.tenants).toBe(1000);
  });

  it('reads its sizes from BENCH_SCALE_* and refuses bad ones', () => {
    expect(scaleParamsFromEnv({}).objects).toBe(1_000_000);
    expect(scaleParamsFromEnv({ BENCH_SCALE_OBJECTS: '50000', BENCH_SCALE_PAGE_SIZES: '500, 2000' })).toMatchObject({ objects: 50_000, pageSizes: [500, 2000] });
    expect(() => scaleParamsFromEnv({ BENCH_SCALE_OBJECTS: 'many' })).toThrow(/BENCH_SCALE_OBJECTS/);
    expect(() => scaleParamsFromEnv({ BENCH_SCALE_PAGE_SIZES: '500,0' })).toThrow(/BENCH_SCALE_PAGE_SIZES/);
  });

  it('chooses the smallest page size whose raw read is within 3 % of the fastest', () => {
    const sweep = [
      { pageSize: 500, keys: 10, ms: 130 },
      { pageSize: 1000, keys: 10, ms: 102 },
      { pageSize: 2000, keys: 10, ms: 100 },
    ];
    expect(choosePageSize(sweep)).toBe(1000);
  });

  it('seeds 2,000 objects into SQLite and etcd and measures server, resync, raw reads and the informer', async () => {
    // a smoke run: the figures are the benchmark's business, not the test's
    const result = await runScaleBench({ objects: 2000, pageSizes: [100, 1000], requests: 1, quotaBytes: 2 * 1024 ** 3 });
    const ports = result.layout.ports;
    expect(result.sqlObjects).toBe(ports * 3 + result.layout.vpns);
    // every object in etcd, plus one /gluon/port/ registration per port
    expect(result.etcd.keys).toBe(result.sqlObjects + ports);
    expect(result.resync.summary).toMatch(new RegExp(`0 added, 0 updated, 0 deleted; ${result.etcd.keys} unchanged`));
    expect(result.server.latencies.find((l) => l.what.startsWith('ports, first page'))?.items).toBe(100);
    expect(result.server.latencies.find((l) => l.what.startsWith('interfaces by port_id'))?.items).toBe(1);
    expect(result.pageSweep.map((r) => r.keys)).toEqual([ports, ports]);
    expect(result.informer.keys).toBe(result.sqlObjects);
    expect(result.informer.relistDeletes).toBe(Math.ceil(result.sqlObjects / 100)); // 1/3 % in each of three relists
    expect(result.etcd.dbSize).toBeGreaterThan(0);
    expect(formatScaleBench(result)).toContain('| informer relists after compaction');
  }, 300_000);
});
