/**
 * `npm run chaos`: the chaos run with a checker (docs/reliability.md).
 *
 * A 3-member etcd cluster, two `gluon serve` on one MariaDB database, a pair of
 * `gluon shim run` with leader election, a mixed load of creates, updates, deletes and
 * binds; a seeded schedule SIGKILLs and SIGSTOPs etcd members (the leader included),
 * servers and shims and compacts etcd. Then the checker proves: every acknowledged
 * write's final state is in SQL and in etcd (and SQL equals etcd), every bind was answered
 * within its deadline plus the faults' duration, the shims' caches equal etcd, and no
 * handler effect was applied twice for one revision. Prints the schedule, the counts and
 * the verdict; exits 1 on any violation.
 *
 *   npm run chaos                                  # 150 s of load, faults over its first 135 s
 *   npm run chaos -- --seed 42 --duration 120     # a given seed and length (s)
 *
 * Flags (or environment): `--seed` (CHAOS_SEED), `--duration` seconds of load
 * (CHAOS_DURATION_S, default 150; faults fire until 15 s before its end), `--workers` (CHAOS_WORKERS, default 4), `--slack-ms`
 * (CHAOS_SLACK_MS, default 3000: the machine's own delay allowed on top of a bind's
 * deadline and the faults during it), `--keep-logs`. Writes `bench/results/chaos.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acceptableStates, byKey, cacheDifferences, checkAcknowledgedWrites, checkBinds, checkCaches, checkEffects, type Violation } from './checker.js';
import { runFaults } from './faults.js';
import type { CacheDump, FaultEvent, Operation } from './history.js';
import { API_PATH, TENANT, startLoad } from './load.js';
import { formatSchedule, makeSchedule, type Fault } from './schedule.js';
import { startWorld, statesOf, type World } from './world.js';

/** Settings of one run. */
export interface ChaosOptions {
  readonly seed: number;
  /** Length of the load, ms (faults fire until 3–15 s before its end). */
  readonly durationMs: number;
  readonly workers: number;
  readonly slackMs: number;
  /** Longest single fault, ms. */
  readonly maxFaultMs?: number;
  readonly keepLogs?: boolean;
}

/** What a run found. */
export interface ChaosResult {
  readonly seed: number;
  readonly durationMs: number;
  readonly schedule: readonly Fault[];
  readonly faults: readonly FaultEvent[];
  readonly counts: Readonly<Record<string, number>>;
  readonly violations: readonly Violation[];
  readonly ok: boolean;
  readonly logDir: string;
  readonly load1: number;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    try {
      if (await check()) return true;
    } catch {
      // etcd or SQL not answering yet: try again
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const out = (await res.json()) as Record<string, unknown>;
  if (res.status !== 201) throw new Error(`chaos: POST ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

function countOps(history: readonly Operation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of history) {
    const why = op.outcome === 'ok' ? '' : ` (${op.status === undefined ? op.error ?? '?' : `HTTP ${op.status}`})`;
    const k = `${op.kind} ${op.object} ${op.outcome}${why}`;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** The checks that read the quiet system: mirror, acknowledged writes, caches. */
async function checkFinalState(world: World, history: readonly Operation[], log: (line: string) => void): Promise<{ violations: Violation[]; counts: Record<string, number> }> {
  const violations: Violation[] = [];
  // the publisher catches up: SQL and etcd hold the same objects
  let content = await world.content();
  const same = (c: typeof content): boolean => c.sql.size === c.etcd.size && [...c.sql].every(([k, v]) => c.etcd.get(k) === v);
  const converged = await until(async () => same((content = await world.content())), 90_000);
  if (!converged) {
    const missing = [...content.sql.keys()].filter((k) => content.etcd.get(k) !== content.sql.get(k)).slice(0, 5);
    violations.push({ rule: 'mirror', message: `etcd did not converge to SQL within 90 s (${content.sql.size} rows, ${content.etcd.size} keys; e.g. ${missing.join(', ')})` });
  }
  log(`mirror: ${converged ? 'etcd equals SQL' : 'etcd DIFFERS from SQL'} (${content.sql.size} objects)`);
  violations.push(...checkAcknowledgedWrites(history, statesOf(content.sql), 'SQL'));
  violations.push(...checkAcknowledgedWrites(history, statesOf(content.etcd), 'etcd'));
  // the shims' caches catch up with etcd
  let dumps: CacheDump[] = [];
  let revisions = await world.etcdRevisions();
  const cachesEqual = await until(async () => {
    revisions = await world.etcdRevisions();
    dumps = await world.dumpCaches(10_000);
    return dumps.every((d) => cacheDifferences(d, revisions.objects, revisions.results).length === 0);
  }, 60_000);
  if (!cachesEqual) violations.push(...checkCaches(dumps, revisions.objects, revisions.results));
  log(`shim caches: ${cachesEqual ? 'equal to etcd' : 'DIFFER from etcd'} (${revisions.objects.size} objects, ${revisions.results.size} bind results; leader: ${dumps.find((d) => d.leader)?.shim ?? 'none'})`);
  const keys = byKey(history);
  let ambiguous = 0;
  for (const ops of keys.values()) if (acceptableStates(ops).length > 1) ambiguous++;
  return { violations, counts: { 'objects written': keys.size, 'objects with an unknown last outcome': ambiguous, 'objects in SQL': content.sql.size, 'bind results in etcd': revisions.results.size } };
}

/** Runs the whole chaos test once. */
export async function runChaos(options: ChaosOptions, log: (line: string) => void = (l) => console.log(l)): Promise<ChaosResult> {
  const schedule = makeSchedule({ seed: options.seed, durationMs: options.durationMs, ...(options.maxFaultMs === undefined ? {} : { maxFaultMs: options.maxFaultMs }) });
  const lastFault = schedule.reduce((end, f) => Math.max(end, f.at + f.durationMs), 0);
  log(`chaos: seed ${options.seed}, ${options.durationMs / 1000} s of load with faults until t+${(lastFault / 1000).toFixed(1)} s, ${options.workers} workers; schedule:`);
  for (const line of formatSchedule(schedule)) log(`  ${line}`);
  const world = await startWorld();
  log(`chaos: etcd ${world.etcd.endpoints}, database ${world.database}, prefix ${world.prefix}, logs in ${world.dir}`);
  let ok = false;
  try {
    const a = world.servers.get('server-a');
    if (a === undefined) throw new Error('chaos: no server-a');
    const vpn = await post(a.url, `${API_PATH}/vpns`, { tenant_id: TENANT, name: 'chaos', ipv4_family: '100:1', route_distinguishers: '100:1' });
    const targets = [...world.servers.values()].map((s) => ({ name: s.name, url: s.url }));
    const load = startLoad({ seed: options.seed, targets, serviceId: String(vpn['id']), workers: options.workers });
    const faults = runFaults(world, schedule, (line) => log(`  ${line}`));
    await new Promise((r) => setTimeout(r, options.durationMs));
    await faults.done;
    await load.stop();
    log(`chaos: load stopped after ${load.history.length} requests; checking`);
    writeFileSync(join(world.dir, 'history.json'), `${JSON.stringify({ history: load.history, faults: faults.events }, null, 1)}\n`);
    await world.waitReady(90_000);
    const final = await checkFinalState(world, load.history, log);
    const binds = checkBinds(load.history, faults.events, options.slackMs);
    const effects = checkEffects(world.effects(), faults.events);
    const violations = [...final.violations, ...binds.violations, ...effects.violations];
    const counts: Record<string, number> = {
      requests: load.history.length,
      ...countOps(load.history),
      ...final.counts,
      'binds ACTIVE': binds.counts.active,
      'binds binding_failed (with a reason)': binds.counts.failed,
      ...Object.fromEntries(Object.entries(binds.counts.reasons).map(([reason, n]) => [`  of which reason ${reason}`, n])),
      'binds lost with their killed server (unknown)': binds.counts.lostWithServer,
      'binds refused: server down, nothing sent': binds.counts.refused,
      'bind effects applied by shims': effects.counts.binds,
      'unbind effects applied by shims': effects.counts.unbinds,
      'binds re-applied by a new leader after a failover': effects.counts.reappliedAfterFailover,
      'faults carried out': faults.events.length,
      'server restarts': [...world.servers.values()].reduce((n, s) => n + s.starts - 1, 0),
      'shim restarts': [...world.shims.values()].reduce((n, s) => n + s.starts - 1, 0),
    };
    ok = violations.length === 0;
    const result: ChaosResult = { seed: options.seed, durationMs: options.durationMs, schedule, faults: faults.events, counts, violations, ok, logDir: world.dir, load1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
    log('chaos: counts');
    for (const [k, v] of Object.entries(counts)) log(`  ${k}: ${v}`);
    for (const v of violations.slice(0, 50)) log(`  VIOLATION [${v.rule}] ${v.message}`);
    if (violations.length > 50) log(`  … and ${violations.length - 50} more`);
    log(`chaos: verdict ${ok ? 'PASS' : 'FAIL'}: ${violations.length} violation(s) (seed ${options.seed}; load average ${result.load1})${ok && options.keepLogs !== true ? '' : `; logs in ${world.dir}`}`);
    return result;
  } finally {
    await world.stop(!ok || options.keepLogs === true);
  }
}

function number(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`chaos: ${what} must be a non-negative number, received ${JSON.stringify(value)}`);
  return n;
}

/** `npm run chaos`: parses the flags, runs, writes bench/results/chaos.json; exits 1 on a violation. */
export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { seed: { type: 'string' }, duration: { type: 'string' }, workers: { type: 'string' }, 'slack-ms': { type: 'string' }, 'keep-logs': { type: 'boolean' } },
  });
  const env = process.env;
  const result = await runChaos({
    seed: Math.floor(number(values.seed ?? env['CHAOS_SEED'], Date.now() % 1_000_000, '--seed')),
    durationMs: number(values.duration ?? env['CHAOS_DURATION_S'], 150, '--duration') * 1000,
    workers: Math.max(1, Math.floor(number(values.workers ?? env['CHAOS_WORKERS'], 4, '--workers'))),
    slackMs: number(values['slack-ms'] ?? env['CHAOS_SLACK_MS'], 3000, '--slack-ms'),
    keepLogs: values['keep-logs'] === true,
  });
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}chaos.json`, `${JSON.stringify(result, null, 2)}\n`);
  return result.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await main(process.argv.slice(2)));
}
