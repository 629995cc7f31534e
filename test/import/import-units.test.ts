import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGluon, openGluonSource, originalTableName, parseSourceUrl, type ImportReport } from '../../src/core/import/index.js';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { bundledModelsDir } from '../../src/server/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { runImportCli, SQLITE_FIXTURE } from './helpers.js';

function object(models: readonly ApiModel[], api: string, name: string): [ApiModel, ObjectModel] {
  const a = models.find((m) => m.name === api) as ApiModel;
  return [a, a.objects.find((o) => o.name === name) as ObjectModel];
}

describe('the URL of the original database', () => {
  it.each([
    ['sqlite:/opt/proton/gluon.sqlite', { dialect: 'sqlite', file: '/opt/proton/gluon.sqlite' }],
    ['sqlite://relative/gluon.sqlite', { dialect: 'sqlite', file: 'relative/gluon.sqlite' }],
    ['./gluon.sqlite', { dialect: 'sqlite', file: './gluon.sqlite' }],
    ['mysql+pymysql://gluon:s%40cret@db.example:3307/proton?charset=utf8', { dialect: 'mysql', host: 'db.example', port: 3307, user: 'gluon', password: 's@cret', database: 'proton' }],
    ['mariadb://root@127.0.0.1/gluon', { dialect: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'gluon' }],
  ])('%s is understood', (url, target) => {
    expect(parseSourceUrl(url)).toEqual(target);
  });

  it.each(['', 'postgresql://x@h/db', 'mysql://root@127.0.0.1:3306/', 'sqlite:'])('"%s" is refused with GLUON_ERR_IMPORT_SOURCE', (url) => {
    expect(() => parseSourceUrl(url)).toThrow(expect.objectContaining({ code: 'GLUON_ERR_IMPORT_SOURCE' }) as Error);
  });
});

describe('the original table names', () => {
  it('name exactly the tables of the original database, one per object of the bundled models', async () => {
    const models = await loadModels(bundledModelsDir());
    const source = await openGluonSource(`sqlite:${SQLITE_FIXTURE}`);
    try {
      const names = models.flatMap((api) => api.objects.map((o) => originalTableName(api, o))).sort();
      expect(names).toEqual([...(await source.tables())].sort());
      expect(names).toContain('net_l3vpn_bgp_peering');
      expect(names).toContain('net_l3vpn__vpn_binding');
    } finally {
      await source.close();
    }
  });
});

describe('importing into a store that already holds (some of) the objects', () => {
  let dir: string;
  let store: SqlStore;
  let models: readonly ApiModel[];
  let first: ImportReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-import-unit-'));
    models = await loadModels(bundledModelsDir());
    store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}` });
    await store.init(models);
    first = await importGluon({ source: `sqlite:${SQLITE_FIXTURE}`, store, models });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts back what was changed or deleted since, and only that', async () => {
    const [l3vpn, vpn] = object(models, 'net-l3vpn', 'VpnService');
    const [, peering] = object(models, 'net-l3vpn', 'BGPPeering');
    const someVpn = (await store.list(l3vpn, vpn)).items[0] as Record<string, unknown>;
    const somePeering = (await store.list(l3vpn, peering)).items[0] as Record<string, unknown>;
    await store.update(l3vpn, vpn, String(someVpn['id']), { name: 'changed-here', description: 'also changed' });
    await store.delete(l3vpn, peering, String(somePeering['id']));

    const again = await importGluon({ source: `sqlite:${SQLITE_FIXTURE}`, store, models });
    const touched = again.objects.filter((o) => o.action !== 'unchanged');
    expect(touched).toEqual([
      { api: 'net-l3vpn', version: '1.0', object: 'VpnService', key: someVpn['id'], action: 'update', changed: ['name', 'description'] },
      { api: 'net-l3vpn', version: '1.0', object: 'BGPPeering', key: somePeering['id'], action: 'create' },
    ]);
    expect((await store.get(l3vpn, vpn, String(someVpn['id'])))['name']).toBe(someVpn['name']);
    const third = await importGluon({ source: `sqlite:${SQLITE_FIXTURE}`, store, models });
    expect(third.counts).toMatchObject({ created: 0, updated: 0, unchanged: first.counts.created, refused: first.counts.refused });
  });

  it('a dry run on a store that differs reports the difference and changes nothing', async () => {
    const [l3vpn, vpn] = object(models, 'net-l3vpn', 'VpnService');
    const someVpn = (await store.list(l3vpn, vpn)).items[0] as Record<string, unknown>;
    const changed = await store.update(l3vpn, vpn, String(someVpn['id']), { name: 'changed-again' });
    const dry = await importGluon({ source: `sqlite:${SQLITE_FIXTURE}`, store, models, dryRun: true });
    expect(dry.objects.filter((o) => o.action !== 'unchanged')).toEqual([
      { api: 'net-l3vpn', version: '1.0', object: 'VpnService', key: someVpn['id'], action: 'update', changed: ['name'] },
    ]);
    expect(await store.get(l3vpn, vpn, String(someVpn['id']))).toEqual(changed);
  });
});

describe('the store keeps the timestamps an import gives it', () => {
  it('stores created_at/updated_at from WriteOptions.timestamps (a port\'s default interface too) and refuses an invalid date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-import-ts-'));
    const models = await loadModels(bundledModelsDir());
    const store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}` });
    try {
      await store.init(models);
      const [api, port] = object(models, 'net-l3vpn', 'Port');
      const [, iface] = object(models, 'net-l3vpn', 'Interface');
      const body = { ...PORT_FIELDS, tenant_id: 'f22ce5f1-7aed-480d-a433-d4f8963d7408', name: 'p', mac_address: 'fa:16:3e:00:00:01' };
      const timestamps = { createdAt: new Date('2017-02-14T20:35:47.749Z'), updatedAt: new Date('2018-01-02T03:04:05.006Z') };
      const created = await store.create(api, port, body, { timestamps });
      expect(created).toMatchObject({ created_at: '2017-02-14T20:35:47.749Z', updated_at: '2018-01-02T03:04:05.006Z', revision_number: 1 });
      expect(await store.get(api, port, String(created['id']))).toEqual(created);
      expect(await store.get(api, iface, String(created['id']))).toMatchObject({ created_at: '2017-02-14T20:35:47.749Z', updated_at: '2018-01-02T03:04:05.006Z' });
      const bad = { createdAt: new Date('not a date'), updatedAt: new Date() };
      await expect(store.create(api, port, { ...body, mac_address: 'fa:16:3e:00:00:02' }, { timestamps: bad })).rejects.toMatchObject({
        code: 'GLUON_ERR_VALIDATION',
        details: [{ field: 'created_at', rule: 'format' }],
      });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gluon db import-gluon on the command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-import-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each object and each refused row with its field and rule, and exits 3 (0 with --allow-refused)', async () => {
    const db = `sqlite:${join(dir, 'a.db')}`;
    const run = await runImportCli([`sqlite:${SQLITE_FIXTURE}`, '--db', db]);
    expect(run.code).toBe(3);
    expect(run.out.filter((l) => /^\+ net-l3vpn\/VpnService\/\S+$/.test(l))).toHaveLength(5);
    expect(run.err.join('\n')).toMatch(/! net-l3vpn\/BGPPeering\/f2283a8c-6a18-4a9e-aa25-f8357b0373a0 \(table net_l3vpn_bgp_peering\) refused:\n {4}as_number \[maximum\] = 4200000000: /);
    expect(run.out.at(-1)).toMatch(/^imported from sqlite:.*gluon\.sqlite \(ietf-sfc 1\.0, net-l3vpn 1\.0, test 1\.0\): 157 rows read, \d+ created, 0 updated, 0 unchanged, 26 refused$/);
    const again = await runImportCli([`sqlite:${SQLITE_FIXTURE}`, '--db', db, '--allow-refused']);
    expect(again.code).toBe(0);
    expect(again.out.filter((l) => l.startsWith('+') || l.startsWith('~'))).toEqual([]);
  });

  it('exits 2 naming the problem when the original database cannot be read', async () => {
    const run = await runImportCli([`sqlite:${join(dir, 'missing.sqlite')}`, '--db', `sqlite:${join(dir, 'b.db')}`]);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(/missing\.sqlite" does not exist\. \[GLUON_ERR_IMPORT_SOURCE\]/);
  });

  it('refuses a row whose column our model does not have instead of dropping the value', async () => {
    const copy = join(dir, 'extra-column.sqlite');
    copyFileSync(SQLITE_FIXTURE, copy);
    const raw = new Database(copy);
    raw.exec(`ALTER TABLE net_l3vpn__vpn_service ADD COLUMN color VARCHAR(16)`);
    const id = (raw.prepare(`SELECT id FROM net_l3vpn__vpn_service ORDER BY id LIMIT 1`).get() as { id: string }).id;
    raw.prepare(`UPDATE net_l3vpn__vpn_service SET color = 'blue' WHERE id = ?`).run(id);
    raw.close();
    const run = await runImportCli([`sqlite:${copy}`, '--db', `sqlite:${join(dir, 'c.db')}`, '--json']);
    const row = run.report?.refused.find((r) => r.object === 'VpnService');
    expect(row).toMatchObject({ key: id, table: 'net_l3vpn__vpn_service', details: [{ field: 'color', rule: 'unknown', value: 'blue' }] });
  });
});
