/**
 * Build against build: two `gluon serve` + `gluon shim run` pairs, one from each of two
 * checkouts (each built with `npm run build`), on one etcd, bound in alternating blocks of
 * 50 sequential binds, so both see the same load of a shared machine. Reports each
 * server's CPU time per bind and bind p50, and the ratio after / before.
 *
 *   node --import tsx bench/bind-ab.ts <before root> <after root>   # BENCH_BIND_SAMPLES (default 500 each)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'undici';
import { startEtcd } from '../test/setup/etcd.js';
import { freePort } from '../test/setup/service-process.js';
import { cpuMs, figures, json, seedPorts } from './bind.js';
import { waitForExit } from './server-process.js';

const API = '/proton/net-l3vpn/v1.0';
const BLOCK = 50;

interface Side {
  readonly root: string;
  readonly server: ChildProcess;
  readonly shim: ChildProcess;
  readonly pool: Pool;
  readonly ports: string[];
  readonly times: number[];
  cpu: { server: number; shim: number };
}

async function start(root: string, endpoint: string, dir: string): Promise<Side> {
  const prefix = `/bench-ab-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const gluon = (args: readonly string[]): ChildProcess => spawn(process.execPath, [join(root, 'bin', 'gluon.js'), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const server = gluon(['serve', '--db', `sqlite:${join(dir, `${randomUUID()}.db`)}`, '--host', '127.0.0.1', '--port', String(port), '--etcd', endpoint, '--etcd-prefix', prefix, '--log-level', 'warn']);
  const shim = gluon(['shim', 'run', join(root, 'bench', 'dummy-shim.mjs'), '--etcd', endpoint, '--etcd-prefix', prefix, '--log-level', 'warn']);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1, pipelining: 1 });
  for (let deadline = Date.now() + 60_000; ; ) {
    const ready = await pool.request({ path: '/readyz', method: 'GET' }).then(
      async (res) => (await res.body.text(), res.statusCode === 200),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`bench: gluon serve of ${root} did not get ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { root, server, shim, pool, ports: [], times: [], cpu: { server: 0, shim: 0 } };
}

async function bind(side: Side, id: string): Promise<number> {
  const t0 = performance.now();
  const port = await json(side.pool, 'PUT', `${API}/ports/${id}`, { host_id: 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' });
  if (port['vif_type'] !== 'ovs') throw new Error(`bind of ${id} (${side.root}) answered ${JSON.stringify(port['vif_type'])}`);
  return performance.now() - t0;
}

async function block(side: Side, ids: readonly string[], timed: boolean): Promise<void> {
  const before = { server: cpuMs(side.server.pid), shim: cpuMs(side.shim.pid) };
  for (const id of ids) {
    const ms = await bind(side, id);
    if (timed) side.times.push(ms);
  }
  if (!timed) return;
  side.cpu.server += cpuMs(side.server.pid) - before.server;
  side.cpu.shim += cpuMs(side.shim.pid) - before.shim;
}

const [beforeRoot, afterRoot] = process.argv.slice(2);
if (beforeRoot === undefined || afterRoot === undefined) throw new Error('usage: bench/bind-ab.ts <before root> <after root>');
const samples = Number(process.env['BENCH_BIND_SAMPLES'] ?? 500);
const etcd = await startEtcd();
const dir = mkdtempSync(join(tmpdir(), 'gluon-bench-ab-'));
const sides: Side[] = [];
try {
  for (const root of [beforeRoot, afterRoot]) sides.push(await start(root, etcd.endpoint, dir));
  for (const side of sides) side.ports.push(...(await seedPorts(side.pool, samples + 2 * BLOCK)));
  // warm-up (the shim may still be listing etcd: the first bind waits for it)
  for (const side of sides) await block(side, side.ports.splice(0, 2 * BLOCK), false);
  const load = [loadavg()[0] ?? 0];
  for (let start = 0; start < samples; start += BLOCK) {
    for (const side of start % (2 * BLOCK) === 0 ? sides : [...sides].reverse()) await block(side, side.ports.slice(start, start + BLOCK), true);
  }
  load.push(loadavg()[0] ?? 0);
  const out = sides.map((s) => ({ root: s.root, serverCpuPerBindMs: s.cpu.server / s.times.length, shimCpuPerBindMs: s.cpu.shim / s.times.length, bind: figures(s.times) }));
  for (const o of out) console.log(`${o.root.padEnd(20)} server CPU/bind ${o.serverCpuPerBindMs.toFixed(3)} ms, shim ${o.shimCpuPerBindMs.toFixed(3)} ms, p50 ${o.bind.p50} ms, p99 ${o.bind.p99} ms`);
  const [b, a] = out;
  if (a !== undefined && b !== undefined) console.log(`after/before: server CPU ${(a.serverCpuPerBindMs / b.serverCpuPerBindMs).toFixed(3)}, p50 ${(a.bind.p50 / b.bind.p50).toFixed(3)} (load average ${load.map((l) => l.toFixed(2)).join(' → ')})`);
} finally {
  for (const side of sides) {
    await side.pool.close();
    for (const child of [side.shim, side.server]) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 15_000))) child.kill('SIGKILL');
    }
  }
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
