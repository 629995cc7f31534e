import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { createStore, type ListQuery, type SqlStore } from '../../src/core/store/index.js';
import { conformanceModels, obj, portBody } from './fixtures.js';

/** Characters JSON writers treat specially, and ones they must leave alone. */
const awkward = fc.constantFrom('"', '\\', '/', '\u0000', '\u001f', '\n', '\t', '\u007f', '\u2028', '\u2029', '\ud800', '\udfff', '😀', 'é', '\uffff');
const text = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof(awkward, fc.string({ maxLength: 3, unit: 'binary' })), { maxLength: 6 }).map((parts) => parts.join('').slice(0, maxLength));

/** The values of one port as a caller may store them (every type BasePort has, nulls included). */
const portValues = fc.record({
  name: fc.option(text(255)),
  mac_address: text(18),
  admin_state_up: fc.boolean(),
  status: fc.constantFrom('ACTIVE', 'DOWN'),
  mtu: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  vlan_transparency: fc.boolean(),
  profile: fc.option(text(128)),
  vif_type: fc.option(text(32)),
});

const sorts = fc.constantFrom<ListQuery['sort']>(undefined, [{ key: 'name', dir: 'desc' }], [{ key: 'mtu', dir: 'asc' }], [{ key: 'admin_state_up', dir: 'desc' }, { key: 'created_at', dir: 'asc' }]);

describe('listJson (SQLite): the list page as JSON text written by SQLite', () => {
  let dir: string;
  let store: SqlStore;
  let api: ApiModel;
  let Port: ObjectModel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-list-json-'));
    const models = await conformanceModels();
    api = models.find((m) => m.name === 'net-l3vpn') as ApiModel;
    Port = obj(api, 'Port');
    store = createStore({ url: `sqlite:${join(dir, 'gluon.db')}` });
    await store.init(models);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every page of a query through listJson and through list, side by side. */
  async function bothWays(query: ListQuery): Promise<{ json: string[]; list: string[] }> {
    const json: string[] = [];
    const list: string[] = [];
    for (let marker: string | undefined, pages = 0; pages < 50; pages++) {
      const at = marker === undefined ? query : { ...query, marker };
      const page = await store.listJson(api, Port, at);
      const plain = await store.list(api, Port, at);
      if (page === undefined) throw new Error('listJson gave no page for a table it can write');
      json.push(`${page.json} next=${String(page.nextMarker)}`);
      list.push(`${JSON.stringify(plain.items)} next=${String(plain.nextMarker)}`);
      marker = plain.nextMarker;
      if (marker === undefined) break;
    }
    return { json, list };
  }

  it('is byte-identical to JSON.stringify of list() for any stored text, booleans, integers and nulls, page after page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(portValues, { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 4 }), sorts, async (ports, limit, sort) => {
        const tenant = randomUUID();
        for (const values of ports) await store.create(api, Port, portBody({ ...values, tenant_id: tenant }));
        const { json, list } = await bothWays({ filters: { tenant_id: [tenant] }, limit, ...(sort === undefined ? {} : { sort }) });
        expect(json).toEqual(list);
      }),
      { numRuns: 40 },
    );
  });

  it('gives empty pages and filtered pages as list() does', async () => {
    expect(await store.listJson(api, Port, { filters: { tenant_id: [randomUUID()] } })).toEqual({ json: '[]' });
    const tenant = randomUUID();
    await store.create(api, Port, portBody({ tenant_id: tenant, name: null, admin_state_up: false }));
    const { json, list } = await bothWays({ filters: { tenant_id: [tenant], name: [null], admin_state_up: [false] } });
    expect(json).toEqual(list);
  });

  it('gives no page when a stored value is one this store would not have written, so the caller lists it the ordinary way', async () => {
    const native = new BetterSqlite3(join(dir, 'gluon.db'));
    try {
      const odd: Record<string, unknown> = {
        mtu: 1.5,
        admin_state_up: 'yes',
        created_at: '2024-01-02T03:04:05Z',
        revision_number: 2 ** 53 + 2,
        vif_type: Buffer.from([0, 255]),
      };
      for (const [column, value] of Object.entries(odd)) {
        const tenant = randomUUID();
        const port = await store.create(api, Port, portBody({ tenant_id: tenant }));
        native.prepare(`UPDATE net_l3vpn_v1_0_port SET ${column} = ? WHERE id = ?`).run(value, port['id']);
        expect(await store.listJson(api, Port, { filters: { tenant_id: [tenant] } }), column).toBeUndefined();
        expect((await store.list(api, Port, { filters: { tenant_id: [tenant] } })).items, column).toHaveLength(1);
      }
    } finally {
      native.close();
    }
  });

  it('gives no page for a table with a float column (SQLite writes REALs unlike JavaScript)', async () => {
    const test = (await conformanceModels()).find((m) => m.name === 'test') as ApiModel;
    const withFloat = test.objects.find((o) => o.attributes.some((a) => a.type === 'number'));
    expect(withFloat).toBeDefined();
    expect(await store.listJson(test, withFloat as ObjectModel)).toBeUndefined();
  });

  it('checks the query as list() does', async () => {
    await expect(store.listJson(api, Port, { limit: 0 })).rejects.toMatchObject({ code: 'GLUON_ERR_VALIDATION' });
    await expect(store.listJson(api, Port, { marker: randomUUID() })).rejects.toMatchObject({ code: 'GLUON_ERR_VALIDATION' });
  });
});
