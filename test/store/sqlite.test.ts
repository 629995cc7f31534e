import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { createStore } from '../../src/core/store/index.js';
import { portBody } from './fixtures.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-store-'));
  const url = `sqlite:${join(dir, 'gluon.db')}`;
  return {
    open: (options = {}) => createStore({ url, advertisedUrl: 'http://10.1.2.3:2705', ...options }),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('createStore options', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      return isGluonError(err) ? err.code : `raw: ${String(err)}`;
    }
    return 'no error';
  };

  it('rejects wildcard advertised URLs, bad URLs and bad page sizes', () => {
    expect(code(() => createStore({ url: 'sqlite::memory:', advertisedUrl: 'http://0.0.0.0:2705' }))).toBe('GLUON_ERR_CONFIG');
    expect(code(() => createStore({ url: 'sqlite::memory:', advertisedUrl: 'http://[::]:2705' }))).toBe('GLUON_ERR_CONFIG');
    expect(code(() => createStore({ url: 'sqlite::memory:', advertisedUrl: 'not a url' }))).toBe('GLUON_ERR_CONFIG');
    expect(code(() => createStore({ url: 'postgres://x/y' }))).toBe('GLUON_ERR_STORE_CONFIG');
    expect(code(() => createStore({ url: 'mysql://root@127.0.0.1:3306/' }))).toBe('GLUON_ERR_STORE_CONFIG');
    expect(code(() => createStore({ url: 'sqlite::memory:', maxPageSize: 0 }))).toBe('GLUON_ERR_CONFIG');
  });

  it('accepts a pino logger and an in-memory database', async () => {
    const { pino } = await import('pino');
    const { loadModels } = await import('../../src/core/model/index.js');
    const [api] = (await loadModels(CONFORMANCE_MODELS)).filter((m) => m.name === 'net-l3vpn');
    if (api === undefined) throw new Error('net-l3vpn model missing');
    const store = createStore({ url: 'sqlite::memory:', logger: pino({ level: 'silent' }) });
    await store.init([api]);
    const Port = api.objects.find((o) => o.name === 'Port');
    if (Port === undefined) throw new Error('Port missing');
    const port = await store.create(api, Port, {
      tenant_id: 'a868a466bca84df18404a77db0ecac72',
      mac_address: 'c8:2a:14:04:43:80',
      admin_state_up: true,
      status: 'DOWN',
      vnic_type: 'direct',
      mtu: 1500,
      vlan_transparency: true,
    });
    expect((await store.list(api, Port)).items).toEqual([port]);
    await store.close();
  });

  it('reports an unreachable MySQL server as 503, not a raw error', async () => {
    const store = createStore({ url: 'mysql://root@127.0.0.1:1/nothing' });
    try {
      await store.ping();
      expect.unreachable();
    } catch (err) {
      expect(isGluonError(err) && err.code).toBe('GLUON_ERR_STORE_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });
});

describe('the bundled models', () => {
  it('get their tables and a full port round trip', async () => {
    const { loadModels } = await import('../../src/core/model/index.js');
    const models = await loadModels('models');
    const dir = mkdtempSync(join(tmpdir(), 'gluon-store-models-'));
    const store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}` });
    try {
      await store.init(models);
      for (const api of models) {
        const port = api.objects.find((o) => o.role === 'port');
        if (port === undefined) continue;
        const created = await store.create(api, port, portBody());
        expect(await store.get(api, port, created['id'] as string)).toEqual(created);
        await store.delete(api, port, created['id'] as string);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A store on a fresh SQLite file, not initialised, and the net-l3vpn Port of the conformance models. */
async function sqliteFileStore(prefix: string) {
  const { loadModels } = await import('../../src/core/model/index.js');
  const [api] = (await loadModels(CONFORMANCE_MODELS)).filter((m) => m.name === 'net-l3vpn');
  const Port = api?.objects.find((o) => o.name === 'Port');
  if (api === undefined || Port === undefined) throw new Error('net-l3vpn Port missing');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'gluon.db');
  return { api, Port, dir, file, store: createStore({ url: `sqlite:${file}` }) };
}

describe('SQLite WAL checkpoints', () => {
  it('move committed pages into the database file while writes go on (the WAL does not grow without bound)', async () => {
    const { api, Port, dir, file, store } = await sqliteFileStore('gluon-store-wal-');
    try {
      await store.init([api]);
      const before = statSync(file).size;
      // ≈ 2,000 pages of WAL: the writer's own automatic checkpoint is off, so only the
      // checkpointer can move them into the database file
      const ids: string[] = [];
      for (let i = 0; i < 600; i++) ids.push((await store.create(api, Port, portBody()))['id'] as string);
      let size = statSync(file).size;
      for (let i = 0; i < 100 && size <= before; i++) {
        await new Promise((r) => setTimeout(r, 50));
        size = statSync(file).size;
      }
      expect(size).toBeGreaterThan(before);
      // and the data reads back whole
      expect((await store.get(api, Port, ids[599] as string))['id']).toBe(ids[599]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a locked SQLite database', () => {
  it('answers 503 once the busy timeout is exhausted, serves reads meanwhile, then recovers', async () => {
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const { api, Port, dir, file, store } = await sqliteFileStore('gluon-store-busy-');
    await store.init([api]);
    const body = portBody();
    // another connection holds the write lock (the same SQLite library, so the lock is seen in-process)
    const other = new BetterSqlite3(file);
    const exec = async (sql: string): Promise<void> => void other.exec(sql);
    try {
      const existing = await store.create(api, Port, portBody());
      await exec('BEGIN IMMEDIATE');
      let settled = false;
      const blocked = store.create(api, Port, body).finally(() => (settled = true));
      // the write waits without blocking the event loop: a read is served meanwhile
      expect(await store.get(api, Port, existing['id'] as string)).toEqual(existing);
      expect(settled).toBe(false);
      try {
        await blocked;
        expect.unreachable();
      } catch (err) {
        expect(isGluonError(err) && err.code).toBe('GLUON_ERR_STORE_UNAVAILABLE');
        expect(isGluonError(err) && err.status).toBe(503);
      }
      await exec('ROLLBACK');
      const port = await store.create(api, Port, body);
      expect(port['revision_number']).toBe(1);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
