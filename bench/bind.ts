/**
 * Bind round-trip benchmark: PUT bind → SQL → outbox → etcd → dummy shim → etcd → server
 * → response, p50/p99, against raw etcd put → watch-event latency measured in the same
 * run on the same etcd. Acceptance (issue 5): bind p50 ≤ 2 × raw p50 + 2 ms.
 *
 *   node --import tsx bench/bind.ts          # standalone
 *   BENCH_BIND=1 npm run bench               # after the HTTP cases
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports),
 * `BENCH_BIND_SAMPLES=<n>` binds (default 300). Writes `bench/results/bind.json`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createKeyValueStore, type KeyValueStore } from '../src/core/kv/index.js';
import { createProtonServer } from '../src/server/index.js';
import { createDummyShim } from '../src/shim-sdk/index.js';
import { startEtcd } from '../test/setup/etcd.js';

/** Latency figures in ms. */
export interface LatencyFigures {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

/** Figures of one bind benchmark run. */
export interface BindBenchResult {
  readonly bind: LatencyFigures;
  readonly putToEvent: LatencyFigures;
  /** 2 × raw p50 + 2 ms. */
  readonly targetP50: number;
  readonly pass: boolean;
}

const API = '/proton/net-l3vpn/v1.0';
const TENANT = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

function figures(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return { samples: sorted.length, p50: round(at(50)), p99: round(at(99)), mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length) };
}

/**
 * JSON request on a keep-alive undici `Pool` (one connection, as a sequential client
 * needs). `fetch` (WHATWG streams, Headers, Response objects) adds ~1–2 ms per request
 * over loopback — noise larger than the server hops a latency benchmark looks at.
 */
async function json(pool: Pool, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await pool.request({ path, method: method as 'GET', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const out = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(out)}`);
  return out;
}

async function putToEvent(kv: KeyValueStore, watcher: KeyValueStore, samples: number): Promise<number[]> {
  const prefix = `/bench-raw/${randomUUID()}/`;
  const seen = new Map<string, () => void>();
  const watch = await watcher.watch({ prefix }, (event) => seen.get(event.key)?.());
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const key = `${prefix}${i}`;
      const arrived = new Promise<void>((resolve) => seen.set(key, resolve));
      const t0 = performance.now();
      await kv.put(key, JSON.stringify({ vif_type: 'ovs', vif_details: { port_filter: false, bridge_name: 'br-gluon' }, i }));
      await arrived;
      out.push(performance.now() - t0);
      seen.delete(key);
    }
  } finally {
    await watch.close();
  }
  return out;
}

/** Runs the benchmark: `samples` sequential binds (each on a fresh port) and as many raw put→event samples. */
export async function runBindBench(samples: number, log: (line: string) => void = () => undefined): Promise<BindBenchResult> {
  const own = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
  const endpoint = own?.endpoint ?? String(process.env['BENCH_ETCD']);
  const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-bind-'));
  const prefix = `/bench-bind-${randomUUID().slice(0, 8)}`;
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, etcd: endpoint, etcdPrefix: prefix, inProcessShim: false, logger: { level: 'warn' } });
  const shimKv = createKeyValueStore(endpoint, { prefix });
  const rawKv = createKeyValueStore(endpoint, { prefix });
  const rawWatcher = createKeyValueStore(endpoint, { prefix });
  const model = server.registry.defaultVersion('net-l3vpn');
  const shim = createDummyShim(shimKv, model === undefined ? {} : { model });
  let pool: Pool | undefined;
  try {
    const base = await server.listen();
    pool = new Pool(base, { connections: 1, pipelining: 1 });
    await shim.start();
    const warmup = Math.min(50, samples);
    log(`bind bench: creating ${samples + warmup} ports with service bindings`);
    const vpn = await json(pool, 'POST', `${API}/vpns`, { tenant_id: TENANT, name: 'bench', ipv4_family: '100:1', route_distinguishers: '100:1' });
    const ports: string[] = [];
    for (let i = 0; i < samples + warmup; i++) {
      const id = randomUUID();
      await json(pool, 'POST', `${API}/ports`, { id, tenant_id: TENANT, name: `p${i}`, mac_address: 'fa:16:3e:00:00:01', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false });
      await json(pool, 'POST', `${API}/vpnbindings`, { tenant_id: TENANT, interface_id: id, service_id: vpn['id'], ipaddress: '10.0.0.5', subnet_prefix: 24, gateway: '10.0.0.1' });
      ports.push(id);
    }
    await server.mirror?.flush?.(30_000);
    await shim.idle();
    await putToEvent(rawKv, rawWatcher, warmup);
    const binds: number[] = [];
    for (const [i, id] of ports.entries()) {
      const t0 = performance.now();
      const port = await json(pool, 'PUT', `${API}/ports/${id}`, { host_id: 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' });
      const ms = performance.now() - t0;
      if (port['vif_type'] !== 'ovs') throw new Error(`bind of ${id} answered vif_type ${String(port['vif_type'])}`);
      if (i >= warmup) binds.push(ms);
    }
    // raw etcd put → watch event, same etcd, same run, after the binds
    const raw = await putToEvent(rawKv, rawWatcher, samples);
    const bind = figures(binds);
    const putEvent = figures(raw);
    const targetP50 = Math.round((2 * putEvent.p50 + 2) * 1000) / 1000;
    return { bind, putToEvent: putEvent, targetP50, pass: bind.p50 <= targetP50 };
  } finally {
    await pool?.close();
    await shim.close();
    await Promise.all([shimKv.close(), rawKv.close(), rawWatcher.close()]);
    await server.close();
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as a markdown table. */
export function formatBindBench(r: BindBenchResult): string {
  return [
    '| measure | samples | p50 ms | p99 ms | mean ms |',
    '|---|---:|---:|---:|---:|',
    `| bind round trip (PUT → etcd → dummy shim → etcd → response) | ${r.bind.samples} | ${r.bind.p50} | ${r.bind.p99} | ${r.bind.mean} |`,
    `| raw etcd put → watch event | ${r.putToEvent.samples} | ${r.putToEvent.p50} | ${r.putToEvent.p99} | ${r.putToEvent.mean} |`,
    '',
    `target: bind p50 ≤ 2 × raw p50 + 2 ms = ${r.targetP50} ms → ${r.pass ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runBindBench(Number(process.env['BENCH_BIND_SAMPLES'] ?? 300), (line) => console.log(line));
  console.log(formatBindBench(result));
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}bind.json`, `${JSON.stringify(result, null, 2)}\n`);
}
