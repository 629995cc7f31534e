/**
 * Start-up cost of a shim process: `gluon shim run bench/dummy-shim.mjs` against a real
 * etcd, started `BENCH_RUNS` times (default 10) one after the other. For each start it
 * records the time from spawn to the shim's "shim running" log line and the process's
 * resident memory (VmRSS) at that moment, then stops the shim with SIGTERM.
 *
 *   npm run build && node --import tsx bench/shim-startup.ts
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports), `BENCH_RUNS=<n>`,
 * `BENCH_BASELINE_CLI=<path to another build's cli.js>` (then each run starts the baseline
 * and this build one after the other, and both are reported: a before/after in one session).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd } from '../test/setup/etcd.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** One start of the shim process. */
interface StartSample {
  readonly readyMs: number;
  readonly rssMiB: number;
}

/** Resident memory of a running process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  const kib = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib / 1024;
}

/** Starts one shim, waits for its "shim running" line, samples it and stops it. */
async function startOnce(cli: string, endpoint: string): Promise<StartSample> {
  const args = [cli, 'shim', 'run', join(ROOT, 'bench', 'dummy-shim.mjs'), '--etcd', endpoint, '--etcd-prefix', '/shim-startup', '--log-format', 'json'];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readyMs = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('"shim running"')) resolve(performance.now() - started);
    });
    void exited.then(() => reject(new Error(`the shim exited before it was running: ${text.slice(-1000)}`)));
  });
  const sample = { readyMs, rssMiB: rssMiB(child.pid ?? 0) };
  child.kill('SIGTERM');
  await exited;
  return sample;
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints the median, minimum and maximum of one build's samples. */
function report(label: string, samples: readonly StartSample[]): void {
  const ready = samples.map((s) => s.readyMs);
  const rss = samples.map((s) => s.rssMiB);
  console.log(
    `${label}: ${samples.length} starts, ready median ${median(ready).toFixed(0)} ms (min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)}); ` +
      `RSS median ${median(rss).toFixed(1)} MiB (min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)})`,
  );
}

const runs = Number(process.env['BENCH_RUNS'] ?? '10');
const baseline = process.env['BENCH_BASELINE_CLI'];
const ownEtcd = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
const endpoint = process.env['BENCH_ETCD'] ?? ownEtcd!.endpoint;
try {
  const current: StartSample[] = [];
  const before: StartSample[] = [];
  for (let i = 0; i < runs; i++) {
    if (baseline !== undefined) before.push(await startOnce(baseline, endpoint));
    current.push(await startOnce(join(ROOT, 'bin', 'gluon.js'), endpoint));
  }
  if (baseline !== undefined) report(`baseline (${baseline})`, before);
  report('this build', current);
} finally {
  await ownEtcd?.stop();
}
