import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnNode, tempDir } from '../server/helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { ROOT, cleanUpAfterEach, ensureBuilt } from './cli-build.js';

beforeAll(ensureBuilt, 180_000);

const { running, cleanups } = cleanUpAfterEach();

/** Runs the built `gluon` with `args` until `ready` is printed and returns the npm packages it has loaded (the process is killed after the test). */
async function packagesLoadedBy(args: readonly string[], ready: RegExp): Promise<string[]> {
  const tmp = await tempDir('gluon-loaded-');
  cleanups.push(tmp.remove);
  const list = join(tmp.dir, 'loaded.json');
  const preload = join(ROOT, 'test', 'ops', 'fixtures', 'report-loaded-packages.mjs');
  const proc = spawnNode(['--import', preload, join(ROOT, 'bin', 'gluon.js'), ...args], { cwd: ROOT, env: { LOADED_PACKAGES_FILE: list } });
  running.push(proc);
  await proc.waitFor(ready);
  proc.child.kill('SIGUSR2');
  await waitFor('the list of loaded packages', () => existsSync(list));
  return JSON.parse(readFileSync(list, 'utf8')) as string[];
}

/**
 * What only the HTTP server, the SQL store, the metrics and the DI container need. (Ajv is
 * not among them: a shim checks its etcd settings against the same declarations as the
 * server, which are JSON Schemas.)
 */
const SERVER_PACKAGES = ['fastify', '@fastify/swagger', '@fastify/swagger-ui', 'sequelize', 'prom-client', 'tsyringe'];

describe('gluon shim run', () => {
  it('runs a shim against etcd without loading the HTTP server, the SQL store, metrics or DI', async () => {
    const shim = join(ROOT, 'bench', 'dummy-shim.mjs');
    const loaded = await packagesLoadedBy(['shim', 'run', shim, '--etcd', inject('etcdEndpoint'), '--etcd-prefix', '/lazy-cli', '--log-format', 'json'], /"shim running"/);
    // the shim does load what it uses: its etcd client and logger
    expect(loaded).toEqual(expect.arrayContaining(['etcd3', 'pino', 'commander']));
    expect(loaded.filter((name) => SERVER_PACKAGES.includes(name))).toEqual([]);
  });
});

describe('gluon serve', () => {
  it('loads the server packages a shim process leaves out', async () => {
    const tmp = await tempDir('gluon-loaded-db-');
    cleanups.push(tmp.remove);
    const loaded = await packagesLoadedBy(['serve', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'gluon.db')}`, '--log-format', 'json'], /listening on http/);
    // (Sequelize is MySQL's only: on SQLite it stays unloaded, see serve-loads-lazily.test.ts)
    expect(loaded).toEqual(expect.arrayContaining(['fastify', 'prom-client', 'tsyringe']));
  });
});
