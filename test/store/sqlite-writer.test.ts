import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GluonError } from '../../src/core/errors/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { createStore, type OutboxEntry, type SqlStore } from '../../src/core/store/index.js';
import { conformanceModels, obj, portBody } from './fixtures.js';

/** The SQLite single writer: statements pipelined on its own connection, groups that fail in part. */
describe('SQLite writer: mixed groups', () => {
  let dir: string;
  let store: SqlStore;
  let api: ApiModel;
  let Port: ObjectModel;
  const fed: OutboxEntry[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-writer-'));
    store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}`, advertisedUrl: 'http://10.1.2.3:2705' });
    const models = await conformanceModels();
    api = models.find((m) => m.name === 'net-l3vpn') as ApiModel;
    Port = obj(api, 'Port');
    await store.init(models);
    store.onCommitted(({ entries }) => fed.push(...entries));
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails only the bad writes of a group of creates, updates and deletes; the commit feed equals the committed outbox', async () => {
    const tenant = randomUUID().replaceAll('-', '');
    const ports = await Promise.all(Array.from({ length: 6 }, (_, i) => store.create(api, Port, portBody({ tenant_id: tenant, name: `p${i}` }))));
    const id = (i: number): string => ports[i]?.['id'] as string;
    const start = (await store.readOutbox(0, 100_000)).reduce((m, r) => Math.max(m, r.seq), 0);
    fed.length = 0;
    const writes: Promise<unknown>[] = [
      store.create(api, Port, portBody({ tenant_id: tenant, name: 'n1' })),
      store.update(api, Port, id(0), { name: 'renamed' }),
      store.create(api, Port, portBody({ tenant_id: tenant, id: id(1) })), // duplicate: 409
      store.create(api, Port, portBody({ tenant_id: tenant, name: 'n2' })),
      store.update(api, Port, id(2), { name: 'stale' }, { ifRevision: 7 }), // 412
      store.delete(api, Port, id(3)),
      store.update(api, Port, randomUUID(), { name: 'ghost' }), // 404
      store.create(api, Port, portBody({ tenant_id: tenant, name: 'n3' })),
      store.create(api, Port, portBody({ tenant_id: tenant, name: 'n4' })),
      store.delete(api, Port, id(4)),
    ];
    const results = await Promise.allSettled(writes);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as GluonError).code]] : []));
    expect(failed).toEqual([
      [2, 'GLUON_ERR_ALREADY_EXISTS'],
      [4, 'GLUON_ERR_PRECONDITION_FAILED'],
      [6, 'GLUON_ERR_NOT_FOUND'],
    ]);
    const listed = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 100 });
    expect(listed.items.map((p) => p['name']).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'p1', 'p2', 'p5', 'renamed']);
    const rows = await store.readOutbox(start, 100_000);
    // every committed outbox row was fed once, in seq order, and nothing else
    expect(fed.map((e) => [e.seq, e.key, e.value])).toEqual(rows.map((r) => [r.seq, r.key, r.value]));
    expect(rows.some((r) => r.value?.includes('stale') === true || r.value?.includes('ghost') === true)).toBe(false);
  });

  it('keeps a batch of creates whole when none fails, and retries it task by task when one does', async () => {
    const tenant = randomUUID().replaceAll('-', '');
    const taken = await store.create(api, Port, portBody({ tenant_id: tenant, name: 'taken' }));
    for (const bad of [-1, 0, 9, 19]) {
      const writes = Array.from({ length: 20 }, (_, i) =>
        store.create(api, Port, portBody(i === bad ? { tenant_id: tenant, id: taken['id'] } : { tenant_id: tenant })),
      );
      const results = await Promise.allSettled(writes);
      expect(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []))).toEqual(bad < 0 ? [] : [bad]);
    }
    const listed = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 1000 });
    expect(listed.items).toHaveLength(1 + 20 + 3 * 19);
  });
});
