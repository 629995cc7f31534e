/**
 * The system under test of the chaos run: a 3-member etcd cluster, two `gluon serve` on
 * one fresh MariaDB database, and a pair of `gluon shim run` with leader election, all
 * given the etcd member list. Also what the checker reads back: SQL, etcd, shim caches.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createEtcdStore, listAll, type KeyValueStore } from '../../src/core/kv/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { createStore } from '../../src/core/store/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { PORT_REGISTRY_PREFIX, controllerPrefix, protonPrefix } from '../../src/core/wire/index.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { ROOT, startGluon, type GluonProcess } from './gluon-process.js';
import type { CacheDump, Effect, ObjectState } from './history.js';
import { freePort } from '../../test/setup/service-process.js';

/** The URL every server advertises (the mirror's values carry it in links). */
export const ADVERTISED = 'http://proton.chaos:2705';
const API = 'net-l3vpn';

/** Options of {@link startWorld}. */
export interface WorldOptions {
  /** Lease TTL of the servers' publisher election and of the shims' election, s (default 2). */
  readonly leaseTtlSeconds?: number;
  /** Where the logs go (default: a new temp dir). */
  readonly dir?: string;
}

/** The running system. */
export interface World {
  readonly dir: string;
  readonly etcd: EtcdCluster;
  readonly database: string;
  readonly prefix: string;
  readonly servers: ReadonlyMap<string, GluonProcess & { readonly url: string }>;
  readonly shims: ReadonlyMap<string, GluonProcess & { readonly dumpFile: string; readonly effectsFile: string }>;
  /** The checker's own etcd client (member list, prefix). */
  readonly kv: KeyValueStore;
  /** Waits until every server answers `/readyz` 200 (throws after `timeoutMs`). */
  waitReady(timeoutMs: number): Promise<void>;
  /** Final content of SQL (through the store's mirror snapshot) and of etcd, key → value. */
  content(): Promise<{ sql: Map<string, string>; etcd: Map<string, string> }>;
  /** etcd's keys and modRevisions under the shims' two prefixes. */
  etcdRevisions(): Promise<{ objects: Map<string, number>; results: Map<string, number> }>;
  /** Asks each shim for a cache dump (SIGUSR2) and reads it. */
  dumpCaches(timeoutMs: number): Promise<CacheDump[]>;
  /** Every effect the shims recorded. */
  effects(): Effect[];
  /** Stops everything and drops the database; keeps the logs when `keepLogs`. */
  stop(keepLogs: boolean): Promise<void>;
}

async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.text();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, alive: () => string | undefined = () => undefined): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const dead = alive();
    if (dead !== undefined) throw new Error(dead);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`chaos: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Parses the JSON lines of an effects file (missing file: none). */
function readEffects(file: string): Effect[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Effect);
}

/** Starts the system and waits until both servers are ready. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('chaos: dist/ is missing; run `npm run build` first (npm run chaos does)');
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'gluon-chaos-'));
  const ttl = String(options.leaseTtlSeconds ?? 2);
  const etcd = await startEtcdCluster(3);
  const database = `gluon_chaos_${randomUUID().slice(0, 8)}`;
  const conn = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await conn.query(`CREATE DATABASE \`${database}\``);
  await conn.end();
  const db = `mysql://root@127.0.0.1:3306/${database}`;
  const prefix = `/chaos-${randomUUID().slice(0, 8)}`;
  const common = ['--etcd', etcd.endpoints, '--etcd-prefix', prefix];
  const servers = new Map<string, GluonProcess & { url: string }>();
  const shims = new Map<string, GluonProcess & { dumpFile: string; effectsFile: string }>();
  const kv = createEtcdStore({ hosts: etcd.endpoints.split(','), prefix, requestTimeoutMs: 3000 });
  const apis: readonly ApiModel[] = await loadModels(bundledModelsDir());
  const world: World = {
    dir, etcd, database, prefix, servers, shims, kv,
    async waitReady(timeoutMs) {
      await until('both servers to be ready', async () => (await Promise.all([...servers.values()].map((s) => ready(s.url)))).every(Boolean), timeoutMs, () => {
        const dead = [...servers.values()].find((s) => !s.running);
        return dead === undefined ? undefined : `chaos: ${dead.name} exited; see ${join(dir, `${dead.name}.log`)}`;
      });
    },
    async content() {
      const store = createStore({ url: db, advertisedUrl: ADVERTISED });
      const sql = new Map<string, string>();
      const fromEtcd = new Map<string, string>();
      try {
        for (const api of apis) for await (const e of store.snapshot(api)) sql.set(e.key, e.value);
        for (const prefix of [...apis.map((api) => protonPrefix(api.name)), PORT_REGISTRY_PREFIX]) {
          for (const e of (await listAll(kv, prefix)).kvs) fromEtcd.set(e.key, e.value);
        }
      } finally {
        await store.close();
      }
      return { sql, etcd: fromEtcd };
    },
    async etcdRevisions() {
      const objects = new Map<string, number>();
      const results = new Map<string, number>();
      for (const e of (await listAll(kv, protonPrefix(API))).kvs) objects.set(e.key, e.modRevision);
      for (const e of (await listAll(kv, controllerPrefix(API))).kvs) results.set(e.key, e.modRevision);
      return { objects, results };
    },
    async dumpCaches(timeoutMs) {
      const out: CacheDump[] = [];
      for (const shim of shims.values()) {
        rmSync(shim.dumpFile, { force: true });
        shim.signal('SIGUSR2');
        await until(`${shim.name}'s cache dump`, async () => existsSync(shim.dumpFile), timeoutMs);
        const d = JSON.parse(readFileSync(shim.dumpFile, 'utf8')) as {
          pid: number; leader: boolean;
          objects: { entries: Array<{ key: string; modRevision: number }> };
          results: { entries: Array<{ key: string; modRevision: number }> };
        };
        out.push({
          shim: shim.name, pid: d.pid, leader: d.leader,
          objects: new Map(d.objects.entries.map((e) => [e.key, e.modRevision])),
          results: new Map(d.results.entries.map((e) => [e.key, e.modRevision])),
        });
      }
      return out;
    },
    effects() {
      return [...shims.values()].flatMap((s) => readEffects(s.effectsFile));
    },
    async stop(keepLogs) {
      await Promise.all([...shims.values(), ...servers.values()].map((p) => p.stop()));
      await kv.close().catch(() => undefined);
      await etcd.stop();
      const c = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
      if (!keepLogs) rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // one after the other: the first creates the schema
    for (const name of ['server-a', 'server-b']) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const args = ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port), '--advertised-url', ADVERTISED, ...common, '--lease-ttl-seconds', ttl, '--log-level', 'warn'];
      servers.set(name, Object.assign(startGluon(name, args.slice(), join(dir, `${name}.log`)), { url }));
      await world.waitReady(90_000);
    }
    for (const name of ['shim-1', 'shim-2']) {
      const dumpFile = join(dir, `${name}.dump.json`);
      const effectsFile = join(dir, `${name}.effects.jsonl`);
      const args = ['shim', 'run', join(ROOT, 'bench', 'chaos', 'chaos-shim.mjs'), ...common, '--election', '--election-ttl', ttl, '--debug-dump', dumpFile, '--log-level', 'warn'];
      shims.set(name, Object.assign(startGluon(name, args, join(dir, `${name}.log`), { CHAOS_EFFECTS_FILE: effectsFile }), { dumpFile, effectsFile }));
    }
  } catch (err) {
    await world.stop(true);
    throw err;
  }
  return world;
}

/** Reduces mirror values (key → JSON) to the states the checker compares. */
export function statesOf(content: ReadonlyMap<string, string>): Map<string, ObjectState> {
  const out = new Map<string, ObjectState>();
  for (const [key, value] of content) {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    out.set(key, typeof parsed['name'] === 'string' ? { exists: true, name: parsed['name'] } : { exists: true });
  }
  return out;
}
