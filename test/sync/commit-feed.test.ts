import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { createStore, type CommitNotice, type SqlStore } from '../../src/core/store/index.js';
import { createOutboxPublisher, type OutboxPublisher } from '../../src/core/sync/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { TENANT, etcdContent, sqlContent, tempDir } from './helpers.js';

/**
 * The one input of the etcd publisher: the store's commit feed. Every commit that wrote
 * outbox rows is reported, on SQLite with its entries and on MariaDB without them, and a
 * write with the `urgent` option marks its commit urgent.
 */

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

function vpnBody(name: string): Record<string, unknown> {
  return { tenant_id: TENANT, name, ipv4_family: '100:1', route_distinguishers: '1:1' };
}

describe.each(['sqlite', 'mariadb'] as const)('the commit feed on %s', (dialect) => {
  let api: ApiModel;
  let vpn: ObjectModel;
  let store: SqlStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    api = (await loadModels(bundledModelsDir())).find((a) => a.name === 'net-l3vpn') as ApiModel;
    vpn = api.objects.find((o) => o.name === 'VpnService') as ObjectModel;
    if (dialect === 'sqlite') {
      const dir = tempDir();
      store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}`, advertisedUrl: 'http://proton.test:2705' });
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const database = `gluon_feed_${randomBytes(6).toString('hex')}`;
      const admin = await mysql.createConnection(MARIADB);
      await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      await admin.end();
      store = createStore({ url: `mysql://root@127.0.0.1:3306/${database}`, advertisedUrl: 'http://proton.test:2705' });
      cleanup = async () => {
        const c = await mysql.createConnection(MARIADB);
        await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await c.end();
      };
    }
    await store.init([api]);
  });

  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('reports each commit with outbox rows once, urgent only for a write that asked for it', async () => {
    const notices: CommitNotice[] = [];
    const unsubscribe = store.onCommitted((notice) => notices.push(notice));
    try {
      const created = await store.create(api, vpn, vpnBody('calm'));
      await store.update(api, vpn, String(created['id']), { name: 'hurried' }, { urgent: true });
      await store.delete(api, vpn, String(created['id']));
    } finally {
      unsubscribe();
    }
    expect(notices.map((n) => n.urgent)).toEqual([false, true, false]);
    // SQLite knows each row's seq; MariaDB leaves the rows to the table
    expect(notices.map((n) => n.entries.length)).toEqual(dialect === 'sqlite' ? [1, 1, 1] : [0, 0, 0]);
  });

  it('the publisher chosen for the store publishes commits woken by the feed alone, urgent ones without lingering', async () => {
    const kv: KeyValueStore = createMemoryStore();
    // no safety poll and no linger within the test: only the feed's urgent flag can wake it
    const publisher: OutboxPublisher = createOutboxPublisher({ source: store, kv, lingerMs: 600_000, minPollMs: 600_000, maxPollMs: 600_000 });
    publisher.start();
    try {
      await publisher.flush(20_000);
      const created = await store.create(api, vpn, vpnBody('urgent'), { urgent: true });
      const key = `/proton/net-l3vpn/VpnService/${String(created['id'])}`;
      await vi.waitFor(async () => expect(await kv.get(key), JSON.stringify(await publisher.stats())).toBeDefined(), { timeout: 20_000 });
      expect((await publisher.stats()).running).toBe(true);
      await publisher.flush(20_000);
      expect(await etcdContent(kv, ['net-l3vpn'])).toEqual(await sqlContent(store, [api]));
      expect((await publisher.stats()).pending).toBe(0);
    } finally {
      await publisher.stop();
      await kv.close();
    }
  });
});
