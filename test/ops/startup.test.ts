import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { createProtonServer } from '../../src/server/index.js';
import { PORTS, portBody, tempDir, type Spawned } from '../server/helpers.js';
import { ROOT, cleanUpAfterEach, ensureBuilt, gluon } from './cli-build.js';
import { call } from '../setup/http-call.js';

beforeAll(ensureBuilt, 180_000);

const { running, cleanups } = cleanUpAfterEach();

async function scratch(): Promise<string> {
  const tmp = await tempDir('gluon-ops-');
  cleanups.push(tmp.remove);
  return tmp.dir;
}

describe('gluon serve with etcd unreachable', () => {
  it('serves /proton/, logs the etcd problem with its backoff, and /readyz is 503 naming etcd', async () => {
    const dir = await scratch();
    const proc = gluon(['serve', '--port', '0', '--db', `sqlite:${join(dir, 'gluon.db')}`, '--etcd', 'http://127.0.0.1:1', '--log-format', 'json'], dir);
    running.push(proc);
    const line = await proc.waitFor(/listening on http/);
    const url = (JSON.parse(line) as { url: string }).url;

    const discovery = await call(`${url}/proton/`);
    expect(discovery.status).toBe(200);
    // SQL is the source of truth: a write is acknowledged and waits in the outbox
    const created = await call(`${url}${PORTS}`, { method: 'POST', body: portBody('a0000000-0000-4000-8000-000000000001') });
    expect(created.status).toBe(201);

    const ready = await call(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const checks = (ready.body as { checks: Record<string, { ok: boolean; error?: string }> }).checks;
    expect(checks['etcd']?.ok).toBe(false);
    expect(checks['etcd']?.error).toMatch(/etcd at http:\/\/127\.0\.0\.1:1/);
    expect(checks['database']?.ok).toBe(true);

    const backoff = await proc.waitFor(/etcd unreachable\?.*retry/);
    expect(JSON.parse(backoff)).toHaveProperty('retryInMs');
  });
});

describe('database start-up errors name the URL, the cause and the fix', () => {
  /** The message createProtonServer rejects with for `db`. */
  async function startupError(db: string): Promise<{ code: string; message: string }> {
    try {
      const server = await createProtonServer({ db, port: 0, logger: { level: 'silent' } });
      await server.close();
    } catch (err) {
      if (isGluonError(err)) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error(`the server started on ${db}`);
  }

  function expectNamed(err: { code: string; message: string }, url: string, cause: RegExp): void {
    expect(err.code).toBe('GLUON_ERR_STORE_OPEN');
    expect(err.message).toContain(`Cannot open the database ${url}`);
    expect(err.message).toMatch(cause);
    expect(err.message).toMatch(/Fix: /);
    expect(err.message).not.toMatch(/retry the request/);
  }

  it('MariaDB: wrong password (masked), unknown database, refused connection', async () => {
    expectNamed(await startupError('mysql://root:s3cret@127.0.0.1:3306/gluon_ops_any'), 'mysql://root:***@127.0.0.1:3306/gluon_ops_any', /access denied/);
    const unknown = `gluon_ops_missing_${randomBytes(4).toString('hex')}`;
    expectNamed(await startupError(`mysql://root@127.0.0.1:3306/${unknown}`), `mysql://root@127.0.0.1:3306/${unknown}`, new RegExp(`the database "${unknown}" does not exist.*CREATE DATABASE`));
    expectNamed(await startupError('mysql://root@127.0.0.1:1/x'), 'mysql://root@127.0.0.1:1/x', /nothing accepts connections at 127\.0\.0\.1:1/);
  });

  it('SQLite: a file that is not a database, and a truncated one', async () => {
    const dir = await scratch();
    const notDb = join(dir, 'notes.db');
    writeFileSync(notDb, 'these are notes, not a SQLite database at all\n'.repeat(20));
    expectNamed(await startupError(`sqlite:${notDb}`), `sqlite:${notDb}`, /not a SQLite database/);

    const truncated = join(dir, 'truncated.db');
    const db = new Database(truncated);
    db.exec('CREATE TABLE t (x BLOB); INSERT INTO t VALUES (randomblob(200000));');
    db.close();
    truncateSync(truncated, 5000);
    expectNamed(await startupError(`sqlite:${truncated}`), `sqlite:${truncated}`, /damaged \(truncated or corrupt\)/);
  });

  it('SQLite: a read-only directory and a read-only file (run as an unprivileged user: root may write anywhere)', async () => {
    const dir = await scratch();
    chmodSync(dir, 0o755);
    const roDir = join(dir, 'ro');
    mkdirSync(roDir, { mode: 0o555 });
    const roFile = join(dir, 'ro.db');
    new Database(roFile).exec('CREATE TABLE t (x)');
    chmodSync(roFile, 0o444);
    const asUser = (args: string[]): Spawned => {
      const proc = process.getuid?.() === 0 ? spawnAs(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(ROOT, 'bin', 'gluon.js'), ...args], dir) : gluon(args, dir);
      running.push(proc);
      return proc;
    };
    const inDir = asUser(['serve', '--port', '0', '--db', `sqlite:${join(roDir, 'x.db')}`]);
    expect(await inDir.exited).toBe(1);
    expect(inDir.output()).toMatch(/Cannot open the database sqlite:.*ro\/x\.db: the SQLite file cannot be opened or created\. Fix: .*writable/);
    const file = asUser(['serve', '--port', '0', '--db', `sqlite:${roFile}`]);
    expect(await file.exited).toBe(1);
    expect(file.output()).toMatch(/Cannot open the database sqlite:.*ro\.db: the file or its directory is read-only for this process\. Fix: /);
  });

  it('the CLI exits 1 with that message; a SQLite file in a missing directory is refused (exit 2) and nothing is created', async () => {
    const dir = await scratch();
    const proc = gluon(['serve', '--port', '0', '--db', 'mysql://root:s3cret@127.0.0.1:3306/x'], dir);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/Cannot open the database mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\/x: access denied.*Fix: .*\[GLUON_ERR_STORE_OPEN\]/);
    expect(proc.output()).not.toContain('s3cret');

    const missing = join(dir, 'no-such-dir', 'deeper');
    const refused = gluon(['serve', '--port', '0', '--db', `sqlite:${join(missing, 'x.db')}`], dir);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toMatch(/the directory .*no-such-dir\/deeper of the SQLite file does not exist; create it first/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });
});

/** Runs `command` (not node) with the output collected like {@link gluon}'s. */
function spawnAs(command: readonly string[], cwd: string): Spawned {
  const [file = '', ...args] = command;
  const child = spawn(file, args, { cwd, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => out, exited, waitFor: () => Promise.reject(new Error('not used')) };
}
