import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import type { SqlStore } from '../../src/core/store/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { startEtcd, type EtcdInstance } from '../setup/etcd.js';
import { waitFor } from '../setup/wait-for.js';
import { API, diff, etcdClient, etcdContent, portBody, sqlContent, tempDir } from './helpers.js';
import { call } from '../setup/http-call.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * etcd is frozen (SIGSTOP) until the publisher has observed the outage, then killed
 * (SIGKILL) and restarted, during a load of ≥ 1,000 writes through the API: the API
 * keeps acknowledging throughout, and afterwards etcd holds every acknowledged write and
 * nothing deleted. Every step waits for its precondition to be observed (the publisher's
 * error counter, writes acknowledged during the outage), never for a fixed time, so the
 * test holds on a busy machine.
 */
describe('etcd outage during a write load', () => {
  let etcd: EtcdInstance;
  let server: ProtonServer;
  let base: string;
  let client: KeyValueStore;

  beforeAll(async () => {
    etcd = await startEtcd();
    server = await createProtonServer({
      db: `sqlite:${join(tempDir(), 'gluon.db')}`,
      port: 0,
      etcd: etcd.endpoint,
      logger: { level: 'silent' },
    });
    base = await server.listen();
    client = etcdClient(etcd.endpoint, '');
  });
  afterAll(async () => {
    await server?.close();
    await client?.close();
    await etcd?.stop();
  });

  it('acknowledged writes all reach etcd after it returns; deleted ones never reappear', async () => {
    const live = new Map<string, number>(); // port id → acknowledged mtu
    const deleted = new Set<string>();
    // writes acknowledged, by the phase of the outage they were sent in
    const acknowledged = { before: 0, frozen: 0, dead: 0, restarted: 0 };
    let phase: keyof typeof acknowledged = 'before';
    const total = (): number => acknowledged.before + acknowledged.frozen + acknowledged.dead + acknowledged.restarted;
    let failures = 0;
    let stop = false;
    let n = 0;
    const deletable: string[] = []; // ports deleted at most once, never updated
    const worker = async (): Promise<void> => {
      const updatable: string[] = []; // this worker's ports: only it updates them, never deleted
      while (!stop) {
        const i = n++;
        const sentIn = phase;
        if (i % 5 === 3 && deletable.length > 0) {
          const id = deletable.shift() as string;
          live.delete(id);
          const res = await call(`${base}${API}/ports/${id}`, { method: 'DELETE' });
          if (res.status === 204) {
            deleted.add(id);
            acknowledged[sentIn]++;
          } else failures++;
        } else if (i % 5 === 1 && updatable.length > 0) {
          const id = updatable[(i * 7919) % updatable.length] as string;
          const mtu = 1000 + i;
          const res = await call(`${base}${API}/ports/${id}`, { method: 'PUT', body: { mtu } });
          if (res.status === 200) {
            live.set(id, mtu);
            acknowledged[sentIn]++;
          } else failures++;
        } else {
          const res = await call(`${base}${API}/ports`, { method: 'POST', body: portBody(i) });
          if (res.status === 201) {
            const id = String(res.json()['id']);
            live.set(id, 1500);
            (i % 2 === 0 ? updatable : deletable).push(id);
            acknowledged[sentIn]++;
          } else failures++;
        }
        await sleep(8);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    load.catch(() => undefined); // awaited below; a failed wait must not leave it unhandled
    try {
      await waitFor('150 writes before the outage', () => acknowledged.before >= 150);
      etcd.kill('SIGSTOP');
      phase = 'frozen';
      // the outage is real once the server has observed it: /readyz says etcd does not answer
      await waitFor('the server to observe the frozen etcd', async () => (await etcdReady(base)) === false, 120_000);
      await waitFor('100 writes sent and acknowledged while etcd is frozen', () => acknowledged.frozen >= 100, 120_000);
      etcd.kill('SIGKILL');
      phase = 'dead';
      await waitFor('100 writes sent and acknowledged while etcd is dead', () => acknowledged.dead >= 100, 120_000);
      await etcd.restart();
      phase = 'restarted';
      await waitFor('1,000 writes, 100 of them after the restart', () => total() >= 1000 && acknowledged.restarted >= 100, 120_000);
    } finally {
      stop = true;
    }
    await load;

    expect(failures).toBe(0);

    const apis = server.registry.list();
    // poll: etcd converges to SQL (the API's acknowledged state)
    await waitFor('etcd to equal SQL after the outage', async () => diff(await sqlContent(server.store as SqlStore, apis), await etcdContent(client, apis.map((a) => a.name))).length === 0, 120_000);
    const content = await etcdContent(client, apis.map((a) => a.name));
    for (const [id, mtu] of live) {
      const value = content.get(`/proton/net-l3vpn/Port/${id}`);
      expect(value, `acknowledged port ${id}`).toBeDefined();
      expect((JSON.parse(value ?? '{}') as { mtu: number }).mtu).toBe(mtu);
      expect(content.has(`/gluon/port/${id}`)).toBe(true);
    }
    for (const id of deleted) {
      expect(content.has(`/proton/net-l3vpn/Port/${id}`), `deleted port ${id}`).toBe(false);
      expect(content.has(`/gluon/port/${id}`)).toBe(false);
    }
    await waitFor('/readyz to be ready again', async () => (await call(`${base}/readyz`)).status === 200, 120_000);
  }, 600_000);
});

/** `checks.etcd.ok` of the server's /readyz. */
async function etcdReady(base: string): Promise<boolean | undefined> {
  const res = await call(`${base}/readyz`);
  return (res.json()['checks'] as Record<string, { ok?: boolean }> | undefined)?.['etcd']?.ok;
}
