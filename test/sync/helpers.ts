import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdStore, listAll, type KeyValueStore } from '../../src/core/kv/index.js';
import type { ApiModel } from '../../src/core/model/index.js';
import type { MirrorSource } from '../../src/core/store/index.js';
import { PORT_PREFIX, apiPrefix } from '../../src/core/sync/index.js';
import { freePort } from '../setup/service-process.js';
import { waitFor } from '../setup/wait-for.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { call } from '../setup/http-call.js';

export const TENANT = 'a868a466bca84df18404a77db0ecac72';
export const API = '/proton/net-l3vpn/v1.0';

/** A fresh temp directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gluon-sync-'));
}

/** A unique etcd key prefix, so tests share the run-wide etcd without seeing each other. */
export function uniquePrefix(): string {
  return `/t-${randomUUID().slice(0, 8)}`;
}

/** An etcd client on `endpoint` with `prefix`. */
export function etcdClient(endpoint: string, prefix: string): KeyValueStore {
  return createEtcdStore({ hosts: endpoint, prefix });
}

/** etcd's content under the mirror's prefixes for `apis`: key → value. */
export async function etcdContent(kv: KeyValueStore, apiNames: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const prefix of [...apiNames.map(apiPrefix), PORT_PREFIX]) {
    for (const kv1 of (await listAll(kv, prefix)).kvs) out.set(kv1.key, kv1.value);
  }
  return out;
}

/** SQL's content as the mirror should hold it: key → value. */
export async function sqlContent(store: MirrorSource, apis: readonly ApiModel[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const api of apis) for await (const e of store.snapshot(api)) out.set(e.key, e.value);
  return out;
}

/** Key-by-key difference, for readable assertion failures (empty when equal). */
export function diff(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of expected) {
    const got = actual.get(k);
    if (got === undefined) out.push(`missing ${k}`);
    else if (got !== v) out.push(`different ${k}: ${got} != ${v}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) out.push(`extra ${k}`);
  return out;
}

/** A free TCP port on 127.0.0.1 (the test set-up's). */
export { freePort };

/** A valid port body. */
export function portBody(i: number): Record<string, unknown> {
  const hex = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');
  return {
    tenant_id: TENANT,
    name: `p${i}`,
    mac_address: `c8:2a:14:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`,
    ...PORT_FIELDS,
  };
}

/** A `gluon serve` child process (tsx on the sources). */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Starts `gluon serve` with `args` and waits until `/readyz` answers 200. */
/**
 * Every `gluon serve` child still running, from the moment it is spawned (a test that
 * times out while one starts must not leave it behind): {@link stopAllServes} kills them,
 * and so does this test process's exit.
 */
const liveServes = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveServes) child.kill('SIGKILL');
});

/** SIGKILLs every `gluon serve` child still running (for `afterAll`), and waits for their exit. */
export async function stopAllServes(): Promise<void> {
  await Promise.all(
    [...liveServes].map(async (child) => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }),
  );
}

export async function startServe(args: readonly string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', String(port), '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveServes.add(child);
  child.once('exit', () => liveServes.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(`gluon serve on ${url} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`gluon serve exited ${child.exitCode}: ${out}`);
    const res = await fetch(`${url}/readyz`);
    return res.status === 200;
  }, 60_000).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${out}`);
  });
  return {
    url,
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** GET /readyz's mirror details. */
export async function mirrorCheck(base: string): Promise<Record<string, unknown>> {
  const res = await call(`${base}/readyz`);
  return ((res.json()['checks'] as Record<string, unknown>)['mirror'] ?? {}) as Record<string, unknown>;
}
