import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KeyValueStore } from '../../src/core/kv/index.js';
import type { ImportReport } from '../../src/core/import/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { bundledModelsDir, createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { waitFor } from '../setup/wait-for.js';
import { diff, etcdClient, etcdContent, sqlContent, uniquePrefix } from '../sync/helpers.js';
import { expectedListings, freshMariadb, freshSqlite, loadMariadbFixture, runImportCli, SQLITE_FIXTURE, type Listed, type TempDb } from './helpers.js';

/**
 * The rows of the original's database that our validation refuses: `Object/key field rule`
 * (key `-` when the original stored none). Every other row must be imported.
 */
const REFUSED_BOTH = [
  'Port/06267819-058f-41b9-9e84-1c7a00931181 tenant_id pattern', // ietf-sfc "tenant-a"
  'Interface/06267819-058f-41b9-9e84-1c7a00931181 tenant_id pattern',
  'Interface/06267819-058f-41b9-9e84-1c7a00931181 port_id reference',
  'Port/d522dae4-00cd-40ad-99ad-905217ac245c tenant_id pattern', // empty-tenant
  'Interface/d522dae4-00cd-40ad-99ad-905217ac245c tenant_id pattern',
  'Interface/d522dae4-00cd-40ad-99ad-905217ac245c port_id reference',
  'Interface/7167bfe0-3874-49c4-9974-33ab99a928fc port_id required', // no-port-iface
  'VpnBinding/7db0e89a-849b-4bb9-acf2-e325a2c25f98 ipaddress format', // 10.1
  'VpnBinding/7db0e89a-849b-4bb9-acf2-e325a2c25f98 gateway format', // 010.0.0.1
  'VpnBinding/e37d88b7-3e05-4c3a-b1d0-a6ad932c24e4 service_id required',
  'BGPPeering/7547bf6a-842c-4777-aeaf-f31130260df8 local_ip_address format', // octal-ip
  'BGPPeering/7547bf6a-842c-4777-aeaf-f31130260df8 peer_ip_address format',
  'TestService/0757e311-ffe5-42fb-b9d5-f5aff6f60678 datetime format', // May 8 2017
  'TestService/fe49ffe2-1451-44e9-bf3e-a797d2244ac9 uri format', // not a uri
];
const REFUSED: Readonly<Record<'sqlite' | 'mariadb', readonly string[]>> = {
  sqlite: [
    ...REFUSED_BOTH,
    'ServiceFunction/e85f6f98-f662-47cc-9d4f-4f36771cc81f tenant_id pattern', // nat-44, "tenant-a"
    'SffSfBinding/- id required', // id NULL in a composite key
    'SffSfBinding/- id required',
    'SffSfBinding/- sff_dpl_name required',
    'SclSffBinding/- id required',
    'Port/1da721bc-22a9-4ca8-b2fa-ae62e79964ca mtu maximum', // 2^31
    'Interface/1da721bc-22a9-4ca8-b2fa-ae62e79964ca port_id reference',
    'Port/aa97580a-ef48-4608-8202-1c1980b4dd68 name maxLength', // 65 × L
    'Interface/aa97580a-ef48-4608-8202-1c1980b4dd68 name maxLength',
    'Interface/aa97580a-ef48-4608-8202-1c1980b4dd68 port_id reference',
    'Interface/575052c5-f506-463a-9fcb-d5352d169f92 name maxLength', // m…m_default, 72 characters
    'Interface/e2ba7ba2-0a59-468b-8e73-8f019c72528e port_id reference', // orphan-iface
    'VpnBinding/160a0704-0e86-464f-83ca-db51648c4734 interface_id reference', // deleted-bound-port's binding
    'VpnBinding/7818c6db-567a-4fa5-97e7-bd5ba6892769 interface_id reference',
    'VpnBinding/eecbb46a-a87d-44d2-a4c2-82961e5b0a7e interface_id reference',
    'VpnBinding/295943c6-33e2-476a-ba20-665fa7ddeee8 service_id reference',
    'VpnBinding/72c895ab-8340-4ad6-86dc-d6139916fc29 service_id reference',
    'BGPPeering/f2283a8c-6a18-4a9e-aa25-f8357b0373a0 as_number maximum', // as4byte
  ],
  mariadb: [...REFUSED_BOTH, 'ServiceFunction/1e232bce-c422-4992-8a42-383bb7a28b72 tenant_id pattern'],
};

/** The advertised URL the import writes into /gluon/port/<id> and the server keeps (the server itself listens on a free port). */
const ADVERTISED = 'http://127.0.0.1:2705';

function refusedLines(report: ImportReport): string[] {
  return report.refused.flatMap((r) => r.details.map((d) => `${r.object}/${r.key ?? '-'} ${d.field} ${d.rule}`)).sort();
}

/** An instant as `YYYY-MM-DDTHH:MM:SS.mmm` (the original lists naive UTC with 0 or 6 fraction digits, we answer ISO with `Z`). */
function instant(value: unknown): unknown {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(String(value));
  return m === null ? value : `${m[1]}.${((m[2] ?? '') + '000').slice(0, 3)}`;
}

/**
 * What the original listed and what we answer may differ only as documented in
 * docs/migrations.md ("Importing from Gluon"): timestamps keep milliseconds (not
 * microseconds), and MariaDB's single-precision FLOAT is read back as the double nearest
 * to it (compared to 6 significant digits, what the original lists).
 */
function comparable(field: string, value: unknown): unknown {
  if (field === 'created_at' || field === 'updated_at') return instant(value);
  if (typeof value === 'number' && !Number.isInteger(value)) return Number(value.toPrecision(6));
  return value;
}

async function loadSource(backend: 'sqlite' | 'mariadb'): Promise<{ url: string; drop(): Promise<void> }> {
  if (backend === 'sqlite') return { url: `sqlite:${SQLITE_FIXTURE}`, drop: () => Promise.resolve() };
  return loadMariadbFixture();
}

describe.each(['sqlite', 'mariadb'] as const)('gluon db import-gluon from the original Gluon on %s', (backend) => {
  const expected = expectedListings()[backend];
  const refusedKeys = new Set(REFUSED[backend].map((l) => l.split(' ')[0]));
  let source: { url: string; drop(): Promise<void> };
  let target: TempDb;
  let first: ImportReport;
  let server: ProtonServer | undefined;
  let etcd: KeyValueStore;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    source = await loadSource(backend);
    target = backend === 'sqlite' ? await freshSqlite() : await freshMariadb('import');
    etcd = etcdClient(inject('etcdEndpoint'), prefix);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await etcd.close();
    await target.drop();
    await source.drop();
  });

  it('--dry-run reports what it would do and writes nothing', async () => {
    const run = await runImportCli([source.url, '--db', target.url, '--dry-run', '--json']);
    expect(run.code).toBe(3);
    const report = run.report;
    expect(report?.dryRun).toBe(true);
    expect(refusedLines(report as ImportReport)).toEqual([...REFUSED[backend]].sort());
    expect(report?.counts.created).toBeGreaterThan(100);
    const store = createStore({ url: target.url });
    try {
      const models = await loadModels(bundledModelsDir());
      await store.init(models);
      for (const api of models) for (const object of api.objects) expect((await store.list(api, object)).items).toEqual([]);
      expect((await store.outboxStats()).pending).toBe(0);
    } finally {
      await store.close();
    }
  }, 120_000);

  const startServer = async (): Promise<ProtonServer> => {
    server ??= await createProtonServer({ db: target.url, port: 0, etcd: inject('etcdEndpoint'), etcdPrefix: prefix, advertisedUrl: ADVERTISED, logger: { level: 'silent' } });
    return server;
  };

  it('imports every row the original accepted and reports each refused row with its field and rule (exit 3)', async () => {
    // MariaDB: into a database a server is serving (its publisher mirrors what the import
    // commits); SQLite: into a file no server has open yet (the first server publishes it)
    if (backend === 'mariadb') await startServer();
    const run = await runImportCli([source.url, '--db', target.url, '--advertised-url', ADVERTISED, '--json']);
    expect(run.code, run.err.join('\n')).toBe(3);
    first = run.report as ImportReport;
    expect(refusedLines(first)).toEqual([...REFUSED[backend]].sort());
    for (const row of first.refused) for (const d of row.details) expect(d.message).toContain(d.field);
    expect(first.missingTables).toEqual([]);
    expect(first.unknownTables).toEqual([]);
    const listed = Object.values(expected).reduce((n, api) => n + Object.values(api).reduce((m, list) => m + list.length, 0), 0);
    expect(first.counts.read).toBe(listed);
    expect(first.counts.created + first.counts.updated + first.counts.unchanged + first.counts.refused).toBe(listed);
  }, 120_000);

  it('serves every imported object through the API as the original listed it, and mirrors it to etcd', async () => {
    const serving = await startServer();
    const base = await serving.listen();
    const sql = await sqlContent(serving.store as SqlStore, serving.registry.list());
    await serving.mirror?.flush?.(60_000);
    await waitFor('etcd to equal SQL', async () => diff(sql, await etcdContent(etcd, Object.keys(expected))).length === 0, 60_000);
    const mirrored = await etcdContent(etcd, Object.keys(expected));
    let checked = 0;
    for (const [apiName, resources] of Object.entries(expected)) {
      const api = serving.registry.list().find((a) => a.name === apiName) as ApiModel;
      for (const [plural, items] of Object.entries(resources)) {
        const object = api.objects.find((o) => o.api.plural === plural);
        expect(object, `${apiName}/${plural}`).toBeDefined();
        if (object === undefined) continue;
        const ports = object.role === 'interface' ? new Map((resources['ports'] ?? []).map((p) => [p['id'], p])) : undefined;
        for (const item of items) {
          const key = item[object.primaryKey];
          // a port's default interface (same id) is created with the port and takes its timestamps
          const timesOf = ports?.get(key) ?? item;
          if (key === null || refusedKeys.has(`${object.name}/${String(key)}`)) continue;
          const res = await fetch(`${base}/proton/${apiName}/v${api.version}/${plural}/${encodeURIComponent(String(key))}`);
          expect(res.status, `${object.name} ${String(key)}`).toBe(200);
          const ours = (await res.json()) as Listed;
          for (const [field, value] of Object.entries(item)) {
            const want = field === 'created_at' || field === 'updated_at' ? timesOf[field] : value;
            expect(comparable(field, ours[field]), `${object.name} ${String(key)} ${field}`).toEqual(comparable(field, want));
          }
          const inEtcd = mirrored.get(`/proton/${apiName}/${object.name}/${String(key)}`);
          expect(inEtcd, `etcd ${object.name} ${String(key)}`).toBeDefined();
          // etcd holds the object as the API returns it, plus the storage version it is written in
          expect(JSON.parse(inEtcd ?? '{}')).toEqual({ ...ours, api_version: `v${api.version}` });
          if (object.role === 'port') {
            expect(JSON.parse(mirrored.get(`/gluon/port/${String(key)}`) ?? 'null')).toEqual({ tenant_id: item['tenant_id'], service: apiName, url: serving.advertisedUrl });
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(first.counts.created + first.counts.updated + first.counts.unchanged);
    expect(diff(sql, mirrored)).toEqual([]);
  }, 180_000);

  it('a second import changes nothing', async () => {
    const before = await sqlContent(server?.store as SqlStore, server?.registry.list() ?? []);
    await server?.close();
    server = undefined;
    const run = await runImportCli([source.url, '--db', target.url, '--advertised-url', ADVERTISED, '--json']);
    expect(run.code).toBe(3);
    const report = run.report as ImportReport;
    expect(report.counts).toMatchObject({ created: 0, updated: 0, unchanged: first.counts.created + first.counts.updated, refused: first.counts.refused });
    expect(report.added).toEqual([]);
    const store = createStore({ url: target.url, advertisedUrl: ADVERTISED });
    try {
      const models = await loadModels(bundledModelsDir());
      await store.init(models);
      expect(diff(before, await sqlContent(store, models))).toEqual([]);
      expect((await store.outboxStats()).pending).toBe(0);
    } finally {
      await store.close();
    }
  }, 120_000);
});
