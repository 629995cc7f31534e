/**
 * Backend drivers benchmark: `getPorts` over N Gluon ports (default 10,000) on one Proton
 * server with the built-in Proton driver — batched (`auto`: one request for the ports and
 * one per binding collection; `ids`: id-filtered URLs under 8 KB) against one request per
 * port (the original Gluon's pattern: `driver.port(id)` in a loop), in the same run on
 * the same server.
 *
 * Run alone: `node --import tsx bench/drivers.ts` (`BENCH_DRIVER_PORTS=<n>`), or as part of
 * `npm run bench` (skip with `BENCH_DRIVERS=0`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createProtonDriver, type PortRef, type ProtonBatchStrategy } from '../src/drivers/index.js';
import { createProtonServer } from '../src/server/index.js';

/** One measured way of reading all ports. */
export interface DriverBenchRow {
  readonly mode: string;
  readonly ports: number;
  readonly requests: number;
  /** Median wall time over the runs, ms. */
  readonly ms: number;
  readonly runs: number;
}

/** The whole drivers benchmark result. */
export interface DriverBenchResult {
  readonly ports: number;
  readonly seedMs: number;
  readonly rows: readonly DriverBenchRow[];
}

const TENANT = '9b6d2b8a1c2d4e5f8a9b0c1d2e3f4a5b';
const L3VPN = '/proton/net-l3vpn/v1.0';
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function portId(n: number): string {
  return `5a1b2c3d-4e5f-4a6b-8c7d-${n.toString(16).padStart(12, '0')}`;
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${url} → ${response.status} ${await response.text()}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Seeds `count` ports (each with a VPN binding) on a fresh Proton server and measures the modes. */
export async function runDriversBench(count: number, log: (line: string) => void = () => undefined): Promise<DriverBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'gluon-bench-drivers-'));
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, docs: false });
  try {
    const url = await server.listen();
    const seedStart = performance.now();
    const vpn = 'b70b4bbd-aa40-48d7-aa4b-57cc2fd34010';
    await post(`${url}${L3VPN}/vpns`, { id: vpn, tenant_id: TENANT, name: 'vpn', ipv4_family: '1000:1000', ipv6_family: '1000:1000', route_distinguishers: '1000:1000' });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const n = ++next;
        const id = portId(n);
        const mac = `fa:16:3e:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
        await post(`${url}${L3VPN}/ports`, { id, tenant_id: TENANT, name: `p${n}`, mac_address: mac, admin_state_up: true, status: 'ACTIVE', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
        await post(`${url}${L3VPN}/vpnbindings`, { interface_id: id, service_id: vpn, tenant_id: TENANT, ipaddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const seedMs = performance.now() - seedStart;
    log(`drivers bench: seeded ${count} ports + bindings in ${(seedMs / 1000).toFixed(1)} s`);
    const refs: PortRef[] = Array.from({ length: count }, (_, i) => ({ id: portId(i + 1), url }));
    const rows: DriverBenchRow[] = [];

    const batched = async (batch: ProtonBatchStrategy, runs: number): Promise<void> => {
      const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: 'net', gluonSubnetId: 'sub', logger: silent, batch });
      try {
        await driver.getPort(refs[0] as PortRef); // discovery, once
        const times: number[] = [];
        let requests = 0;
        for (let run = 0; run < runs; run++) {
          const before = driver.requestCount;
          const start = performance.now();
          const ports = await driver.getPorts(refs);
          times.push(performance.now() - start);
          requests = driver.requestCount - before;
          if (ports.length !== count) throw new Error(`batch ${batch}: got ${ports.length} ports, expected ${count}`);
        }
        rows.push({ mode: `batched (${batch})`, ports: count, requests, ms: median(times), runs });
        log(`  batched (${batch}): ${median(times).toFixed(0)} ms, ${requests} requests`);
      } finally {
        await driver.close();
      }
    };
    await batched('auto', 5);
    await batched('ids', 5);

    // The original's pattern: one driver.port(id) per registered port, in a loop.
    const driver = createProtonDriver({ service: 'net-l3vpn', gluonNetworkId: 'net', gluonSubnetId: 'sub', logger: silent });
    try {
      await driver.getPort(refs[0] as PortRef);
      const before = driver.requestCount;
      const start = performance.now();
      for (const ref of refs) {
        if ((await driver.getPort(ref)) === undefined) throw new Error(`per-port: ${ref.id} missing`);
      }
      const ms = performance.now() - start;
      rows.push({ mode: 'one request per port (original)', ports: count, requests: driver.requestCount - before, ms, runs: 1 });
      log(`  per port: ${ms.toFixed(0)} ms, ${driver.requestCount - before} requests`);
    } finally {
      await driver.close();
    }
    return { ports: count, seedMs, rows };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A markdown table of the result, with the speed-up against one request per port. */
export function formatDriversBench(result: DriverBenchResult): string {
  const perPort = result.rows.find((row) => row.mode.startsWith('one request'));
  const lines = [
    `getPorts over ${result.ports.toLocaleString('en')} Gluon ports on one Proton server (SQLite), built-in Proton driver:`,
    '',
    '| mode | HTTP requests | time (median) | ports/s | vs one request per port |',
    '|---|---:|---:|---:|---:|',
    ...result.rows.map((row) => {
      const speedup = perPort === undefined ? '' : `${(perPort.ms / row.ms).toFixed(1)}×`;
      return `| ${row.mode} | ${row.requests.toLocaleString('en')} | ${row.ms.toFixed(0)} ms | ${Math.round((row.ports / row.ms) * 1000).toLocaleString('en')} | ${speedup} |`;
    }),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = Number(process.env['BENCH_DRIVER_PORTS'] ?? 10_000);
  const result = await runDriversBench(count, (line) => console.log(line));
  console.log(`\n${formatDriversBench(result)}`);
}
