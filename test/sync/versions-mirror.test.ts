import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import type { SqlStore } from '../../src/core/store/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { diff, etcdClient, etcdContent, portBody, sqlContent, tempDir, uniquePrefix } from './helpers.js';
import { call } from '../setup/http-call.js';

const MODELS = fileURLToPath(new URL('../../models', import.meta.url));
const V1 = '/proton/net-l3vpn/v1.0';
const V2 = '/proton/net-l3vpn/v2.0';

/**
 * net-l3vpn served as v1.0 and v2.0 (the same objects) on one storage: each object is
 * one row and one etcd key, whichever version wrote it. Regression test of issue 13's
 * collision (one id created through v1.0 and v2.0, deleted through one: etcd kept a key
 * SQL no longer had, or the other way round).
 */
describe('several versions of one API mirrored once (real etcd)', () => {
  const prefix = uniquePrefix();
  let server: ProtonServer;
  let base: string;
  let etcd: KeyValueStore;

  beforeAll(async () => {
    const dir = tempDir();
    for (const file of ['base.yaml', 'net-l3vpn.yaml']) await copyFile(join(MODELS, file), join(dir, file));
    const v1 = await readFile(join(MODELS, 'net-l3vpn.yaml'), 'utf8');
    await writeFile(join(dir, 'net-l3vpn-v2.yaml'), v1.replace(/^ {2}version: "1\.0"$/m, '  version: "2.0"'));
    const endpoint = inject('etcdEndpoint');
    server = await createProtonServer({ models: dir, db: `sqlite:${join(tempDir(), 'gluon.db')}`, port: 0, etcd: endpoint, etcdPrefix: prefix, logger: { level: 'silent' } });
    base = await server.listen();
    etcd = etcdClient(endpoint, prefix);
  });
  afterAll(async () => {
    await server.close();
    await etcd.close();
  });

  async function mirrored(): Promise<Map<string, string>> {
    await server.mirror?.flush?.(30_000);
    const expected = await sqlContent(server.store as SqlStore, server.registry.storageModels());
    const actual = await etcdContent(etcd, ['net-l3vpn']);
    expect(diff(expected, actual)).toEqual([]);
    return actual;
  }

  it('serves both versions from one storage: the v1.0 tables', () => {
    expect(server.registry.list().map((a) => a.versionId).sort()).toEqual(['v1.0', 'v2.0']);
    expect(server.registry.storageModels().map((a) => `${a.name}/${a.versionId}`)).toEqual(['net-l3vpn/v1.0']);
  });

  it('one id created through v1.0 and v2.0, deleted through v2.0: etcd equals SQL', async () => {
    const id = '0b6a3c8e-4a5f-4c4e-9d62-3f0d3a1c2b01';
    const first = await call(`${base}${V1}/ports`, { method: 'POST', body: { ...portBody(1), id } });
    expect(first.status).toBe(201);
    const second = await call(`${base}${V2}/ports`, { method: 'POST', body: { ...portBody(2), id } });
    expect(second.status).toBe(409);
    expect((await call(`${base}${V2}/ports/${id}`)).json()).toMatchObject({ id, name: 'p1' });
    let etcdNow = await mirrored();
    expect(JSON.parse(etcdNow.get(`/proton/net-l3vpn/Port/${id}`) ?? '{}')).toMatchObject({ id, name: 'p1', api_version: 'v1.0' });
    expect(etcdNow.has(`/gluon/port/${id}`)).toBe(true);

    expect((await call(`${base}${V2}/ports/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${base}${V1}/ports/${id}`)).status).toBe(404);
    etcdNow = await mirrored();
    expect(etcdNow.has(`/proton/net-l3vpn/Port/${id}`)).toBe(false);
    expect(etcdNow.has(`/gluon/port/${id}`)).toBe(false);
  });

  it('an object written through v2.0 is one etcd key in the storage version, updated through v1.0', async () => {
    const created = await call(`${base}${V2}/ports`, { method: 'POST', body: portBody(3) });
    expect(created.status).toBe(201);
    const id = String(created.json()['id']);
    expect((await call(`${base}${V1}/ports/${id}`, { method: 'PUT', body: { mtu: 1400 } })).status).toBe(200);
    const etcdNow = await mirrored();
    const keys = [...etcdNow.keys()].filter((k) => k.endsWith(`/${id}`));
    expect(keys.sort()).toEqual([`/gluon/port/${id}`, `/proton/net-l3vpn/Interface/${id}`, `/proton/net-l3vpn/Port/${id}`]);
    expect(JSON.parse(etcdNow.get(`/proton/net-l3vpn/Port/${id}`) ?? '{}')).toMatchObject({ id, mtu: 1400, revision_number: 2, api_version: 'v1.0' });
    expect((await call(`${base}${V1}/ports/${id}`, { method: 'DELETE' })).status).toBe(204);
    await mirrored();
  });

  it('a bind through v2.0 goes through the binding on the one storage', async () => {
    const created = await call(`${base}${V2}/ports`, { method: 'POST', body: portBody(4) });
    const id = String(created.json()['id']);
    const bind = await call(`${base}${V2}/ports/${id}?bind_timeout=0`, { method: 'PUT', body: { host_id: 'compute-9', device_id: '5c1e8f52-8d5f-4a37-9a53-1f3c5e0b7d99' } });
    expect(bind.status, JSON.stringify(bind.json())).toBe(200);
    expect(bind.json()).toMatchObject({ id, host_id: 'compute-9', device_id: '5c1e8f52-8d5f-4a37-9a53-1f3c5e0b7d99' });
    expect((await call(`${base}${V1}/ports/${id}`)).json()).toMatchObject({ host_id: 'compute-9', device_id: '5c1e8f52-8d5f-4a37-9a53-1f3c5e0b7d99' });
    const etcdNow = await mirrored();
    expect(JSON.parse(etcdNow.get(`/proton/net-l3vpn/Port/${id}`) ?? '{}')).toMatchObject({ host_id: 'compute-9', api_version: 'v1.0' });
  });
});
