import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanUpAfterEach, ensureBuilt } from '../ops/cli-build.js';
import { PORTS, portBody, spawnNode, tempDir, type Spawned } from './helpers.js';
import { call } from '../setup/http-call.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'gluon.js');
beforeAll(ensureBuilt, 180_000);

const { running, cleanups } = cleanUpAfterEach();

function serve(args: readonly string[], cwd: string, env: Record<string, string> = {}): Spawned {
  const proc = spawnNode([BIN, 'serve', ...args], { cwd, env });
  running.push(proc);
  return proc;
}

/** Starts `gluon serve` and resolves with its URL, read from the "listening" log line. */
async function serveUntilListening(args: readonly string[], cwd: string): Promise<{ proc: Spawned; url: string }> {
  const proc = serve(args, cwd);
  const line = await proc.waitFor(/listening on http/);
  const url = (JSON.parse(line) as { url: string }).url;
  return { proc, url };
}

describe('gluon serve', () => {
  it('serves the REST API over HTTP, shuts down on SIGTERM with exit 0, and keeps the data on restart', async () => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const db = `sqlite:${join(tmp.dir, 'gluon.db')}`;
    const { proc, url } = await serveUntilListening(['--port', '0', '--db', db], tmp.dir);

    const doomed = '3f0e2d9a-7a3b-4c11-9d2e-111111111111';
    const kept = '3f0e2d9a-7a3b-4c11-9d2e-999999999999';
    // create
    const created = await call(`${url}${PORTS}`, { method: 'POST', body: portBody(doomed) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: doomed, name: 'port1', revision_number: 1 });
    expect((await call(`${url}${PORTS}`, { method: 'POST', body: portBody(kept, { name: 'keeper', status: 'DOWN', mac_address: 'fa:16:3e:00:00:02' }) })).status).toBe(201);
    // get
    expect(await call(`${url}${PORTS}/${doomed}`)).toMatchObject({ status: 200, body: { id: doomed, mac_address: 'fa:16:3e:00:00:01' } });
    // list with a filter
    const listed = await call(`${url}${PORTS}?status=ACTIVE`);
    expect(listed.status).toBe(200);
    expect((listed.body as { ports: { id: string }[] }).ports.map((p) => p.id)).toEqual([doomed]);
    // update with If-Match: the current revision succeeds, a stale one is refused
    const updated = await call(`${url}${PORTS}/${doomed}`, { method: 'PUT', body: { name: 'renamed' }, headers: { 'if-match': 'revision_number=1' } });
    expect(updated).toMatchObject({ status: 200, body: { name: 'renamed', revision_number: 2 } });
    expect((await call(`${url}${PORTS}/${doomed}`, { method: 'PUT', body: { name: 'again' }, headers: { 'if-match': 'revision_number=1' } })).status).toBe(412);
    // delete
    expect((await call(`${url}${PORTS}/${doomed}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${url}${PORTS}/${doomed}`)).status).toBe(404);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain('shutting down');

    const again = await serveUntilListening(['--port', '0', '--db', db], tmp.dir);
    expect(await call(`${again.url}${PORTS}/${kept}`)).toMatchObject({ status: 200, body: { id: kept, name: 'keeper' } });
    expect((await call(`${again.url}${PORTS}/${doomed}`)).status).toBe(404);
    again.proc.child.kill('SIGINT');
    expect(await again.proc.exited).toBe(0);
  });

  it('reads gluon.yaml from the working directory and lets flags override it', async () => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(tmp.dir, 'gluon.yaml'), `db: sqlite:${join(tmp.dir, 'from-file.db')}\nport: 1\nlogLevel: info\n`);
    const { proc, url } = await serveUntilListening(['--port', '0'], tmp.dir);
    expect((await call(`${url}/healthz`)).status).toBe(200);
    expect(existsSync(join(tmp.dir, 'from-file.db'))).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it.each([
    [['--port', 'abc'], {}, 'Invalid port "abc" (from flag --port)'],
    [['--port', '70000'], {}, 'Invalid port "70000" (from flag --port)'],
    [[], { GLUON_PORT: 'x' }, 'environment variable GLUON_PORT'],
    [['--host', '0.0.0.0'], {}, 'set advertisedUrl'],
    [['--config', 'missing.yaml'], {}, '"missing.yaml" (from flag --config) cannot be read'],
  ])('exits 2 with a message and no stack trace for the config error %j %j', async (args, env, text) => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const proc = serve(args, tmp.dir, env);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain(text);
    expect(proc.output()).toContain('GLUON_ERR_CONFIG');
    expect(proc.output()).not.toMatch(/^\s+at /m);
  });

  it('exits 2 naming an unknown key of gluon.yaml', async () => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(tmp.dir, 'gluon.yaml'), 'prot: 80\n');
    const proc = serve([], tmp.dir);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('Unknown key "prot"');
    expect(proc.output()).toContain('did you mean "port"');
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = String((blocker.address() as { port: number }).port);
    const proc = serve(['--port', port, '--db', `sqlite:${join(tmp.dir, 'g.db')}`], tmp.dir);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    expect(proc.output()).not.toMatch(/^\s+at /m);
  });

  it('exits 1 with a clear message when the database cannot be reached', async () => {
    const tmp = await tempDir('gluon-cli-');
    cleanups.push(tmp.remove);
    const proc = serve(['--port', '0', '--db', 'mysql://root@127.0.0.1:1/nowhere'], tmp.dir);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('gluon serve: cannot start:');
    expect(proc.output()).toContain('GLUON_ERR_STORE');
    expect(proc.output()).not.toMatch(/^\s+at /m);
  });
});
