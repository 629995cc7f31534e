/**
 * vitest global set-up: starts the real services the suites need (one private etcd on
 * free ports for the whole run, installing Debian's etcd-server first if needed as
 * root) and exposes their addresses through `inject()` and environment variables.
 * Tests that kill or restart etcd start their own instance with `startEtcd()`.
 */
import { createRequire } from 'node:module';
import type { TestProject } from 'vitest/node';
import { ensureEtcdInstalled, startEtcd, type EtcdInstance } from './etcd.js';

/**
 * better-sqlite3 is an optional dependency (an embedder on MySQL need not compile it), so
 * `npm ci` goes on without it when its native build fails; the suite then stops here with
 * one message naming the fix, not with every SQLite test failing on its own.
 */
function ensureSqliteDriver(): void {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
    new Database(':memory:').close();
  } catch (err) {
    throw new Error(
      `the tests need better-sqlite3 (an optional dependency of gluon-net) and it does not load: ${(err as Error).message}\n` +
        'Install its build tools and build it: apt-get install python3 make g++ && npm rebuild better-sqlite3',
    );
  }
}

let etcd: EtcdInstance | undefined;

export async function setup(project: TestProject): Promise<void> {
  ensureSqliteDriver();
  ensureEtcdInstalled();
  etcd = await startEtcd();
  project.provide('etcdEndpoint', etcd.endpoint);
  process.env['GLUON_TEST_ETCD'] = etcd.endpoint;
}

export async function teardown(): Promise<void> {
  await etcd?.stop();
  etcd = undefined;
}
