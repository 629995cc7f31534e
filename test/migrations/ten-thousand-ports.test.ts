/**
 * `gluon db plan` then `gluon db upgrade` (the store calls behind them) on a database with
 * 10,000 ports, on SQLite and MariaDB, for: a new optional attribute, a longer string, a
 * renamed attribute (data moved), a dropped attribute (refused without
 * allowDestructive, the rows at risk counted). Data is checked before and after each, and
 * etcd (published by a server on the new models) equals what the API returns.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProtonServer } from '../../src/server/index.js';
import { listAll } from '../../src/core/kv/index.js';
import { createStore, type SqlStore, type StoredObject } from '../../src/core/store/index.js';
import { isGluonError } from '../../src/core/errors/index.js';
import type { ApiModel } from '../../src/core/model/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { waitFor } from '../setup/wait-for.js';
import { BUNDLED_MODELS, DIALECTS, editedModels, freshDatabase, modelsOf, type TestDatabase } from './helpers.js';

const PORTS = 10_000;
const COLORED = 100;
const TENANT = randomUUID();

function portOf(models: readonly ApiModel[]): { api: ApiModel; port: NonNullable<ReturnType<ApiModel['objects']['find']>> } {
  const api = models.find((m) => m.name === 'net-l3vpn') as ApiModel;
  return { api, port: api.objects.find((o) => o.name === 'Port') as NonNullable<ReturnType<ApiModel['objects']['find']>> };
}

/** Every port, through the store's paged list (what the API returns). */
async function allPorts(store: SqlStore, models: readonly ApiModel[]): Promise<Map<string, StoredObject>> {
  const { api, port } = portOf(models);
  const out = new Map<string, StoredObject>();
  let marker: string | undefined;
  for (;;) {
    const page = await store.list(api, port, { limit: 1000, ...(marker === undefined ? {} : { marker }) });
    for (const item of page.items) out.set(String(item['id']), item);
    if (page.nextMarker === undefined) return out;
    marker = page.nextMarker;
  }
}

/** Starts a server on `models` publishing to etcd, waits until etcd holds exactly what the API returns for every port, and stops it. */
async function expectEtcdEqualsApi(url: string, modelsDir: string, prefix: string): Promise<void> {
  const server = await createProtonServer({ db: url, models: [modelsDir], port: 0, docs: false, etcd: [inject('etcdEndpoint')], etcdPrefix: prefix, logger: { level: 'silent' }, migrate: 'none' });
  try {
    await server.listen();
    const models = server.registry.list();
    const store = server.store as SqlStore;
    const expected = await allPorts(store, models);
    expect(expected.size).toBe(PORTS);
    let mismatch = '';
    await waitFor(
      'etcd to equal the API for every port',
      async () => {
        const { kvs } = await listAll(server.kv, '/proton/net-l3vpn/Port/');
        if (kvs.length !== expected.size) {
          mismatch = `${kvs.length} keys in etcd, ${expected.size} ports`;
          return false;
        }
        for (const kv of kvs) {
          const want = expected.get(kv.key.slice('/proton/net-l3vpn/Port/'.length));
          // etcd holds the object as the API returns it, then the storage version it is written in
          if (want === undefined || kv.value !== JSON.stringify({ ...want, api_version: 'v1.0' })) {
            mismatch = `${kv.key}: etcd ${kv.value}, API ${JSON.stringify(want)}`;
            return false;
          }
        }
        return true;
      },
      120_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)} (last mismatch: ${mismatch})`);
    });
  } finally {
    await server.close();
  }
}

// each phase moves 10,000 rows through SQL and etcd: generous limits for a busy machine
describe.each(DIALECTS)('plan and upgrade with 10,000 ports on %s', { timeout: 300_000 }, (dialect) => {
  let db: TestDatabase;
  const prefix = `/migrate-${randomUUID()}`;
  const withColor = editedModels({ attributes: { Port: 'color:\n  type: string\n  length: 16' } });
  const longerName = editedModels({ attributes: { Port: 'color:\n  type: string\n  length: 16\nname:\n  length: 128' } });
  const renamed = editedModels({ attributes: { Port: 'colour:\n  type: string\n  length: 16\n  renamed_from: color\nname:\n  length: 128' } });
  const dropped = editedModels({ attributes: { Port: 'name:\n  length: 128' } });
  let store: SqlStore;
  let before: Map<string, StoredObject>;

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = createStore({ url: db.url, advertisedUrl: 'http://10.1.2.3:2705' });
    const models = await modelsOf(BUNDLED_MODELS);
    await store.init(models);
    const { api, port } = portOf(models);
    for (let i = 0; i < PORTS; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) =>
          store.create(api, port, { ...PORT_FIELDS, tenant_id: TENANT, name: `port-${i + j}`, mac_address: `fa:16:3e:${[i + j >> 16, (i + j >> 8) & 255, (i + j) & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}` }),
        ),
      );
    }
    before = await allPorts(store, models);
    expect(before.size).toBe(PORTS);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    for (const m of [withColor, longerName, renamed, dropped]) m.remove();
  });

  /** Each port still has every value it had, plus `extra` for new attributes. */
  function expectDataKept(after: Map<string, StoredObject>, omit: readonly string[], extra: (id: string) => Record<string, unknown>): void {
    expect(after.size).toBe(PORTS);
    for (const [id, old] of before) {
      const now = after.get(id);
      const kept = Object.fromEntries(Object.entries(old).filter(([k]) => !omit.includes(k) && k !== 'updated_at' && k !== 'revision_number'));
      expect(now).toMatchObject({ ...kept, ...extra(id) });
    }
  }

  it('adds a new optional attribute (existing rows get NULL) and mirrors it', async () => {
    const models = await modelsOf(withColor.dir);
    const plan = await store.planSchema(models);
    expect(plan.steps.map((s) => [s.kind, s.risk, s.what])).toEqual([['add-column', 'safe', 'Port.color: new column string(16) NULL (existing rows get NULL)']]);
    expect(plan.steps[0]?.sql.join(' ')).toMatch(/ALTER TABLE `net_l3vpn_v1_0_port` ADD COLUMN `color` VARCHAR\(16\)/);
    const result = await store.upgradeSchema(models);
    expect(result.applied).toHaveLength(1);
    expect(result.republished).toBe(PORTS);
    const after = await allPorts(store, models);
    expectDataKept(after, [], () => ({ color: null }));
    const { api, port } = portOf(models);
    for (const id of [...before.keys()].slice(0, COLORED)) await store.update(api, port, id, { color: 'blue' });
    before = await allPorts(store, models);
    expect((await store.planSchema(models)).steps).toEqual([]);
    await expectEtcdEqualsApi(db.url, withColor.dir, prefix);
  });

  it('makes a string longer (SQLite rebuilds the table, every row kept)', async () => {
    const models = await modelsOf(longerName.dir);
    const plan = await store.planSchema(models);
    expect(plan.steps.filter((s) => s.change !== undefined).map((s) => [s.kind, s.risk, s.change?.what])).toEqual([['alter-column', 'safe', 'Port.name: length 64 → 128']]);
    if (dialect === 'sqlite') expect(plan.steps.map((s) => s.kind)).toEqual(['alter-column', 'rebuild-table']);
    else expect(plan.steps[0]?.sql).toEqual(['ALTER TABLE `net_l3vpn_v1_0_port` MODIFY COLUMN `name` VARCHAR(128)']);
    await store.upgradeSchema(models);
    const after = await allPorts(store, models);
    expectDataKept(after, [], () => ({}));
    const { api, port } = portOf(models);
    const id = [...before.keys()][COLORED] as string;
    const long = 'n'.repeat(128);
    await store.update(api, port, id, { name: long });
    expect((await store.get(api, port, id))['name']).toBe(long);
    before = await allPorts(store, models);
    await expectEtcdEqualsApi(db.url, longerName.dir, prefix);
  });

  it('renames an attribute declared with renamed_from, moving its data', async () => {
    const models = await modelsOf(renamed.dir);
    const plan = await store.planSchema(models);
    expect(plan.steps.map((s) => [s.kind, s.risk])).toEqual([['rename-column', 'safe']]);
    expect(plan.steps[0]?.what).toBe('Port.colour: column color renamed to colour (renamed_from; data kept)');
    await store.upgradeSchema(models);
    const after = await allPorts(store, models);
    const blue = new Set([...before.values()].filter((p) => p['color'] === 'blue').map((p) => String(p['id'])));
    expect(blue.size).toBe(COLORED);
    expectDataKept(after, ['color'], (id) => ({ colour: blue.has(id) ? 'blue' : null }));
    expect([...after.values()].some((p) => 'color' in p)).toBe(false);
    before = after;
    await expectEtcdEqualsApi(db.url, renamed.dir, prefix);
  });

  it('refuses to drop an attribute with data unless allowed, counting the rows', async () => {
    const models = await modelsOf(dropped.dir);
    const plan = await store.planSchema(models);
    const drop = plan.steps.find((s) => s.kind === 'drop-column');
    expect(drop).toMatchObject({ risk: 'lossy', rows: COLORED });
    expect(drop?.change?.what).toBe('Port.colour: column dropped (the attribute is no longer in the model)');
    const refused = await store.upgradeSchema(models).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isGluonError(refused) && refused.code).toBe('GLUON_ERR_MIGRATION_DESTRUCTIVE');
    expect((refused as Error).message).toContain(`${COLORED} rows`);
    // nothing changed: the column and its data are still there
    const renamedModels = await modelsOf(renamed.dir);
    expect((await store.planSchema(renamedModels)).steps).toEqual([]);
    expect([...(await allPorts(store, renamedModels)).values()].filter((p) => p['colour'] === 'blue')).toHaveLength(COLORED);

    await store.upgradeSchema(models, { allowDestructive: true });
    const after = await allPorts(store, models);
    expectDataKept(after, ['colour'], () => ({}));
    expect([...after.values()].some((p) => 'colour' in p)).toBe(false);
    expect((await store.planSchema(models)).steps).toEqual([]);
    await expectEtcdEqualsApi(db.url, dropped.dir, prefix);
  });
});
