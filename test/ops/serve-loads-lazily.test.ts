import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode, tempDir, type Spawned } from '../server/helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { ROOT, ensureBuilt } from './cli-build.js';

/** Loaded only when a request needs them: the Swagger UI page, the HTTP client. */
const ON_DEMAND = ['@fastify/swagger', '@fastify/swagger-ui', '@fastify/static', 'undici'];

let proc: Spawned;
let url: string;
let list: string;
let removeTmp: () => Promise<void>;

beforeAll(async () => {
  ensureBuilt();
  const tmp = await tempDir('gluon-lazy-');
  removeTmp = tmp.remove;
  list = join(tmp.dir, 'loaded.json');
  const preload = join(ROOT, 'test', 'ops', 'fixtures', 'report-loaded-packages.mjs');
  const args = ['--import', preload, join(ROOT, 'bin', 'gluon.js'), 'serve', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'gluon.db')}`, '--log-format', 'json'];
  proc = spawnNode(args, { cwd: ROOT, env: { LOADED_PACKAGES_FILE: list } });
  const line = await proc.waitFor(/listening on http/);
  url = /listening on (http:\/\/[\d.:]+)/.exec(line)?.[1] ?? '';
}, 180_000);

afterAll(async () => {
  if (proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await proc?.exited;
  await removeTmp?.();
});

/** The npm packages the server has loaded so far (the preload writes them on SIGUSR2). */
async function loadedNow(): Promise<string[]> {
  rmSync(list, { force: true });
  proc.child.kill('SIGUSR2');
  await waitFor('the list of loaded packages', () => existsSync(list));
  return JSON.parse(readFileSync(list, 'utf8')) as string[];
}

describe('gluon serve on SQLite', () => {
  it('starts and serves a first request without Sequelize, Swagger UI or the HTTP client', async () => {
    const root = await fetch(`${url}/proton/net-l3vpn/v1.0/ports`);
    expect(root.status).toBe(200);
    const loaded = await loadedNow();
    expect(loaded).toEqual(expect.arrayContaining(['fastify', 'better-sqlite3']));
    expect(loaded.filter((name) => name === 'sequelize' || ON_DEMAND.includes(name))).toEqual([]);
  });

  it('loads Swagger UI on the first request to /proton/docs, and serves the page and the document', async () => {
    const page = await fetch(`${url}/proton/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/swagger/i);
    const spec = (await (await fetch(`${url}/proton/docs/json`)).json()) as { info?: { title?: unknown } };
    const openapi = (await (await fetch(`${url}/proton/openapi.json`)).json()) as { info?: { title?: unknown } };
    expect(spec.info?.title).toBe(openapi.info?.title);
    const loaded = await loadedNow();
    expect(loaded).toEqual(expect.arrayContaining(['@fastify/swagger', '@fastify/swagger-ui']));
    // still no Sequelize: the docs need none
    expect(loaded).not.toContain('sequelize');
  });
});
