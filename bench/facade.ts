/**
 * Neutron facade overhead: `GET /v2.0/ports/<id>` of a non-Gluon port (proxied to Neutron
 * unchanged) through the facade, against the same request sent to Neutron directly, in
 * the same run, interleaved. The facade runs in this process with an empty in-process port
 * registry (a registry lookup is a Map read, so its size does not matter); Neutron is
 * Debian's neutron-server (Zed, noauth, eventlet, one API process) started by the test set-up.
 *
 * Two facade variants: upstream keep-alive with one retry on a dropped connection (the
 * default) and a new connection per request (`--no-upstream-keep-alive`). Because
 * Neutron's own latency (eventlet, SQLite) dwarfs and blurs the facade's, the same pair is
 * also measured against a static upstream (a bare Node server answering Neutron's port
 * JSON), which shows the facade's own cost per request.
 *
 * Run alone: `node --import tsx bench/facade.ts` (`BENCH_FACADE_DURATION=<s>`,
 * `BENCH_FACADE_RUNS=<n>`, `BENCH_FACADE_CONNECTIONS=<n>`), or in `npm run bench` with
 * `BENCH_FACADE=1`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createNeutronFacade, type NeutronFacade } from '../src/core/arbiter/index.js';
import { createMemoryStore } from '../src/core/kv/index.js';
import { startNeutron } from '../test/setup/neutron.js';
import { toSample } from './load.js';
import type { Sample } from './types.js';

/** One measured target, median over the runs. */
export interface FacadeBenchRow {
  readonly target: 'neutron-direct' | 'facade-keepalive' | 'facade-new-connection' | 'static-direct' | 'static-via-facade';
  readonly rps: number;
  /** Mean latency, ms. */
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly runs: readonly FacadeSample[];
}

/** The facade benchmark result. */
export interface FacadeBenchResult {
  readonly date: string;
  readonly connections: number;
  readonly duration: number;
  readonly rows: readonly FacadeBenchRow[];
  /** Upstream retries after a dropped connection, during the keep-alive runs. */
  readonly keepAliveRetries: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A sample plus the mean latency (autocannon's percentiles have 1 ms resolution; the mean does not). */
export interface FacadeSample extends Sample {
  readonly mean: number;
}

async function measure(url: string, path: string, connections: number, duration: number): Promise<FacadeSample> {
  const result = await autocannon({ url, connections, duration, timeout: 20, requests: [{ method: 'GET', path }] });
  return { ...toSample(result), mean: result.latency.mean };
}

/** Starts Neutron and the two facades, then measures direct vs proxied GETs, interleaved. */
export async function runFacadeBench(
  options: { duration?: number; runs?: number; connections?: number } = {},
  log: (line: string) => void = () => undefined,
): Promise<FacadeBenchResult> {
  const duration = options.duration ?? 10;
  const runs = options.runs ?? 3;
  const connections = options.connections ?? 4;
  log(`facade bench: starting neutron-server…`);
  const neutron = await startNeutron();
  const facades: NeutronFacade[] = [];
  const kv = createMemoryStore();
  try {
    const created = await fetch(`${neutron.url}/v2.0/ports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ port: { network_id: neutron.gluonNetworkId, name: 'bench', tenant_id: 'bench-project' } }),
    });
    const id = ((await created.json()) as { port: { id: string } }).port.id;
    const path = `/v2.0/ports/${id}`;
    const ids = { gluonNetworkId: neutron.gluonNetworkId, gluonSubnetId: neutron.gluonSubnetId };
    const keepAlive = await createNeutronFacade({ neutronUrl: neutron.url, kv, ...ids });
    const fresh = await createNeutronFacade({ neutronUrl: neutron.url, kv, ...ids, upstreamKeepAlive: false });
    facades.push(keepAlive, fresh);
    const targets: { target: FacadeBenchRow['target']; url: string }[] = [
      { target: 'neutron-direct' as const, url: neutron.url },
      { target: 'facade-keepalive' as const, url: await keepAlive.listen({ port: 0 }) },
      { target: 'facade-new-connection' as const, url: await fresh.listen({ port: 0 }) },
    ];
    // warm-up
    for (const t of targets) await measure(t.url, path, connections, 2);
    const samples = new Map<string, FacadeSample[]>(targets.map((t) => [t.target, []]));
    for (let run = 1; run <= runs; run++) {
      for (const t of targets) {
        const sample = await measure(t.url, path, connections, duration);
        samples.get(t.target)?.push(sample);
        log(`  run ${run}/${runs} ${t.target}: ${sample.rps.toFixed(1)} req/s, mean ${sample.mean.toFixed(1)} ms, p50 ${sample.p50} ms, p99 ${sample.p99} ms${sample.errors + sample.non2xx > 0 ? `, ${sample.errors} errors, ${sample.non2xx} non-2xx` : ''}`);
      }
    }
    // the facade's own cost: a static upstream that answers at once
    const portJson = Buffer.from(await (await fetch(`${neutron.url}${path}`)).arrayBuffer());
    const staticServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-static' });
      res.end(portJson);
    });
    await new Promise<void>((r) => staticServer.listen(0, '127.0.0.1', r));
    const staticUrl = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}`;
    const viaFacade = await createNeutronFacade({ neutronUrl: staticUrl, kv, ...ids });
    facades.push(viaFacade);
    const staticTargets = [
      { target: 'static-direct' as const, url: staticUrl },
      { target: 'static-via-facade' as const, url: await viaFacade.listen({ port: 0 }) },
    ];
    for (const t of staticTargets) {
      samples.set(t.target, []);
      await measure(t.url, path, connections, 1);
    }
    for (let run = 1; run <= runs; run++) {
      for (const t of staticTargets) {
        const sample = await measure(t.url, path, connections, Math.min(duration, 5));
        samples.get(t.target)?.push(sample);
        log(`  run ${run}/${runs} ${t.target}: ${sample.rps.toFixed(0)} req/s, mean ${sample.mean.toFixed(2)} ms, p99 ${sample.p99} ms`);
      }
    }
    staticServer.closeAllConnections();
    staticServer.close();
    targets.push(...staticTargets);
    const rows = targets.map(({ target }): FacadeBenchRow => {
      const s = samples.get(target) ?? [];
      return {
        target,
        rps: median(s.map((x) => x.rps)),
        mean: median(s.map((x) => x.mean)),
        p50: median(s.map((x) => x.p50)),
        p99: median(s.map((x) => x.p99)),
        errors: s.reduce((n, x) => n + x.errors, 0),
        non2xx: s.reduce((n, x) => n + x.non2xx, 0),
        runs: s,
      };
    });
    return { date: new Date().toISOString(), connections, duration, rows, keepAliveRetries: keepAlive.upstream.retryCount };
  } finally {
    for (const f of facades) await f.close();
    await kv.close();
    await neutron.stop();
  }
}

/** Formats the result as a markdown table with the added latency. */
export function formatFacadeBench(result: FacadeBenchResult): string {
  const baseOf = (target: string): FacadeBenchRow | undefined => result.rows.find((r) => r.target === (target.startsWith('static') ? 'static-direct' : 'neutron-direct'));
  const lines = [
    `Neutron facade overhead: GET /v2.0/ports/<id> of a non-Gluon port, ${result.connections} connections, ${result.duration} s × ${result.rows[0]?.runs.length ?? 0} interleaved runs (medians)`,
    '',
    '| target | req/s | mean ms | p50 ms | p99 ms | added mean ms | errors |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of result.rows) {
    const direct = baseOf(row.target);
    const added = direct === undefined || row === direct ? '—' : (row.mean - direct.mean).toFixed(2);
    lines.push(`| ${row.target} | ${row.rps.toFixed(row.rps >= 100 ? 0 : 1)} | ${row.mean.toFixed(2)} | ${row.p50} | ${row.p99} | ${added} | ${row.errors + row.non2xx} |`);
  }
  lines.push('', `upstream retries after a dropped keep-alive connection: ${result.keepAliveRetries}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const num = (name: string): number | undefined => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  const duration = num('BENCH_FACADE_DURATION');
  const runs = num('BENCH_FACADE_RUNS');
  const connections = num('BENCH_FACADE_CONNECTIONS');
  const result = await runFacadeBench(
    { ...(duration === undefined ? {} : { duration }), ...(runs === undefined ? {} : { runs }), ...(connections === undefined ? {} : { connections }) },
    (line) => console.log(line),
  );
  console.log(`\n${formatFacadeBench(result)}`);
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}facade.json`, `${JSON.stringify(result, null, 2)}\n`);
}
