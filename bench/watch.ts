/**
 * Watch stream benchmark (issue 14): `node --import tsx bench/watch.ts`.
 *
 * A gluon server in its own process (`bench/watch-server.ts`: SQLite in memory, the etcd
 * mirror on a private etcd) and this process as the writer and the watchers:
 * - **events/s to N watchers** (N = 1, 10, 100): N streams `GET …/ports?watch=true` are
 *   open (past their BOOKMARK); this process then writes M port changes straight into
 *   etcd under the server's prefix (transactions of 100 puts, as the outbox publisher
 *   does) and times until every watcher has received all M events. Reported: events/s
 *   per watcher (M / time) and delivered events/s (N × M / time), next to the writer
 *   alone (the same writes with no watcher: the ceiling of the 1-watcher figure).
 * - **memory with idle watchers**: the server's RSS (`/proc/<pid>/status` VmRSS) before
 *   and after opening W idle streams (on an empty collection), and per stream.
 *
 * Environment: `BENCH_ETCD=<url>` (default: a private etcd on free ports),
 * `BENCH_WATCH_EVENTS` (M, default 5,000), `BENCH_WATCH_COUNTS` (default `1,10,100`),
 * `BENCH_WATCH_IDLE` (W, default 1,000), `BENCH_WATCH_BUFFER` (the server's
 * `watchBufferBytes`; default its own, 1 MiB). A watcher the server cuts off as too slow
 * counts in the last column; its events up to then count in the rates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createKeyValueStore, type KeyValueStore } from '../src/core/kv/index.js';
import { startEtcd } from '../test/setup/etcd.js';
import { BENCH_TENANT, portBody } from './port-body.js';

const PORTS = '/proton/net-l3vpn/v1.0/ports';
const IDLE = '/proton/net-l3vpn/v1.0/vpns';
const BATCH = 100;

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}: "${raw}" must be an integer ≥ 1`);
  return value;
}

/** One open stream that counts object events after its BOOKMARK. */
class CountingWatcher {
  live = 0;
  bookmarked = false;
  ended = false;
  cutOff = false;
  private carry = '';
  private constructor(private readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    response.on('close', () => (this.ended = true));
  }

  static open(url: string): Promise<CountingWatcher> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
        else resolve(new CountingWatcher(res));
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.response.destroy();
  }

  private take(chunk: string): void {
    const text = this.carry + chunk;
    if (text.includes('GLUON_ERR_WATCH_SLOW_CLIENT')) this.cutOff = true;
    let at = 0;
    for (;;) {
      const next = text.indexOf('event: ', at);
      if (next < 0 || next + 16 > text.length) break;
      const kind = text.slice(next + 7, next + 15);
      if (kind.startsWith('BOOKMARK')) this.bookmarked = true;
      else if (this.bookmarked && (kind.startsWith('MODIFIED') || kind.startsWith('ADDED'))) this.live++;
      at = next + 7;
    }
    this.carry = text.slice(Math.max(at, text.length - 16));
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function startServer(endpoint: string, prefix: string): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL('./watch-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, endpoint, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening (\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`watch server exited (${code}) before listening`)));
  });
}

/** Writes `count` changes to the pooled port keys, in transactions of BATCH puts; resolves with the seconds taken. */
async function writeChanges(kv: KeyValueStore, pool: readonly string[], count: number, round: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let done = 0; done < count; done += BATCH) {
    const size = Math.min(BATCH, count - done);
    await kv.txn({
      compare: [],
      success: Array.from({ length: size }, (_, i) => {
        const id = pool[(done + i) % pool.length] ?? '';
        return { type: 'put' as const, key: `/proton/net-l3vpn/Port/${id}`, value: JSON.stringify({ ...portBody(done + i, id), name: `r${round}-${done + i}` }) };
      }),
    });
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function progress(line: string): void {
  process.stderr.write(`watch bench: ${line}\n`);
}

async function main(): Promise<void> {
  const events = numberFromEnv('BENCH_WATCH_EVENTS', 5000);
  const counts = (process.env['BENCH_WATCH_COUNTS'] ?? '1,10,100').split(',').map((n) => Number(n));
  const idle = numberFromEnv('BENCH_WATCH_IDLE', 1000);
  const etcd = process.env['BENCH_ETCD'] === undefined ? await startEtcd() : undefined;
  const endpoint = process.env['BENCH_ETCD'] ?? etcd?.endpoint ?? '';
  const prefix = `/bench-watch-${randomUUID().slice(0, 8)}`;
  const { child, url } = await startServer(endpoint, prefix);
  const kv = createKeyValueStore(endpoint, { prefix });
  try {
    // The mirror reconciles etcd with SQL once elected: write only after it published a create.
    const vpn = await fetch(`${url}/proton/net-l3vpn/v1.0/vpns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant_id: BENCH_TENANT, name: 'warm', ipv4_family: '100:1', route_distinguishers: '100:1' }),
    });
    const created = (await vpn.json()) as { id?: unknown };
    if (vpn.status !== 201) throw new Error(`vpn create answered ${vpn.status}: ${JSON.stringify(created)}`);
    const vpnId = String(created.id);
    progress('server ready; writer alone');
    for (;;) {
      if ((await kv.get(`/proton/net-l3vpn/VpnService/${vpnId}`)) !== undefined) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await fetch(`${url}/proton/net-l3vpn/v1.0/vpns/${vpnId}`, { method: 'DELETE' });
    const pool = Array.from({ length: BATCH }, () => randomUUID());
    const alone = events / (await writeChanges(kv, pool, events, 0));
    const rows: string[] = [];
    rows.push(`| writer alone (no watcher) | ${events} | ${Math.round(alone)} | | | |`);
    let round = 1;
    for (const n of counts) {
      progress(`${n} watcher(s)`);
      const watchers = await Promise.all(Array.from({ length: n }, () => CountingWatcher.open(`${url}${PORTS}?watch=true`)));
      await until('every BOOKMARK', () => watchers.every((w) => w.bookmarked));
      const started = process.hrtime.bigint();
      await writeChanges(kv, pool, events, round++);
      await until('every watcher to receive every event (or be cut off)', () => watchers.every((w) => w.live >= events || w.ended));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const w of watchers) w.close();
      const delivered = watchers.reduce((sum, w) => sum + Math.min(w.live, events), 0);
      const cutOff = watchers.filter((w) => w.cutOff).length;
      rows.push(`| ${n} watcher${n === 1 ? '' : 's'} | ${events} | ${Math.round(delivered / n / seconds)} | ${Math.round(delivered / seconds)} | ${seconds.toFixed(2)} | ${cutOff} |`);
    }
    progress(`${idle} idle watchers`);
    const before = rssMiB(child.pid ?? 0);
    const idleWatchers: CountingWatcher[] = [];
    for (let i = 0; i < idle; i += 50) {
      idleWatchers.push(...(await Promise.all(Array.from({ length: Math.min(50, idle - i) }, () => CountingWatcher.open(`${url}${IDLE}?watch=true`)))));
    }
    await until('every idle BOOKMARK', () => idleWatchers.every((w) => w.bookmarked));
    await new Promise((r) => setTimeout(r, 2000));
    const after = rssMiB(child.pid ?? 0);
    for (const w of idleWatchers) w.close();

    console.log(`watch benchmark (${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, etcd mirror, SQLite in memory)`);
    console.log(`buffer per stream: ${process.env['BENCH_WATCH_BUFFER'] ?? 'default (1 MiB)'}`);
    console.log('| watchers | events written | events/s per watcher | events/s delivered | seconds | cut off (slow client) |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
    console.log('');
    console.log('| idle watchers | server RSS before (MiB) | after (MiB) | per watcher (KiB) |');
    console.log('|---:|---:|---:|---:|');
    console.log(`| ${idle} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${(((after - before) * 1024) / idle).toFixed(1)} |`);
  } finally {
    await kv.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await etcd?.stop();
  }
}

await main();
