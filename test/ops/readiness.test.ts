import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { waitFor } from '../setup/wait-for.js';
import { API, portBody, tempDir, uniquePrefix } from '../sync/helpers.js';
import { call } from '../setup/http-call.js';

type Checks = Record<string, { ok: boolean; error?: string; leader?: boolean }>;

async function readyz(base: string): Promise<{ status: number; checks: Checks }> {
  const res = await call(`${base}/readyz`);
  return { status: res.status, checks: res.json()['checks'] as Checks };
}

const servers: ProtonServer[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Parameters<typeof createProtonServer>[0]): Promise<{ server: ProtonServer; base: string }> {
  const server = await createProtonServer({ port: 0, logger: { level: 'silent' }, ...options });
  servers.push(server);
  return { server, base: await server.listen() };
}

describe('/readyz is honest', () => {
  it('two deployments (two databases) sharing one publisher election: the one that does not lead says why it is not ready', async () => {
    const etcd = inject('etcdEndpoint');
    const prefix = uniquePrefix(); // both deployments forgot their own prefix: they share this one
    const a = await start({ db: `sqlite:${join(tempDir(), 'a.db')}`, etcd, etcdPrefix: prefix, mirrorStallSeconds: 1 });
    const b = await start({ db: `sqlite:${join(tempDir(), 'b.db')}`, etcd, etcdPrefix: prefix, mirrorStallSeconds: 1 });
    // precondition, observed: one of them leads the election
    await waitFor('a publisher leader', async () => (await readyz(a.base)).checks['mirror']?.leader === true || (await readyz(b.base)).checks['mirror']?.leader === true);
    const follower = (await readyz(a.base)).checks['mirror']?.leader === true ? b : a;
    const leader = follower === a ? b : a;

    const created = await call(`${follower.base}${API}/ports`, { method: 'POST', body: portBody(1) });
    expect(created.status).toBe(201);
    // the follower's change waits forever (its database is not the leader's): not ready, with the reason
    await waitFor('the follower to report the stalled mirror', async () => (await readyz(follower.base)).status === 503);
    const { checks } = await readyz(follower.base);
    expect(checks['mirror']?.ok).toBe(false);
    expect(checks['mirror']?.error).toContain(leader.server.advertisedUrl);
    expect(checks['mirror']?.error).toMatch(/leads the publisher election .* does not publish them.*--etcd-prefix/);
    expect((await readyz(leader.base)).status).toBe(200);
  });

  it('a failing check added through the readiness option makes the server not ready, named', async () => {
    const { base } = await start({
      db: `sqlite:${join(tempDir(), 'c.db')}`,
      readiness: [{ name: 'schema', run: () => Promise.resolve({ ok: false, error: 'the stored schema differs from the models' }) }],
    });
    const { status, checks } = await readyz(base);
    expect(status).toBe(503);
    expect(checks['schema']).toEqual({ ok: false, error: 'the stored schema differs from the models' });
    expect(checks['database']?.ok).toBe(true);
  });

  it('the database check fails with the reason when the database answers errors', async () => {
    const { server, base } = await start({ db: `sqlite:${join(tempDir(), 'd.db')}` });
    expect((await readyz(base)).status).toBe(200);
    await server.store.close();
    const { status, checks } = await readyz(base);
    expect(status).toBe(503);
    expect(checks['database']?.ok).toBe(false);
    expect(checks['database']?.error).toMatch(/^the database does not answer: /);
    expect(checks['database']?.error).not.toMatch(/retry the request/);
  });

  it('a damaged page in the middle of a SQLite file: the read answers 503 (not 500) and /readyz names the damage from then on', async () => {
    const file = join(tempDir(), 'damaged.db');
    const first = await start({ db: `sqlite:${file}` });
    for (let batch = 0; batch < 4; batch++) {
      const created = await Promise.all(Array.from({ length: 25 }, (_, i) => call(`${first.base}${API}/ports`, { method: 'POST', body: portBody(batch * 25 + i) })));
      expect(created.map((c) => c.status)).toEqual(created.map(() => 201));
    }
    await first.server.close();
    // a leaf page of the ports table that is neither its first nor its last (SELECT 1 and MAX() never read it)
    const raw = new Database(file);
    const table = String((raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%l3vpn%' AND name LIKE '%port' ORDER BY length(name) LIMIT 1").get() as { name: string }).name);
    const leaves = (raw.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno").all(table) as { pageno: number }[]).map((r) => r.pageno);
    const pageSize = Number(raw.pragma('page_size', { simple: true }));
    raw.close();
    expect(leaves.length, `leaf pages of ${table}`).toBeGreaterThan(2);
    const victim = leaves[Math.floor(leaves.length / 2)] ?? 0;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (victim - 1) * pageSize);
    closeSync(fd);

    const { base } = await start({ db: `sqlite:${file}` });
    const listed = await call(`${base}${API}/ports?limit=1000`);
    expect(listed.status).toBe(503);
    expect(listed.json()['code']).toBe('GLUON_ERR_STORE_UNAVAILABLE');
    const { status, checks } = await readyz(base);
    expect(status).toBe(503);
    expect(checks['database']?.ok).toBe(false);
    expect(checks['database']?.error).toMatch(/^The database is damaged: the SQLite file is damaged \(SQLITE_CORRUPT.*restore it from a backup/);
    expect((await readyz(base)).status).toBe(503); // damage does not heal by itself
  }, 180_000);
});
