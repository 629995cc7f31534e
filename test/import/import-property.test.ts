import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGluon } from '../../src/core/import/index.js';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { createStore } from '../../src/core/store/index.js';
import { bundledModelsDir } from '../../src/server/index.js';

const COLUMNS = ['vrf_rt_value', 'tenant_id', 'vrf_rt_type', 'import_route_policy', 'export_route_policy'] as const;
type Row = Record<(typeof COLUMNS)[number], string | number | null>;

/** Anything an unchecked original could have stored in a column: mostly plausible values, some junk. */
function cell(plausible: fc.Arbitrary<string>): fc.Arbitrary<string | number | null> {
  return fc.oneof(
    { arbitrary: plausible, weight: 12 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    { arbitrary: fc.integer(), weight: 1 },
    { arbitrary: fc.double({ noNaN: true }), weight: 1 },
  );
}

const row: fc.Arbitrary<Row> = fc.record({
  vrf_rt_value: fc.oneof(fc.stringMatching(/^[0-9]{1,5}:[0-9]{1,5}$/), fc.string({ maxLength: 40 }), fc.constant(null)),
  tenant_id: cell(fc.uuid()),
  vrf_rt_type: cell(fc.constantFrom('export_extcommunity', 'import_extcommunity', 'both')),
  import_route_policy: cell(fc.string({ maxLength: 32 })),
  export_route_policy: cell(fc.string({ maxLength: 32 })),
});

describe('importing arbitrary rows (property)', () => {
  let dir: string;
  let models: readonly ApiModel[];
  let api: ApiModel;
  let object: ObjectModel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gluon-import-prop-'));
    models = (await loadModels(bundledModelsDir())).filter((a) => a.name === 'net-l3vpn');
    api = models[0] as ApiModel;
    object = api.objects.find((o) => o.name === 'VpnAfConfig') as ObjectModel;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports or reports every row (none lost, none thrown), stores exactly what it imported, and a second run changes nothing', async () => {
    let n = 0;
    let imported = 0;
    let refusedRows = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(row, { maxLength: 8, selector: (r) => r.vrf_rt_value }), async (rows) => {
        const file = join(dir, `orig-${n++}.sqlite`);
        const raw = new Database(file);
        raw.exec(`CREATE TABLE net_l3vpn__vpn_af_config (${COLUMNS.join(', ')}, created_at, updated_at)`);
        const insert = raw.prepare(`INSERT INTO net_l3vpn__vpn_af_config VALUES (${COLUMNS.map(() => '?').join(', ')}, '2017-02-14 20:35:47.749427', NULL)`);
        for (const r of rows) insert.run(...COLUMNS.map((c) => r[c]));
        raw.close();
        const store = createStore({ url: 'sqlite::memory:' });
        try {
          await store.init(models);
          const first = await importGluon({ source: `sqlite:${file}`, store, models });
          expect(first.counts.read).toBe(rows.length);
          expect(first.objects.length + first.refused.length).toBe(rows.length);
          for (const refused of first.refused) {
            expect(refused.details.length).toBeGreaterThan(0);
            for (const d of refused.details) expect(d.message).toContain(d.field);
          }
          const stored = (await store.list(api, object)).items;
          expect(stored.map((o) => o['vrf_rt_value']).sort()).toEqual(first.objects.map((o) => o.key).sort());
          for (const o of stored) {
            const original = rows.find((r) => r.vrf_rt_value === o['vrf_rt_value']) as Row;
            for (const c of COLUMNS) expect(o[c]).toEqual(original[c]);
            expect(o['created_at']).toBe('2017-02-14T20:35:47.749Z');
          }
          imported += first.objects.length;
          refusedRows += first.refused.length;
          const second = await importGluon({ source: `sqlite:${file}`, store, models });
          expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: first.objects.length, refused: first.refused.length });
        } finally {
          await store.close();
          rmSync(file, { force: true });
        }
      }),
      { numRuns: 40 },
    );
    // the generator reaches both outcomes
    expect(imported).toBeGreaterThan(0);
    expect(refusedRows).toBeGreaterThan(0);
  }, 240_000);
});
