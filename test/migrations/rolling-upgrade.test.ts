/**
 * Rolling upgrade (issue 13, point 4): two servers on one MariaDB database and one etcd
 * serve the old models under a counted load; a third server on the new models (a new
 * optional attribute) starts on the same database with `migrate: safe` and applies the
 * change while both keep serving; then a fourth server adds a new version of the API
 * (net-l3vpn 1.1, which adds an attribute) on the same storage. No request fails.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  // the same models, plus net-l3vpn 1.1: VpnService gains `note` (a version's added attribute)
  const versioned = editedModels({ attributes: { VpnService: 'color:\n  type: string\n  length: 16' } });
  const v10 = readFileSync(join(versioned.dir, 'net-l3vpn.yaml'), 'utf8');
  writeFileSync(
    join(versioned.dir, 'net-l3vpn-v1.1.yaml'),
    v10.replace('\n  version: "1.0"', '\n  version: "1.1"').replace(/(\n {2}VpnService:\n(?:.*\n)*? {4}attributes:\n)/, '$1      note:\n        type: string\n        length: 32\n'),
  );
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
    versioned.remove();
  });

  it('applies an additive change, then a new version of the API, while the old-model servers serve, with 0 failed requests', async () => {
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

      // a new version of the API, served beside 1.0 over the same storage, while the others serve
      const d = await start(versioned.dir);
      targets.push(d.url);
      const beforeD = { a: load.served.get(a.url) ?? 0, c: load.served.get(c.url) ?? 0 };
      await waitFor(
        'all four servers to serve after the new version',
        () => (load.served.get(d.url) ?? 0) >= 20 && (load.served.get(a.url) ?? 0) >= beforeD.a + 20 && (load.served.get(c.url) ?? 0) >= beforeD.c + 20,
        60_000,
      );
      const noted = await fetch(`${d.url}/proton/net-l3vpn/v1.1/vpns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant_id: TENANT, name: 'v11', note: 'hello' }) });
      expect(noted.status, await noted.clone().text()).toBe(201);
      const notedId = ((await noted.json()) as { id: string }).id;
      const v11 = (await (await fetch(`${d.url}/proton/net-l3vpn/v1.1/vpns/${notedId}`)).json()) as Record<string, unknown>;
      expect(v11['note']).toBe('hello');
      // the 1.0 view of the same object, on the oldest server and on the new one, has no `note`
      for (const base of [a.url, d.url]) {
        const viaV10 = await fetch(`${base}${VPNS}/${notedId}`);
        expect(viaV10.status).toBe(200);
        const body = (await viaV10.json()) as Record<string, unknown>;
        expect(body['name']).toBe('v11');
        expect('note' in body).toBe(false);
      }
      for (const s of [a, b, c, d]) {
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
