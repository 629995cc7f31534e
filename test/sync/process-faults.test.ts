import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadModels } from '../../src/core/model/index.js';
import { createStore } from '../../src/core/store/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { API, diff, etcdClient, etcdContent, mirrorCheck, portBody, sqlContent, startServe, stopAllServes, tempDir, uniquePrefix, type ServeProcess } from './helpers.js';
import { waitFor } from '../setup/wait-for.js';
import { call } from '../setup/http-call.js';

const ADVERTISED = 'http://proton.test:2705';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A write load against several servers; records what was acknowledged. */
function startLoad(targets: () => readonly string[]) {
  const acked = new Set<string>();
  const deleted = new Set<string>();
  let stop = false;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const i = n++;
      const list = targets();
      const base = list[i % list.length] as string;
      try {
        const res = await call(`${base}${API}/ports`, { method: 'POST', body: portBody(i) });
        if (res.status === 201) {
          const id = String(res.json()['id']);
          acked.add(id);
          if (i % 4 === 0) {
            // While the DELETE is in flight its outcome is unknown (the server may be killed
            // after committing it but before answering): the port is neither acknowledged
            // as present nor as deleted until the 204 arrives.
            acked.delete(id);
            const del = await call(`${base}${API}/ports/${id}`, { method: 'DELETE' });
            if (del.status === 204) deleted.add(id);
            else acked.add(id);
          }
        }
      } catch {
        // the server was killed: not acknowledged
        await sleep(50);
      }
      await sleep(5);
    }
  };
  const running = Promise.all(Array.from({ length: 4 }, worker));
  return {
    acked,
    deleted,
    get count() {
      return n;
    },
    async stop() {
      stop = true;
      await running;
    },
  };
}

/**
 * Waits (20 s at most) until etcd under `prefix` holds exactly what the SQL database `db`
 * holds, then checks every acknowledged port is there and every deleted one is not.
 */
async function expectConverged(db: string, endpoint: string, prefix: string, load: { acked: Set<string>; deleted: Set<string> }): Promise<void> {
  const apis = await loadModels(bundledModelsDir());
  const store = createStore({ url: db, advertisedUrl: ADVERTISED });
  const etcd = etcdClient(endpoint, prefix);
  try {
    let last: string[] = [];
    await waitFor('etcd to equal SQL', async () => {
      last = diff(await sqlContent(store, apis), await etcdContent(etcd, apis.map((a) => a.name)));
      return last.length === 0;
    }, 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; first differences: ${last.slice(0, 5).join('; ')}`);
    });
    const content = await etcdContent(etcd, apis.map((a) => a.name));
    for (const id of load.acked) expect(content.has(`/proton/net-l3vpn/Port/${id}`), `acknowledged ${id}`).toBe(true);
    for (const id of load.deleted) expect(content.has(`/proton/net-l3vpn/Port/${id}`), `deleted ${id}`).toBe(false);
  } finally {
    await etcd.close();
    await store.close();
  }
}

describe('Proton server killed in the middle of a load (SQLite)', () => {
  afterAll(stopAllServes);

  it('etcd converges to SQL after the restart', async () => {
    const endpoint = inject('etcdEndpoint');
    const prefix = uniquePrefix();
    const db = `sqlite:${join(tempDir(), 'gluon.db')}`;
    const args = ['--db', db, '--etcd', endpoint, '--etcd-prefix', prefix, '--advertised-url', ADVERTISED];
    let current = await startServe(args);
    const load = startLoad(() => [current.url]);
    await waitFor('300 writes', () => load.count >= 300);
    await current.kill('SIGKILL');
    current = await startServe(args);
    await waitFor('600 writes', () => load.count >= 600);
    await load.stop();
    await expectConverged(db, endpoint, prefix, load);
    expect(load.acked.size).toBeGreaterThan(200);
  }, 300_000); // process starts through tsx and hundreds of writes: minutes on a busy machine
});

describe('two Proton servers on MariaDB and one etcd (HA)', () => {
  const dbName = `gluon_sync_${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    await stopAllServes();
    const conn = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await conn.end();
  });

  it('exactly one publishes; SIGKILL it and the other takes over; no acknowledged write is lost', async () => {
    const conn = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await conn.query(`CREATE DATABASE \`${dbName}\``);
    await conn.end();
    const endpoint = inject('etcdEndpoint');
    const prefix = uniquePrefix();
    const db = `mysql://root@127.0.0.1:3306/${dbName}`;
    const args = ['--db', db, '--etcd', endpoint, '--etcd-prefix', prefix, '--advertised-url', ADVERTISED];
    const a = await startServe(args);
    const b = await startServe(args);

    const roles = async (): Promise<boolean[]> => Promise.all([a, b].map(async (s) => (await mirrorCheck(s.url))['leader'] === true));
    await waitFor('exactly one leader', async () => (await roles()).filter(Boolean).length === 1);
    const [aLeads] = await roles();
    const leader = aLeads === true ? a : b;
    const follower = aLeads === true ? b : a;
    const metric = async (s: ServeProcess): Promise<string | undefined> => /^gluon_mirror_leader (\d)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1];
    expect(await metric(leader)).toBe('1');
    expect(await metric(follower)).toBe('0');

    let alive = [a.url, b.url];
    const load = startLoad(() => alive);
    await waitFor('200 writes on both servers', () => load.count >= 200);
    // the follower never published
    expect(/^gluon_mirror_published_total (\d+)$/m.exec(await (await fetch(`${follower.url}/metrics`)).text())?.[1]).toBe('0');
    await leader.kill('SIGKILL');
    alive = [follower.url];
    await waitFor('the follower to take over', async () => (await mirrorCheck(follower.url))['leader'] === true, 30_000);
    await waitFor('500 writes', () => load.count >= 500);
    await load.stop();

    await expectConverged(db, endpoint, prefix, load);
    expect(load.acked.size).toBeGreaterThan(100);
  }, 300_000); // process starts through tsx and hundreds of writes: minutes on a busy machine
});
