/**
 * The server side of the scale benchmark (bench/scale.ts): `gluon serve` (the built CLI,
 * SQLite, the etcd mirror) started on the seeded region — time to ready, time until its
 * start-up reconcile compared etcd with SQL, resident memory — then list and filter
 * latencies over HTTP, and `gluon resync` run as the operator runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/setup/service-process.js';
import { procStatusMb } from './footprint.js';
import { portId, tenantId, hostOf, vpnId, SCALE_ADVERTISED_URL, type ScaleLayout } from './scale-seed.js';
import { waitForExit } from './server-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GLUON = join(ROOT, 'bin', 'gluon.js');
const ROOT_PATH = '/proton/net-l3vpn/v1.0';

/** Where the seeded region lives. */
export interface ScaleTarget {
  /** `sqlite:<file>`. */
  readonly db: string;
  readonly etcd: string;
  readonly etcdPrefix: string;
  readonly layout: ScaleLayout;
}

/** Latency of one request, repeated. */
export interface LatencyFigure {
  readonly what: string;
  readonly path: string;
  /** Items in the answer (the last one). */
  readonly items: number;
  readonly p50: number;
  readonly max: number;
}

/** What the server part measured. */
export interface ServerFigures {
  /** From spawn to `/readyz` 200, seconds. */
  readonly readySeconds: number;
  /** From spawn to the start-up reconcile's report, seconds. */
  readonly reconcileSeconds: number;
  /** VmRSS once reconciled and idle, MB (10^6 B). */
  readonly rssMb: number;
  /** VmHWM (peak resident) at the end, MB. */
  readonly peakMb: number;
  readonly latencies: readonly LatencyFigure[];
}

function gluonProcess(args: readonly string[]): ChildProcess {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('scale bench: dist/cli.js is missing; run `npm run build` first (npm run bench:scale does)');
  return spawn(process.execPath, [GLUON, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  process.kill(child.pid, 'SIGTERM');
  if (!(await waitForExit(child, 15_000))) process.kill(child.pid, 'SIGKILL');
}

/** Resolves when `text` appears on the child's stderr; rejects when it exits first. */
function whenLogged(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-20_000);
      if (tail.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`scale bench: gluon exited (code ${String(code)}) before logging "${text}": ${tail.slice(-1500)}`)));
  });
}

async function timeGet(url: string, spec: { readonly what: string; readonly path: string; readonly times: number }): Promise<LatencyFigure> {
  const ms: number[] = [];
  let items = 0;
  for (let i = 0; i < spec.times; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${spec.path}`);
    const body = (await res.json()) as Record<string, unknown>;
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`scale bench: GET ${spec.path} answered ${res.status}: ${JSON.stringify(body).slice(0, 400)}`);
    const list = Object.values(body).find((v) => Array.isArray(v));
    items = Array.isArray(list) ? list.length : 1; // a single object
  }
  ms.sort((a, b) => a - b);
  return { what: spec.what, path: spec.path, items, p50: ms[Math.floor((ms.length - 1) / 2)] ?? 0, max: ms[ms.length - 1] ?? 0 };
}

/** The list and filter requests timed, over the seeded layout. */
export function listRequests(layout: ScaleLayout): { what: string; path: string }[] {
  const middle = Math.floor(layout.ports / 2);
  return [
    { what: 'ports, first page of 100', path: `${ROOT_PATH}/ports?limit=100` },
    { what: 'ports, a page of 1,000', path: `${ROOT_PATH}/ports?limit=1000` },
    { what: 'ports, a page of 100 from the middle (marker)', path: `${ROOT_PATH}/ports?limit=100&marker=${portId(middle)}` },
    { what: 'ports by tenant_id (no index)', path: `${ROOT_PATH}/ports?tenant_id=${tenantId(7)}&limit=100` },
    { what: 'ports by host_id (no index)', path: `${ROOT_PATH}/ports?host_id=${hostOf(7, layout)}&limit=100` },
    { what: 'ports by device_id (no index)', path: `${ROOT_PATH}/ports?device_id=${portId(Math.floor(middle / 2))}&limit=100` },
    { what: 'ports by name, no match (no index)', path: `${ROOT_PATH}/ports?name=none&limit=100` },
    { what: 'interfaces by port_id (indexed)', path: `${ROOT_PATH}/interfaces?port_id=${portId(middle)}` },
    { what: 'vpnbindings by service_id (indexed)', path: `${ROOT_PATH}/vpnbindings?service_id=${vpnId(3 % layout.vpns)}&limit=100` },
    { what: 'one port by id', path: `${ROOT_PATH}/ports/${portId(middle)}` },
  ];
}

/** Starts `gluon serve` on the region, measures, stops it (by PID). */
export async function measureServer(target: ScaleTarget, options: { readonly times: number }): Promise<ServerFigures> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = gluonProcess([
    'serve', '--db', target.db, '--host', '127.0.0.1', '--port', String(port), '--advertised-url', SCALE_ADVERTISED_URL,
    '--etcd', target.etcd, '--etcd-prefix', target.etcdPrefix, '--log-level', 'info', '--log-format', 'json',
  ]);
  child.stdout?.resume();
  try {
    const reconciled = whenLogged(child, 'reconciler: etcd compared with SQL').then(() => performance.now());
    reconciled.catch(() => undefined);
    let readySeconds = 0;
    for (const deadline = Date.now() + 600_000; ; await new Promise((r) => setTimeout(r, 100))) {
      if (child.exitCode !== null) throw new Error(`scale bench: gluon serve exited (code ${String(child.exitCode)})`);
      const ok = await fetch(`${url}/readyz`).then(async (r) => (await r.arrayBuffer(), r.ok), () => false);
      if (ok) {
        readySeconds = (performance.now() - t0) / 1000;
        break;
      }
      if (Date.now() > deadline) throw new Error('scale bench: gluon serve not ready within 10 min');
    }
    const reconcileSeconds = ((await reconciled) - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const rssMb = procStatusMb(child.pid ?? 0, 'VmRSS');
    const latencies: LatencyFigure[] = [];
    for (const request of listRequests(target.layout)) latencies.push(await timeGet(url, { ...request, times: options.times }));
    return { readySeconds, reconcileSeconds, rssMb, peakMb: procStatusMb(child.pid ?? 0, 'VmHWM'), latencies };
  } finally {
    await stopProcess(child);
  }
}

/** Runs `gluon resync` on the region (nothing to change when etcd holds SQL's state); seconds and its summary line. */
export async function measureResync(target: ScaleTarget): Promise<{ seconds: number; summary: string; peakMb: number }> {
  const t0 = performance.now();
  const child = gluonProcess(['resync', '--db', target.db, '--etcd', target.etcd, '--etcd-prefix', target.etcdPrefix, '--advertised-url', SCALE_ADVERTISED_URL]);
  let out = '';
  let err = '';
  let peakMb = 0;
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString('utf8')).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
  const timer = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, procStatusMb(child.pid ?? 0, 'VmHWM'));
    } catch {
      // exited between two samples
    }
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`scale bench: gluon resync exited ${String(code)}: ${err.slice(-1500)}`);
  const summary = out.trim().split('\n').pop() ?? '';
  return { seconds: (performance.now() - t0) / 1000, summary, peakMb };
}
