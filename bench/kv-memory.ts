/**
 * Micro-benchmark of the in-process key/value store's backend (`MemoryBackendImpl`, what
 * `createMemoryStore` writes through): `node --import tsx bench/kv-memory.ts`
 * (add `--expose-gc` to collect between phases).
 *
 * For each size N (default 10,000 and 100,000 keys, like `/proton/net-l3vpn/Port/<uuid>`
 * with a 440-byte value) it fills a fresh backend with N single-put commits in random key
 * order, then measures:
 * - **create commits/s**: M more single-put commits of new keys (the outbox publisher's
 *   mirror of port creates); at 100k the history is past its 100k-event limit, so every
 *   commit also trims it;
 * - **update commits/s**: M single-put commits to existing keys;
 * - **delete commits/s**: deleting the M keys created above, one commit each;
 * - **page**: `range` of 1,000 keys from a random start at the current revision (µs);
 * - **old page**: the same at a revision 1,000 commits back (µs);
 * - **full scan**: every key of the prefix at the current revision (ms).
 *
 * The "before" code is the backend as of git ref `BENCH_KV_BEFORE` (default: the last
 * commit with the sorted-array backend), taken with `git archive` into a temp dir and run
 * in the same process, alternating with the working tree's code; each figure is the best
 * of `BENCH_KV_ROUNDS` (default 2) rounds. `BENCH_KV_SIZES=10000,100000`,
 * `BENCH_KV_COMMITS` (M, default 5,000).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMemoryBackend } from '../src/core/kv/index.js';

/** The backend surface the benchmark drives (the same in the old and new code). */
interface Backend {
  readonly revision: number;
  commit(writes: readonly ({ type: 'put'; key: string; value: string } | { type: 'delete'; key: string })[]): number;
  range(prefix: string, start: string, revision: number, limit: number): readonly unknown[];
}

type MakeBackend = () => Backend;

/** Figures of one implementation at one size. */
interface Figures {
  createPerSec: number;
  updatePerSec: number;
  deletePerSec: number;
  pageUs: number;
  oldPageUs: number;
  fullScanMs: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BEFORE_REF = process.env.BENCH_KV_BEFORE ?? '3ac372b';
const SIZES = (process.env.BENCH_KV_SIZES ?? '10000,100000').split(',').map(Number);
const COMMITS = Number(process.env.BENCH_KV_COMMITS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_KV_ROUNDS ?? 2);
const PREFIX = '/proton/net-l3vpn/Port/';
const VALUE = JSON.stringify({ id: 'x', payload: 'v'.repeat(400) });
const PAGE = 1_000;

/** Deterministic pseudo-random uuid-like keys (xorshift), so both implementations see the same. */
function makeKeys(n: number, seed: number): string[] {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const hex = (): string => rnd().toString(16).padStart(8, '0');
  return Array.from({ length: n }, () => `${PREFIX}${hex()}-${hex().slice(0, 4)}-${hex().slice(0, 4)}-${hex()}${hex().slice(0, 4)}`);
}

const gc = (globalThis as { gc?: () => void }).gc;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function measure(make: MakeBackend, n: number): Figures {
  const base = makeKeys(n, 42);
  const extra = makeKeys(COMMITS, 7);
  const b = make();
  for (const key of base) b.commit([{ type: 'put', key, value: VALUE }]);
  gc?.();
  const createMs = time(() => {
    for (const key of extra) b.commit([{ type: 'put', key, value: VALUE }]);
  });
  const updateMs = time(() => {
    for (let i = 0; i < COMMITS; i++) b.commit([{ type: 'put', key: base[(i * 7919) % n]!, value: VALUE }]);
  });
  const starts = makeKeys(200, 99);
  const pageMs = time(() => {
    for (const s of starts) b.range(PREFIX, s, b.revision, PAGE + 1);
  });
  const oldRev = b.revision - 1_000;
  const oldStarts = starts.slice(0, 20);
  const oldPageMs = time(() => {
    for (const s of oldStarts) b.range(PREFIX, s, oldRev, PAGE + 1);
  });
  const fullScanMs = time(() => {
    for (let i = 0; i < 5; i++) b.range(PREFIX, PREFIX, b.revision, Number.MAX_SAFE_INTEGER);
  });
  const deleteMs = time(() => {
    for (const key of extra) b.commit([{ type: 'delete', key }]);
  });
  return {
    createPerSec: COMMITS / (createMs / 1000),
    updatePerSec: COMMITS / (updateMs / 1000),
    deletePerSec: COMMITS / (deleteMs / 1000),
    pageUs: (pageMs * 1000) / starts.length,
    oldPageUs: (oldPageMs * 1000) / oldStarts.length,
    fullScanMs: fullScanMs / 5,
  };
}

function best(a: Figures | undefined, b: Figures): Figures {
  if (!a) return b;
  return {
    createPerSec: Math.max(a.createPerSec, b.createPerSec),
    updatePerSec: Math.max(a.updatePerSec, b.updatePerSec),
    deletePerSec: Math.max(a.deletePerSec, b.deletePerSec),
    pageUs: Math.min(a.pageUs, b.pageUs),
    oldPageUs: Math.min(a.oldPageUs, b.oldPageUs),
    fullScanMs: Math.min(a.fullScanMs, b.fullScanMs),
  };
}

/** Loads the backend of `ref` from git into a temp dir; undefined if that fails. */
async function loadBefore(ref: string): Promise<{ make: MakeBackend; dir: string } | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'kv-bench-before-'));
  try {
    const tar = execFileSync('git', ['archive', ref, 'src/core/kv', 'src/core/errors'], { cwd: root, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const mod = (await import(pathToFileURL(join(dir, 'src/core/kv/memory-backend.ts')).href)) as {
      createMemoryBackend: () => { impl: Backend };
    };
    return { make: () => mod.createMemoryBackend().impl, dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`no "before" figures: cannot load ${ref}: ${(err as Error).message}\n`);
    return undefined;
  }
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const before = await loadBefore(BEFORE_REF);
  const after: MakeBackend = () => (createMemoryBackend() as unknown as { impl: Backend }).impl;
  const load0 = loadavg();
  const rows: string[] = [];
  for (const n of SIZES) {
    let b: Figures | undefined;
    let a: Figures | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      if (before) b = best(b, measure(before.make, n));
      gc?.();
      a = best(a, measure(after, n));
      gc?.();
    }
    const line = (name: string, f: Figures): string =>
      `| ${fmt(n)} | ${name} | ${fmt(f.createPerSec)} | ${fmt(f.updatePerSec)} | ${fmt(f.deletePerSec)} | ${fmt(f.pageUs)} | ${fmt(f.oldPageUs)} | ${fmt(f.fullScanMs, 1)} |`;
    if (b) rows.push(line(`before (${BEFORE_REF})`, b));
    rows.push(line('after', a!));
  }
  if (before) rmSync(before.dir, { recursive: true, force: true });
  const load1 = loadavg();
  const out = [
    `node ${process.version}, ${cpus().length} CPUs, load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${load1.map((x) => x.toFixed(1)).join(' ')}; ${fmt(COMMITS)} commits per phase, best of ${ROUNDS} alternating rounds`,
    '',
    '| keys | code | create commits/s | update commits/s | delete commits/s | page of 1,000 (µs) | old-revision page (µs) | full scan (ms) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
