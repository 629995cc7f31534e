/**
 * A database made with the net-l3vpn model before addressing gains the VPN pool, the
 * VNI and the unique index over (service_id, ipaddress) through the migrations: `gluon db
 * plan` names the index and the duplicate rows that block it, a server with
 * `migrate: safe` refuses to start on them and applies everything once they are gone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbCommand } from '../../src/cli/commands/db.js';
import { isGluonError } from '../../src/core/errors/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { BUNDLED_MODELS, DIALECTS, editedModels, freshDatabase, modelsOf, type TestDatabase } from './helpers.js';

const TENANT = randomUUID();

/** The bundled net-l3vpn text as it was before addressing. */
function withoutAddressing(text: string): string {
  return text
    .replace(/\n {4}unique:\n(?: {6}.*\n)+/, '\n')
    .replace(/\n {4}subnet:\n(?: {6}.*\n)+/, '\n')
    .replace(/\n {6}# The address pool[\s\S]*?(?=\n {2}VpnBinding:)/, '\n')
    .replace(/\n {6}ipaddress:\n(?: {8}.*\n)+/, '\n')
    .replace('max: 128', 'max: 31')
    .replace(/(gateway:\n {8}type: string\n {8})format: ip\n {8}length: 45/, '$1format: ipv4\n        length: 16');
}

async function gluonDb(args: readonly string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const previous = process.exitCode;
  process.exitCode = 0;
  await dbCommand({ out: (l) => out.push(l), err: (l) => out.push(l) }).parseAsync(['node', 'db', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { code, out: out.join('\n') };
}

describe.each(DIALECTS)('addressing reaches an existing database on %s', (dialect) => {
  let db: TestDatabase;
  let old: ReturnType<typeof editedModels>;
  let store: SqlStore | undefined;

  beforeAll(async () => {
    old = editedModels({ replace: withoutAddressing });
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
    old?.remove();
  });

  it('should plan the new columns and the unique index with the duplicates at risk, refuse to serve on them, and upgrade once they are gone', async () => {
    const before = createStore({ url: db.url });
    const oldModels = await modelsOf(old.dir);
    await before.init(oldModels, { migrate: 'safe' });
    const api = oldModels.find((m) => m.name === 'net-l3vpn');
    const [port, vpn, binding] = ['Port', 'VpnService', 'VpnBinding'].map((n) => api?.objects.find((o) => o.name === n));
    if (api === undefined || port === undefined || vpn === undefined || binding === undefined) throw new Error('net-l3vpn model changed');
    expect(binding.attributes.find((a) => a.name === 'ipaddress')?.format).toBe('ipv4');
    const service = await before.create(api, vpn, { tenant_id: TENANT, name: 'v' });
    const ports: string[] = [];
    for (let i = 0; i < 3; i++) ports.push(String((await before.create(api, port, { ...PORT_FIELDS, tenant_id: TENANT, name: `p${i}`, mac_address: `fa:16:3e:00:00:0${i}` }))['id']));
    // the old model let two bindings of one VPN share an address
    for (const id of ports.slice(0, 2)) await before.create(api, binding, { tenant_id: TENANT, interface_id: id, service_id: service['id'], ipaddress: '10.0.0.2' });
    await before.close();

    const plan = await gluonDb(['plan', '--db', db.url, '--models', BUNDLED_MODELS]);
    expect(plan.out).toContain('VpnService.vni: new column');
    expect(plan.out).toContain('VpnService.address_pool: new column');
    expect(plan.out).toMatch(/VpnBinding: new unique index \S+ \(service_id, ipaddress\) \[rejecting: 2 rows\]/);

    const refused = createStore({ url: db.url });
    const error = await refused.init(await modelsOf(BUNDLED_MODELS), { migrate: 'safe' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await refused.close();
    expect(isGluonError(error) && error.code).toBe('GLUON_ERR_STORE_SCHEMA');
    expect(String((error as Error).message)).toContain('(service_id, ipaddress)');

    const fixer = createStore({ url: db.url });
    await fixer.init(oldModels, { migrate: 'safe' });
    await fixer.delete(api, binding, ports[1] as string);
    await fixer.close();

    store = createStore({ url: db.url });
    const models = await modelsOf(BUNDLED_MODELS);
    await store.init(models, { migrate: 'safe' });
    const now = models.find((m) => m.name === 'net-l3vpn');
    const nowBinding = now?.objects.find((o) => o.name === 'VpnBinding');
    if (now === undefined || nowBinding === undefined) throw new Error('net-l3vpn model changed');
    const taken = await store.create(now, nowBinding, { tenant_id: TENANT, interface_id: ports[2], service_id: service['id'], ipaddress: '10.0.0.2' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isGluonError(taken) && taken.code).toBe('GLUON_ERR_VALUE_TAKEN');
    expect((await gluonDb(['plan', '--db', db.url, '--models', BUNDLED_MODELS, '--exit-code'])).code).toBe(0);
  });
});
