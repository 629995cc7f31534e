import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protonPlugin, servedVersionsStore } from '../../src/core/http/index.js';
import { loadModels, toOpenApi } from '../../src/core/model/index.js';
import { ProtonRegistry } from '../../src/core/registry/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { BACKENDS, HOST, startServer, type TestServer } from './helpers.js';
import { call } from '../setup/http-call.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/versions', import.meta.url));
const V10 = '/proton/shop/v1.0';
const V11 = '/proton/shop/v1.1';
const TENANT = 'a868a466bca84df18404a77db0ecac72';

/**
 * shop v1.0 (storage, DEPRECATED) and v1.1 (CURRENT: `colour` → `color`, `legacy_code`
 * hidden, `weight` added with default 10) served together over one storage.
 */
describe.each(BACKENDS)('several live versions of one API over one storage (examples/versions, %s)', (backend) => {
  let server: TestServer;
  let app: FastifyInstance;

  beforeAll(async () => {
    server = await startServer(EXAMPLE, {}, backend);
    app = server.app;
  });
  afterAll(async () => {
    await server.close();
  });

  async function created(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await call(url, { app, method: 'POST', body });
    expect(response.status, response.text).toBe(201);
    return response.json();
  }

  it('creates through v1.0, then reads, updates and deletes through v1.1', async () => {
    const widget = await created(`${V10}/widgets`, { tenant_id: TENANT, name: 'w1', colour: 'red', legacy_code: 'L-1' });
    const id = String(widget['id']);
    const read = await call(`${V11}/widgets/${id}`, { app });
    expect(read.status).toBe(200);
    expect(read.json()).toMatchObject({ id, name: 'w1', color: 'red', weight: 10, revision_number: 1 });
    expect(read.json()).not.toHaveProperty('colour');
    expect(read.json()).not.toHaveProperty('legacy_code');

    const updated = await call(`${V11}/widgets/${id}`, { app, method: 'PUT', body: { color: 'blue', weight: 3 } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json()).toMatchObject({ color: 'blue', weight: 3, revision_number: 2 });
    const back = (await call(`${V10}/widgets/${id}`, { app })).json();
    expect(back).toMatchObject({ colour: 'blue', legacy_code: 'L-1', revision_number: 2 });
    expect(back).not.toHaveProperty('weight');

    expect((await call(`${V11}/widgets/${id}`, { app, method: 'DELETE' })).status).toBe(204);
    expect((await call(`${V10}/widgets/${id}`, { app })).status).toBe(404);
  });

  it('creates through v1.1, then reads, updates and deletes through v1.0', async () => {
    const widget = await created(`${V11}/widgets`, { tenant_id: TENANT, name: 'w2', color: 'green' });
    expect(widget).toMatchObject({ color: 'green', weight: 10 });
    const id = String(widget['id']);
    expect((await call(`${V10}/widgets/${id}`, { app })).json()).toMatchObject({ name: 'w2', colour: 'green', legacy_code: null });
    const updated = await call(`${V10}/widgets/${id}`, { app, method: 'PUT', body: { legacy_code: 'L-2', colour: 'teal' } });
    expect(updated.status, updated.text).toBe(200);
    expect((await call(`${V11}/widgets/${id}`, { app })).json()).toMatchObject({ color: 'teal', weight: 10, revision_number: 2 });
    expect((await call(`${V10}/widgets/${id}`, { app, method: 'DELETE' })).status).toBe(204);
    expect((await call(`${V11}/widgets/${id}`, { app })).status).toBe(404);
  });

  it('one id is one object: a create through the other version collides (409)', async () => {
    const widget = await created(`${V10}/widgets`, { tenant_id: TENANT, name: 'w3' });
    const again = await call(`${V11}/widgets`, { app, method: 'POST', body: { id: widget['id'], tenant_id: TENANT, name: 'w3 again' } });
    expect(again.status).toBe(409);
    expect((await call(`${V11}/widgets/${String(widget['id'])}`, { app, method: 'DELETE' })).status).toBe(204);
  });

  it('filters and sorts by a renamed attribute, and child routes cross versions', async () => {
    const a = await created(`${V10}/widgets`, { tenant_id: TENANT, name: 'fa', colour: 'amber' });
    const b = await created(`${V11}/widgets`, { tenant_id: TENANT, name: 'fb', color: 'amber', weight: 7 });
    const list = (await call(`${V11}/widgets?color=amber&sort_key=weight&sort_dir=desc`, { app })).json()['widgets'] as Record<string, unknown>[];
    expect(list.map((w) => [w['name'], w['weight']])).toEqual([['fa', 10], ['fb', 7]]); // a create through v1.0 stores weight's default
    expect((await call(`${V10}/widgets?colour=amber`, { app })).json()['widgets']).toHaveLength(2);
    expect((await call(`${V11}/widgets?colour=amber`, { app })).status).toBe(400);

    const part = await created(`${V10}/widgets/${String(b['id'])}/parts`, { tenant_id: TENANT, size: 4 });
    const parts = (await call(`${V11}/widgets/${String(b['id'])}/parts`, { app })).json()['parts'] as Record<string, unknown>[];
    expect(parts.map((p) => p['id'])).toEqual([part['id']]);
    for (const id of [a['id'], b['id']]) {
      if (id === b['id']) expect((await call(`${V11}/parts/${String(part['id'])}`, { app, method: 'DELETE' })).status).toBe(204);
      expect((await call(`${V10}/widgets/${String(id)}`, { app, method: 'DELETE' })).status).toBe(204);
    }
  });

  it('rejects a v1.1 body with a v1.0 name, and a v1.0 body with a v1.1 name', async () => {
    const v11 = await call(`${V11}/widgets`, { app, method: 'POST', body: { name: 'x', colour: 'red' } });
    expect(v11.status).toBe(400);
    expect(v11.text).toContain('colour');
    const v10 = await call(`${V10}/widgets`, { app, method: 'POST', body: { name: 'x', weight: 1 } });
    expect(v10.status).toBe(400);
    expect(v10.text).toContain('weight');
  });

  it('shows each version\'s status in discovery; the CURRENT version is the default', async () => {
    const versions = (await call('/proton/shop', { app })).json();
    expect((versions['versions'] as Record<string, unknown>[]).map((v) => [v['version_id'], v['status']])).toEqual([
      ['v1.0', 'DEPRECATED'],
      ['v1.1', 'CURRENT'],
    ]);
    expect(versions['default_version']).toMatchObject({ version_id: 'v1.1', status: 'CURRENT' });
    const resources = (await call(V10, { app })).json()['resources'] as Record<string, unknown>[];
    expect(resources.map((r) => r['status'])).toEqual(['DEPRECATED', 'DEPRECATED']);
  });

  it('marks every answer of the deprecated version with Deprecation (RFC 9745) and its successor', async () => {
    const since = `@${Date.parse('2026-06-01') / 1000}`;
    for (const [method, url] of [
      ['GET', `${V10}/widgets`],
      ['GET', V10],
      ['GET', `${V10}/widgets/4e8e5957-649f-477b-9e5b-f1f75b21c03c`],
    ] as const) {
      const response = await call(url, { app, method });
      expect(response.headers['deprecation'], url).toBe(since);
      expect(response.headers['link'], url).toBe('</proton/shop/v1.1>; rel="successor-version"');
    }
    const current = await call(`${V11}/widgets`, { app });
    expect(current.headers['deprecation']).toBeUndefined();
  });
});

describe('a database written by a single-version server keeps working when a version is added', () => {
  it('serves the v1.0 rows through v1.0 and a new v1.1 that renames and hides (same tables)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gluon-versions-compat-'));
    const url = `sqlite:${join(dir, 'gluon.db')}`;
    const v10 = (await loadModels(join(EXAMPLE, 'shop-v1.0.yaml'))).map(({ status: _status, deprecatedSince: _since, ...api }) => api);
    const serve = async (registry: ProtonRegistry): Promise<{ app: FastifyInstance; store: SqlStore }> => {
      const store = createStore({ url, advertisedUrl: `http://${HOST}` });
      await store.init(registry.storageModels());
      const app = fastify({ logger: false });
      await app.register(protonPlugin, { registry, store, docs: false });
      await app.ready();
      return { app, store };
    };
    try {
      const before = await serve(new ProtonRegistry(v10));
      const made = await call(`${V10}/widgets`, { app: before.app, method: 'POST', body: { tenant_id: TENANT, name: 'old', colour: 'red', legacy_code: 'L-9' } });
      expect(made.status).toBe(201);
      await before.app.close();
      await before.store.close();

      // v1.1 without the added attribute: no new column, so the old tables serve it as they are
      const v11Text = readFileSync(join(EXAMPLE, 'shop-v1.1.yaml'), 'utf8').replace(/ {6}weight:\n(?: {8}.*\n)+/, '');
      const v11Dir = await mkdtemp(join(tmpdir(), 'gluon-versions-v11-'));
      await writeFile(join(v11Dir, 'shop-v1.1.yaml'), v11Text);
      const after = await serve(new ProtonRegistry([...v10, ...(await loadModels(join(v11Dir, 'shop-v1.1.yaml')))]));
      const id = String(made.json()['id']);
      expect((await call(`${V10}/widgets/${id}`, { app: after.app })).json()).toMatchObject({ name: 'old', colour: 'red', legacy_code: 'L-9' });
      expect((await call(`${V11}/widgets/${id}`, { app: after.app })).json()).toMatchObject({ name: 'old', color: 'red' });
      await after.app.close();
      await after.store.close();
      await rm(v11Dir, { recursive: true, force: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenAPI of several versions', () => {
  it('marks every operation of a DEPRECATED version deprecated', async () => {
    const document = toOpenApi(await loadModels(EXAMPLE), { title: 'shop', version: '0' }) as { paths: Record<string, Record<string, { deprecated?: boolean }>> };
    const flags = Object.entries(document.paths).flatMap(([path, ops]) => Object.values(ops).map((op) => [path.split('/')[3], op.deprecated === true] as const));
    expect(flags.filter(([version]) => version === 'v1.0').every(([, deprecated]) => deprecated)).toBe(true);
    expect(flags.filter(([version]) => version === 'v1.1').some(([, deprecated]) => deprecated)).toBe(false);
    expect(flags.length).toBeGreaterThan(4);
  });
});

describe('the tables of several versions', () => {
  it('are the storage version\'s, named as before, with the columns other versions add', async () => {
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const dir = await mkdtemp(join(tmpdir(), 'gluon-versions-tables-'));
    const file = join(dir, 'gluon.db');
    const registry = new ProtonRegistry(await loadModels(EXAMPLE));
    const store = createStore({ url: `sqlite:${file}`, advertisedUrl: `http://${HOST}` });
    try {
      // an embedder handing every served version to init still gets the storage tables only
      await servedVersionsStore(store, registry).init(registry.list());
      await store.close();
      const db = new BetterSqlite3(file, { readonly: true });
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'shop%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      const columns = (db.prepare('PRAGMA table_info(shop_v1_0_widget)').all() as { name: string }[]).map((c) => c.name);
      db.close();
      expect(tables).toEqual(['shop_v1_0_part', 'shop_v1_0_widget']);
      expect(columns).toEqual(['id', 'tenant_id', 'name', 'colour', 'legacy_code', 'weight', 'created_at', 'updated_at', 'revision_number']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
