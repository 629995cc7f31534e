/**
 * Footprint of one build against another (a before/after in one run): resident memory
 * (VmRSS from `/proc/<pid>/status`, MiB) of the processes an operator runs, on their
 * embedded defaults. (`bench/footprint.ts` is the part of `npm run bench` that measures this
 * build against the bare baseline for `bench/results/summary.json`.)
 *
 * - **server idle**: `gluon serve` (SQLite; with `--etcd` when an etcd is given) after
 *   start-up and a first create and get, then 3 s with nothing to do;
 * - **server peak**: the process's high-water mark (VmHWM, reset through
 *   `/proc/<pid>/clear_refs` once idle was sampled) while 10,000 ports are created at
 *   4 connections, with the create throughput of that phase;
 * - **shim idle**: `gluon shim run bench/dummy-shim.mjs` against etcd, 3 s after its
 *   "shim running" line.
 *
 * {@link measureFootprint} returns the three figures (the server's: the larger of etcd
 * off and on); run directly it prints the server
 * figures with the etcd mirror off and on, the shim's, and the floor (bare node, and node
 * with fastify + better-sqlite3 + etcd3 + pino loaded and doing nothing):
 *
 *   npm run build && node --import tsx bench/footprint-builds.ts
 *
 * Environment (direct run): `BENCH_FOOTPRINT_CREATES=<n>` (default 10000),
 * `BENCH_FOOTPRINT_NODE_FLAGS="--max-semi-space-size=4 …"` (node flags of the measured
 * processes, e.g. to weigh a V8 heap setting against the default in one run),
 * `BENCH_FOOTPRINT_BASELINE=<root of another built checkout>` (then that build and this
 * one are measured in alternating rounds and the create rate of this one is given as a
 * ratio of the other's: a before/after in one run), `BENCH_FOOTPRINT_BASELINE_NODE_FLAGS`
 * (the baseline's node flags, default the same; with the baseline set to this checkout it
 * weighs a V8 flag against none), `BENCH_RUNS=<n>` (rounds, default 1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startEtcd } from '../test/setup/etcd.js';
import { gluonArgv } from './gluon-command.js';
import { procStatusKib } from './footprint.js';
import { portBody } from './port-body.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PORTS_PATH = '/proton/net-l3vpn/v1.0/ports';
/** How long a process sits idle before its RSS is read (ms). */
const IDLE_MS = 3_000;
/** How long a process may take to say it is ready (ms). */
const READY_TIMEOUT_MS = 60_000;

/** The three footprint figures of the benchmark summary, in MiB. */
export interface FootprintFigures {
  /** `gluon serve` idle after start-up and a first create and get (`rss_idle_mb`). */
  readonly rssIdleMb: number;
  /** `gluon serve` peak while 10,000 ports are created at 4 connections (`rss_peak_10k_mb`). */
  readonly rssPeak10kMb: number;
  /** `gluon shim run` (the dummy shim) idle (`shim_rss_idle_mb`). */
  readonly shimRssIdleMb: number;
}

/** Options of {@link measureFootprint}. */
export interface FootprintOptions {
  /** etcd client URL for the `--etcd` server run and the shim (default: a private etcd, started and stopped here). */
  readonly etcd?: string;
  /** Ports created for the peak (default 10,000). */
  readonly creates?: number;
  /** Node flags of the measured processes, after those of `bin/gluon.js`'s `#!` line (default none). */
  readonly nodeFlags?: readonly string[];
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Root of the gluon-net checkout whose built `bin/gluon.js` is measured (default: this one). */
  readonly root?: string;
}

/** What one server run measured. */
export interface ServerFootprint {
  readonly idleMb: number;
  readonly peakMb: number;
  /** Creates per second during the peak phase. */
  readonly createsPerSecond: number;
}

/** A field of `/proc/<pid>/status` in MiB (VmRSS, VmHWM). */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return procStatusKib(pid, field) / 1024;
}

/** Starts `gluon <args>` (bench/gluon-command.ts, `flags` added) and resolves with the first stderr match of `ready`. */
async function startGluon(args: readonly string[], ready: RegExp, run: { readonly nodeFlags: readonly string[]; readonly root: string }): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, gluonArgv(args, { extraFlags: run.nodeFlags, root: run.root }), { cwd: run.root, stdio: ['ignore', 'ignore', 'pipe'] });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`bench: gluon ${args[0] ?? ''} not ready in ${READY_TIMEOUT_MS} ms: ${text.slice(-1000)}`)), READY_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (text.length < 100_000) text += chunk;
      const found = ready.exec(text);
      if (found !== null) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench: gluon ${args[0] ?? ''} exited (${String(code)}) before it was ready: ${text.slice(-1000)}`));
    });
  });
  child.stderr?.resume();
  return { child, match };
}

/** Stops a child by its PID (SIGTERM, SIGKILL after 10 s) and waits for it. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates `amount` ports at `connections` and returns the 2xx rate. */
async function createPorts(url: string, amount: number, connections: number): Promise<number> {
  let n = 0;
  let answered = 0;
  let finished = 0;
  const started = performance.now();
  const result = await autocannon({
    url,
    connections,
    amount,
    requests: [
      {
        method: 'POST',
        path: PORTS_PATH,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify(portBody(n++)) }),
        onResponse: () => {
          if (++answered === amount) finished = performance.now();
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`bench: ${result.non2xx} non-2xx responses and ${result.errors} errors while creating ports`);
  // timed to the last answer: autocannon ends (and times) a run on its 1 s tick, too coarse for a 6 s phase
  return result['2xx'] / (((finished === 0 ? performance.now() : finished) - started) / 1000);
}

/** Measures one `gluon serve` process: idle after a first create and get, then the peak over `creates` creates at 4 connections. */
export async function measureServer(options: { readonly etcd?: string; readonly creates: number; readonly nodeFlags: readonly string[]; readonly root?: string }): Promise<ServerFootprint> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-footprint-'));
  const args = ['serve', '--port', '0', '--db', `sqlite:${join(dir, 'gluon.db')}`, '--log-format', 'json'];
  if (options.etcd !== undefined) args.push('--etcd', options.etcd, '--etcd-prefix', `/footprint-${process.pid}-${Date.now()}`);
  const { child, match } = await startGluon(args, /listening on (http:\/\/[\d.:]+)/, { nodeFlags: options.nodeFlags, root: options.root ?? ROOT });
  try {
    const url = match[1]!;
    const first = await fetch(`${url}${PORTS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(portBody(9_999_999)) });
    const created = (await first.json()) as { id?: string };
    if (!first.ok || created.id === undefined) throw new Error(`bench: the first create answered ${first.status}`);
    const got = await fetch(`${url}${PORTS_PATH}/${created.id}`);
    await got.arrayBuffer();
    await sleep(IDLE_MS);
    const pid = child.pid ?? 0;
    const idleMb = statusMb(pid, 'VmRSS');
    // reset the high-water mark: the peak is the create phase's, not start-up's
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const createsPerSecond = await createPorts(url, options.creates, 4);
    const peakMb = Math.max(statusMb(pid, 'VmHWM'), statusMb(pid, 'VmRSS'));
    return { idleMb, peakMb, createsPerSecond };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures one `gluon shim run` (the dummy shim) idle against `etcd`. */
export async function measureShim(etcd: string, run: { readonly nodeFlags?: readonly string[]; readonly root?: string } = {}): Promise<number> {
  const root = run.root ?? ROOT;
  const shim = join(root, 'bench', 'dummy-shim.mjs');
  const args = ['shim', 'run', shim, '--etcd', etcd, '--etcd-prefix', `/footprint-shim-${process.pid}`, '--log-format', 'json'];
  const { child } = await startGluon(args, /"shim running"/, { nodeFlags: run.nodeFlags ?? [], root });
  try {
    await sleep(IDLE_MS);
    return statusMb(child.pid ?? 0, 'VmRSS');
  } finally {
    await stopChild(child);
  }
}

/**
 * The footprint figures of the benchmark summary. `gluon serve` runs twice, without etcd
 * (the in-process store) and with `--etcd` (the mirror on); idle and peak are the larger
 * of the two (the goal holds for both configurations), `servers` has each. Then the shim.
 * Uses `options.etcd`, or starts a private etcd and stops it after.
 */
export async function measureFootprint(options: FootprintOptions = {}): Promise<FootprintFigures & { readonly servers: { readonly etcdOff: ServerFootprint; readonly etcdOn: ServerFootprint } }> {
  const nodeFlags = options.nodeFlags ?? [];
  const own = options.etcd === undefined ? await startEtcd() : undefined;
  const etcd = options.etcd ?? own!.endpoint;
  try {
    const root = options.root ?? ROOT;
    const creates = options.creates ?? 10_000;
    const etcdOff = await measureServer({ creates, nodeFlags, root });
    const etcdOn = await measureServer({ etcd, creates, nodeFlags, root });
    for (const [what, server] of [['no etcd', etcdOff], ['--etcd', etcdOn]] as const) {
      options.log?.(`footprint: serve (${what}) idle ${server.idleMb.toFixed(1)} MiB, peak ${server.peakMb.toFixed(1)} MiB (${server.createsPerSecond.toFixed(0)} creates/s)`);
    }
    const shimRssIdleMb = await measureShim(etcd, { nodeFlags, root });
    options.log?.(`footprint: shim idle ${shimRssIdleMb.toFixed(1)} MiB`);
    return {
      rssIdleMb: Math.max(etcdOff.idleMb, etcdOn.idleMb),
      rssPeak10kMb: Math.max(etcdOff.peakMb, etcdOn.peakMb),
      shimRssIdleMb,
      servers: { etcdOff, etcdOn },
    };
  } finally {
    await own?.stop();
  }
}

/** RSS of `node -e <script>` once the script has run and the process sat idle: the floor under the server's figure. */
async function floorMb(script: string): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `${script}\nsetInterval(() => undefined, 1000); process.stderr.write('ready\\n');`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench: the floor script exited (${String(code)})`)));
  });
  await sleep(IDLE_MS);
  const mb = statusMb(child.pid ?? 0, 'VmRSS');
  await stopChild(child);
  return mb;
}

/** What one round measured of one build. */
interface Round {
  readonly off: ServerFootprint;
  readonly on: ServerFootprint;
  readonly shim: number;
}

/** One round of one build: the server with etcd off and on, then the shim. */
async function measureRound(root: string, etcd: string, options: { readonly creates: number; readonly nodeFlags: readonly string[] }): Promise<Round> {
  const off = await measureServer({ creates: options.creates, nodeFlags: options.nodeFlags, root });
  const on = await measureServer({ etcd, creates: options.creates, nodeFlags: options.nodeFlags, root });
  const shim = await measureShim(etcd, { nodeFlags: options.nodeFlags, root });
  return { off, on, shim };
}

/** Table rows of one build's rounds (each figure: the median over rounds). */
function rows(label: string, rounds: readonly Round[], baseline?: readonly Round[]): string[] {
  const median = (values: readonly number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const rate = (pick: (r: Round) => ServerFootprint): string => {
    const own = median(rounds.map((r) => pick(r).createsPerSecond));
    if (baseline === undefined) return own.toFixed(0);
    // the ratio per round (the builds ran side by side), then the median
    const ratios = rounds.map((r, i) => pick(r).createsPerSecond / pick(baseline[i]!).createsPerSecond);
    return `${own.toFixed(0)} (${(median(ratios) * 100).toFixed(0)} % of before)`;
  };
  const line = (what: string, pick: (r: Round) => ServerFootprint): string =>
    `| ${label}: gluon serve, SQLite, ${what} | ${median(rounds.map((r) => pick(r).idleMb)).toFixed(1)} | ${median(rounds.map((r) => pick(r).peakMb)).toFixed(1)} | ${rate(pick)} |`;
  return [line('no etcd', (r) => r.off), line('--etcd', (r) => r.on), `| ${label}: gluon shim run (dummy shim) | ${median(rounds.map((r) => r.shim)).toFixed(1)} | — | — |`];
}

/** The direct run: server off/on, shim (this build, and a baseline build if given), floors, as a table. */
async function main(): Promise<void> {
  const creates = Number(process.env['BENCH_FOOTPRINT_CREATES'] ?? 10_000);
  const nodeFlags = (process.env['BENCH_FOOTPRINT_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  const baselineRoot = process.env['BENCH_FOOTPRINT_BASELINE'];
  const baselineFlagsText = process.env['BENCH_FOOTPRINT_BASELINE_NODE_FLAGS'];
  const baselineFlags = baselineFlagsText === undefined ? nodeFlags : baselineFlagsText.split(' ').filter((f) => f !== '');
  const runs = Math.max(1, Math.floor(Number(process.env['BENCH_RUNS'] ?? 1)));
  const etcd = await startEtcd();
  try {
    const current: Round[] = [];
    const before: Round[] = [];
    for (let i = 0; i < runs; i++) {
      if (baselineRoot !== undefined) before.push(await measureRound(baselineRoot, etcd.endpoint, { creates, nodeFlags: baselineFlags }));
      current.push(await measureRound(ROOT, etcd.endpoint, { creates, nodeFlags }));
    }
    const bare = await floorMb('');
    const deps = await floorMb(
      `await import('fastify'); await import('better-sqlite3'); await import('etcd3'); await import('pino');\n` +
        `const { default: fastify } = await import('fastify'); const app = fastify(); await app.listen({ port: 0, host: '127.0.0.1' });`,
    );
    const shimFloor = await floorMb(
      `const { Etcd3 } = await import('etcd3'); const { default: pino } = await import('pino'); pino({ level: 'silent' });\n` +
        `const client = new Etcd3({ hosts: ${JSON.stringify(etcd.endpoint)} }); await client.get('/footprint-floor').string(); await client.watch().prefix('/footprint-floor').create();`,
    );
    const flagsText = (flags: readonly string[]): string => (flags.length === 0 ? '(none)' : flags.join(' '));
    const against = baselineRoot === undefined ? '' : `, alternating with ${baselineRoot} (node flags ${flagsText(baselineFlags)})`;
    console.log(`node flags: ${flagsText(nodeFlags)}; ${creates} creates at 4 connections; ${runs} round(s)${against}`);
    console.log('| process | idle RSS (MiB) | peak RSS (MiB) | creates/s |');
    console.log('|---|---:|---:|---:|');
    if (baselineRoot !== undefined) for (const row of rows('before', before)) console.log(row);
    for (const row of rows(baselineRoot === undefined ? 'this build' : 'after', current, baselineRoot === undefined ? undefined : before)) console.log(row);
    console.log(`| floor: bare node | ${bare.toFixed(1)} | — | — |`);
    console.log(`| floor: node + fastify listening + better-sqlite3 + etcd3 + pino loaded | ${deps.toFixed(1)} | — | — |`);
    console.log(`| floor: node + etcd3 client (a get, a watch) + pino | ${shimFloor.toFixed(1)} | — | — |`);
  } finally {
    await etcd.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
