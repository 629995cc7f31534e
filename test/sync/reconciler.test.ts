import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import { createMemoryStore } from '../../src/core/kv/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { collapseOutbox, reconcile } from '../../src/core/sync/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { TENANT, diff, etcdClient, etcdContent, portBody, sqlContent, tempDir, uniquePrefix } from './helpers.js';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** etcd's mirror content without the other deployment's port registration the test planted. */
async function ours(kv: KeyValueStore): Promise<Map<string, string>> {
  const all = await etcdContent(kv, ['net-l3vpn', 'test', 'ietf-sfc']);
  all.delete('/gluon/port/foreign');
  return all;
}

function obj(api: ApiModel, name: string) {
  const o = api.objects.find((x) => x.name === name);
  if (o === undefined) throw new Error(name);
  return o;
}

describe('collapseOutbox', () => {
  it('keeps the last change of each key: put then delete publishes just the delete', () => {
    const at = new Date();
    const batch = collapseOutbox([
      { seq: 1, key: '/a', value: '1', createdAt: at },
      { seq: 2, key: '/b', value: '1', createdAt: at },
      { seq: 3, key: '/a', value: null, createdAt: at },
      { seq: 4, key: '/b', value: '2', createdAt: at },
    ]);
    expect(batch.ops).toEqual([
      { type: 'delete', key: '/a' },
      { type: 'put', key: '/b', value: '2' },
    ]);
    expect(batch.seqs).toEqual([1, 2, 3, 4]);
    expect(batch.maxSeq).toBe(4);
  });
});

describe('reconciler (real etcd)', () => {
  const prefix = uniquePrefix();
  const dir = tempDir();
  const db = `sqlite:${join(dir, 'gluon.db')}`;
  let store: SqlStore;
  let etcd: KeyValueStore;
  let net: ApiModel;
  let apis: ApiModel[];
  const ports: string[] = [];

  beforeAll(async () => {
    apis = [...(await loadModels(bundledModelsDir()))];
    net = apis.find((a) => a.name === 'net-l3vpn') as ApiModel;
    // no outbox rows: everything in etcd must come from the reconciler
    store = createStore({ url: db, advertisedUrl: 'http://proton.example:2705', mirror: false });
    await store.init(apis);
    for (let i = 0; i < 5; i++) ports.push(String((await store.create(net, obj(net, 'Port'), portBody(i)))['id']));
    await store.create(net, obj(net, 'VpnService'), { tenant_id: TENANT, name: 'v' });
    etcd = etcdClient(inject('etcdEndpoint'), prefix);
  });
  afterAll(async () => {
    await store.close();
    await etcd.close();
  });

  it('restores missing and changed keys, deletes stale ones, leaves foreign prefixes alone', async () => {
    await etcd.put('/proton-other/x', 'foreign');
    await etcd.put('/controller/net-l3vpn/Port/abc', '{}');
    await etcd.put('/proton/net-l3vpn-x/Port/1', 'other api');
    await etcd.put('/gluon/port/foreign', JSON.stringify({ tenant_id: TENANT, service: 'some-other-api', url: 'http://x' }));
    await etcd.put('/proton/net-l3vpn/Port/stale', '{"id":"stale"}');
    await etcd.put('/gluon/port/stale', JSON.stringify({ tenant_id: TENANT, service: 'net-l3vpn', url: 'http://x' }));
    await etcd.put(`/proton/net-l3vpn/Port/${ports[0]}`, '{"id":"changed"}');

    const report = await reconcile({ source: store, kv: etcd, apis });
    const by = (a: string): string[] => report.changes.filter((c) => c.action === a).map((c) => c.key).sort();
    expect(by('update')).toEqual([`/proton/net-l3vpn/Port/${ports[0]}`]);
    expect(by('delete')).toEqual(['/gluon/port/stale', '/proton/net-l3vpn/Port/stale']);
    expect(by('add').length).toBe(5 * 3 + 1 - 1); // port + interface + registration each, a vpn; minus the changed one
    expect(diff(await sqlContent(store, apis), await ours(etcd))).toEqual([]);
    expect((await etcd.get('/proton-other/x'))?.value).toBe('foreign');
    expect((await etcd.get('/controller/net-l3vpn/Port/abc'))?.value).toBe('{}');
    expect((await etcd.get('/proton/net-l3vpn-x/Port/1'))?.value).toBe('other api');
    expect(await etcd.get('/gluon/port/foreign')).toBeDefined();

    const again = await reconcile({ source: store, kv: etcd, apis });
    expect(again.changes).toEqual([]);
  });

  it('pages etcd and batches writes: 1,500 stale keys deleted', async () => {
    const kv = createMemoryStore();
    for (let i = 0; i < 1500; i++) await kv.put(`/proton/net-l3vpn/BGPPeering/${String(i).padStart(5, '0')}`, '{}');
    const report = await reconcile({ source: store, kv, apis });
    expect(report.changes.filter((c) => c.action === 'delete').length).toBe(1500);
    expect(diff(await sqlContent(store, apis), await etcdContent(kv, apis.map((a) => a.name)))).toEqual([]);
    await kv.close();
  });

  it('never overwrites a key written after it read etcd (guarded writes)', async () => {
    const kv = createMemoryStore();
    const key = `/proton/net-l3vpn/Port/${ports[1]}`;
    await kv.put(key, 'old');
    // a "publisher" writes the key while the reconciler streams SQL
    const source = {
      async *snapshot(api: ApiModel) {
        let first = true;
        for await (const e of store.snapshot(api)) {
          if (first) {
            first = false;
            await kv.put(key, 'newer');
          }
          yield e;
        }
      },
    };
    const report = await reconcile({ source, kv, apis: [net] });
    expect(report.skipped).toEqual([key]);
    expect((await kv.get(key))?.value).toBe('newer');
    await kv.close();
  });

  it('gluon resync prints what it changed and makes etcd equal to SQL', async () => {
    await etcd.put('/proton/net-l3vpn/Port/ghost', '{}');
    await etcd.delete(`/proton/net-l3vpn/Port/${ports[2]}`);
    const env = { ...process.env, GLUON_ADVERTISED_URL: 'http://proton.example:2705' };
    const args = ['--import', 'tsx', CLI, 'resync', '--db', db, '--etcd', inject('etcdEndpoint'), '--etcd-prefix', prefix, '--models', bundledModelsDir()];
    const dry = await run(process.execPath, [...args, '--dry-run'], { env });
    expect(dry.stdout).toContain('- /proton/net-l3vpn/Port/ghost');
    expect(dry.stdout).toContain('would change: 1 added, 0 updated, 1 deleted');
    expect(await etcd.get('/proton/net-l3vpn/Port/ghost')).toBeDefined();
    const { stdout } = await run(process.execPath, args, { env });
    expect(stdout).toContain(`+ /proton/net-l3vpn/Port/${ports[2]}`);
    expect(stdout).toContain('- /proton/net-l3vpn/Port/ghost');
    expect(stdout).toContain('changed: 1 added, 0 updated, 1 deleted');
    expect(diff(await sqlContent(store, apis), await ours(etcd))).toEqual([]);
    expect((await etcd.get('/proton-other/x'))?.value).toBe('foreign');
  });

  it('gluon resync without etcd exits 2 and says what to give', async () => {
    const err = await run(process.execPath, ['--import', 'tsx', CLI, 'resync', '--db', db], { env: { ...process.env, GLUON_ETCD: '' } }).catch((e: unknown) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('--etcd');
  });
});
