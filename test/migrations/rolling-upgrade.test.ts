/**
 * Rolling upgrade (issue 13, point 4): two servers on one MariaDB database and one etcd
 * serve the old models under a counted load; a third server on the new models (a new
 * optional attribute) starts on the same database with `migrate: safe` and applies the
 * change while both keep serving. No request fails.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { BUNDLED_MODELS, editedModels, freshDatabase, type TestDatabase } from './helpers.js';
import { waitFor } from '../setup/wait-for.js';

const TENANT = randomUUID();
const VPNS = '/proton/net-l3vpn/v1.0/vpns';

interface Load {
  readonly ok: number;
  readonly failures: string[];
  /** Requests answered per server URL. */
  readonly served: Map<string, number>;
}

/**
 * Workers that each create a VPN and read it back, round-robin over the servers in
 * `targets` (a server joins by being pushed there), until `stop` is set.
 */
function runLoad(targets: string[], control: { stop: boolean }, workers = 4): { result: Promise<void>; load: Load } {
  const load: Load = { ok: 0, failures: [], served: new Map() };
  const counts = load as { ok: number };
  let next = 0;
  const one = async (base: string): Promise<void> => {
    const created = await fetch(`${base}${VPNS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant_id: TENANT, name: `load-${next}` }),
    });
    const body = await created.text();
    if (created.status !== 201) throw new Error(`POST ${base}: ${created.status} ${body}`);
    const id = (JSON.parse(body) as { id: string }).id;
    const read = await fetch(`${base}${VPNS}/${id}`);
    if (read.status !== 200) throw new Error(`GET ${base}: ${read.status} ${await read.text()}`);
    await read.text();
  };
  const worker = async (): Promise<void> => {
    while (!control.stop) {
      const base = targets[next++ % targets.length] as string;
      try {
        await one(base);
        counts.ok += 1;
        load.served.set(base, (load.served.get(base) ?? 0) + 1);
      } catch (err) {
        load.failures.push(String(err));
      }
    }
  };
  return { result: Promise.all(Array.from({ length: workers }, worker)).then(() => undefined), load };
}

describe('a rolling upgrade on MariaDB and etcd', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  const prefix = `/rolling-${randomUUID()}`;
  const color = editedModels({ attributes: { VpnService: 'color:\n  type: string\n  length: 16' } });
  const servers: ProtonServer[] = [];

  async function start(models: string): Promise<ProtonServer> {
    const server = await createProtonServer({ db: db.url, models: [models], port: 0, docs: false, etcd: [inject('etcdEndpoint')], etcdPrefix: prefix, logger: { level: 'silent' }, migrate: 'safe' });
    servers.push(server);
    await server.listen();
    return server;
  }

  beforeAll(async () => {
    db = await freshDatabase('mariadb');
  });

  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    await db?.drop();
    color.remove();
  });

  it('applies an additive change while the old-model servers serve, with 0 failed requests', async () => {
    const a = await start(BUNDLED_MODELS);
    const b = await start(BUNDLED_MODELS);
    const targets = [a.url, b.url];
    const control = { stop: false };
    const { result, load } = runLoad(targets, control);
    try {
      await waitFor('the old servers to serve under load', () => (load.served.get(a.url) ?? 0) >= 20 && (load.served.get(b.url) ?? 0) >= 20, 60_000);
      const c = await start(color.dir); // applies ALTER TABLE … ADD COLUMN color while a and b serve
      targets.push(c.url);
      const before = { a: load.served.get(a.url) ?? 0, b: load.served.get(b.url) ?? 0 };
      await waitFor(
        'all three servers to serve after the upgrade',
        () => (load.served.get(c.url) ?? 0) >= 20 && (load.served.get(a.url) ?? 0) >= before.a + 20 && (load.served.get(b.url) ?? 0) >= before.b + 20,
        60_000,
      );
      const colored = await fetch(`${c.url}${VPNS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant_id: TENANT, name: 'new', color: 'green' }) });
      expect(colored.status).toBe(201);
      const id = ((await colored.json()) as { id: string }).id;
      // the old-model server reads the same row, without the attribute it does not know
      const viaOld = await fetch(`${a.url}${VPNS}/${id}`);
      expect(viaOld.status).toBe(200);
      const old = (await viaOld.json()) as Record<string, unknown>;
      expect(old['name']).toBe('new');
      expect('color' in old).toBe(false);
      for (const s of [a, b, c]) {
        const ready = await fetch(`${s.url}/readyz`);
        expect(ready.status, await ready.text()).toBe(200);
      }
    } finally {
      control.stop = true;
      await result;
    }
    expect(load.failures).toEqual([]);
    expect(load.ok).toBeGreaterThan(100);
  });
});
