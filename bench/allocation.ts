/**
 * Address allocation under contention: VpnBinding creates that leave `ipaddress` out (the
 * server draws it from the VPN's pool inside the create's transaction) against the same
 * creates with an explicit address (no allocation), in the same run, on MariaDB with two
 * servers sharing the database and on SQLite with one. Servers run in this process
 * (fastify `inject`, no sockets) so the figures compare the two kinds of create, not HTTP.
 *
 * `BENCH_ALLOC_CREATES=<n>` creates per case (default 1000), `BENCH_ALLOC_IN_FLIGHT=<n>`
 * (default 32), `BENCH_ALLOC_PREFILL=<n>` (default 0): when set, a third kind allocates
 * into a VPN that already holds `n` bindings (how the cost of a create grows with the
 * addresses in use).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fastify, { type FastifyInstance } from 'fastify';
import { protonPlugin } from '../src/core/http/index.js';
import { loadModels } from '../src/core/model/index.js';
import { ProtonRegistry } from '../src/core/registry/index.js';
import { createStore, type ProtonStore } from '../src/core/store/index.js';
import { createBenchDatabase } from './databases.js';
import type { DbKind } from './types.js';

const API = '/proton/net-l3vpn/v1.0';
const TENANT = '0d5e7a2c-3b1f-4c8e-9a6d-2f4b8c1e7a93';
const MODELS = new URL('../models/', import.meta.url).pathname;

/** What a case creates. */
export type CaseKind = 'explicit address (baseline)' | 'allocated address' | `allocated, VPN holds ${number}`;

/** One case's figures. */
export interface AllocationCase {
  readonly db: DbKind;
  readonly servers: number;
  readonly kind: CaseKind;
  readonly creates: number;
  readonly failed: number;
  readonly distinct: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Server {
  readonly app: FastifyInstance;
  readonly store: ProtonStore;
}

async function inFlight<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

async function post(app: FastifyInstance, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.inject({ method: 'POST', url: `${API}/${path}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, json: JSON.parse(res.body) as Record<string, unknown> };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function startServers(url: string, count: number): Promise<Server[]> {
  const models = await loadModels(MODELS);
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const registry = new ProtonRegistry(models);
    const store = createStore({ url, advertisedUrl: 'http://127.0.0.1:2705', mirror: false });
    await store.init(registry.storageModels(), { migrate: 'safe' });
    const app = fastify({ logger: false });
    await app.register(protonPlugin, { registry, store, docs: false });
    await app.ready();
    servers.push({ app, store });
  }
  return servers;
}

async function createPorts(app: FastifyInstance, count: number): Promise<string[]> {
  return inFlight(
    16,
    Array.from({ length: count }, () => async () => {
      const id = randomUUID();
      const res = await post(app, 'ports', {
        id, tenant_id: TENANT, name: 'b', mac_address: 'fa:16:3e:00:00:01', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false,
      });
      if (res.status !== 201) throw new Error(`port create: ${res.status}`);
      return id;
    }),
  );
}

/** Binds `ports` into `vpn` with explicit addresses from 10.64.128.0 up (not timed). */
async function prefillVpn(app: FastifyInstance, vpn: unknown, ports: readonly string[]): Promise<void> {
  await inFlight(
    16,
    ports.map((port, i) => async () => {
      const res = await post(app, 'vpnbindings', { tenant_id: TENANT, interface_id: port, service_id: vpn, subnet_prefix: 16, ipaddress: `10.64.${128 + (i >> 8)}.${i & 255}` });
      if (res.status !== 201) throw new Error(`prefill binding: ${res.status}`);
    }),
  );
}

/** One timed case: `ports` bound into a fresh VPN; `prefill` ports bound into it first. */
interface CaseSpec {
  readonly ports: readonly string[];
  readonly allocate: boolean;
  readonly prefill?: readonly string[];
}

async function runCase(servers: readonly Server[], spec: CaseSpec, limit: number): Promise<Omit<AllocationCase, 'db' | 'servers'>> {
  const { ports, allocate } = spec;
  const first = servers[0] as Server;
  const vpn = await post(first.app, 'vpns', { tenant_id: TENANT, name: 'bench', ...(allocate ? { address_pool: '10.64.0.0/16' } : {}) });
  if (vpn.status !== 201) throw new Error(`vpn create: ${vpn.status}`);
  if (spec.prefill !== undefined) await prefillVpn(first.app, vpn.json['id'], spec.prefill);
  const latencies: number[] = [];
  const started = performance.now();
  const answers = await inFlight(
    limit,
    ports.map((port, i) => async () => {
      const body = { tenant_id: TENANT, interface_id: port, service_id: vpn.json['id'], subnet_prefix: 16, ...(allocate ? {} : { ipaddress: `10.64.${(i + 1) >> 8}.${(i + 1) & 255}` }) };
      const t0 = performance.now();
      const res = await post((servers[i % servers.length] as Server).app, 'vpnbindings', body);
      latencies.push(performance.now() - t0);
      return res;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ok = answers.filter((a) => a.status === 201);
  return {
    kind: !allocate ? 'explicit address (baseline)' : spec.prefill === undefined ? 'allocated address' : `allocated, VPN holds ${spec.prefill.length}`,
    creates: ports.length,
    failed: answers.length - ok.length,
    distinct: new Set(ok.map((a) => String(a.json['ipaddress']))).size,
    perSecond: ports.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Runs both cases on MariaDB (two servers) and SQLite (one server). */
export async function runAllocationBench(log: (line: string) => void, options: { creates?: number; inFlight?: number; prefill?: number } = {}): Promise<AllocationCase[]> {
  const creates = options.creates ?? 1000;
  const limit = options.inFlight ?? 32;
  const prefill = options.prefill ?? 0;
  const out: AllocationCase[] = [];
  for (const [db, count] of [['mariadb', 2], ['sqlite', 1]] as const) {
    const database = await createBenchDatabase(db);
    const servers = await startServers(database.url, count);
    try {
      const half = Math.floor(creates / 2);
      const kinds = prefill > 0 ? 3 : 2;
      log(`allocation: ${db}, ${count} server(s): creating ${kinds * 2 * half + 2 * prefill} ports`);
      const ports = await createPorts((servers[0] as Server).app, kinds * 2 * half + 2 * prefill);
      const take = (n: number): string[] => ports.splice(0, n);
      // the kinds interleaved in halves, so all meet the same machine state
      const parts: Omit<AllocationCase, 'db' | 'servers'>[] = [];
      for (let round = 0; round < 2; round++) {
        parts.push(await runCase(servers, { ports: take(half), allocate: false }, limit));
        parts.push(await runCase(servers, { ports: take(half), allocate: true }, limit));
        if (prefill > 0) parts.push(await runCase(servers, { prefill: take(prefill), ports: take(half), allocate: true }, limit));
      }
      for (const kind of [...new Set(parts.map((p) => p.kind))]) {
        const mine = parts.filter((p) => p.kind === kind);
        out.push({
          db,
          servers: count,
          kind,
          creates: mine.reduce((n, p) => n + p.creates, 0),
          failed: mine.reduce((n, p) => n + p.failed, 0),
          distinct: mine.reduce((n, p) => n + p.distinct, 0),
          perSecond: mine.reduce((n, p) => n + p.perSecond, 0) / mine.length,
          p50Ms: Math.max(...mine.map((p) => p.p50Ms)),
          p99Ms: Math.max(...mine.map((p) => p.p99Ms)),
        });
      }
    } finally {
      for (const s of servers) {
        await s.app.close();
        await s.store.close();
      }
      await database.drop();
    }
  }
  return out;
}

/** The figures as a table. */
export function formatAllocationBench(cases: readonly AllocationCase[], inFlightCount: number): string {
  const lines = [`VpnBinding create, ${inFlightCount} in flight (in-process servers)`, 'db       servers  create                         creates  failed  distinct  req/s   p50 ms  p99 ms'];
  for (const c of cases) {
    lines.push(
      `${c.db.padEnd(8)} ${String(c.servers).padEnd(8)} ${c.kind.padEnd(30)} ${String(c.creates).padStart(7)} ${String(c.failed).padStart(7)} ${String(c.distinct).padStart(9)}  ${c.perSecond.toFixed(0).padStart(5)}  ${c.p50Ms.toFixed(1).padStart(6)}  ${c.p99Ms.toFixed(1).padStart(6)}`,
    );
  }
  return lines.join('\n');
}
