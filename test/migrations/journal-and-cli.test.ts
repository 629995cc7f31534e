/**
 * The upgrade journal (an interrupted upgrade is reported exactly where it stopped and
 * resumes) and the `gluon db` commands, on SQLite and MariaDB.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbCommand, EXIT_UNSAFE_PLAN } from '../../src/cli/commands/db.js';
import { createProtonServer } from '../../src/server/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { isGluonError } from '../../src/core/errors/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { BUNDLED_MODELS, DIALECTS, editedModels, execRaw, freshDatabase, modelsOf, type TestDatabase } from './helpers.js';

const TENANT = randomUUID();

/** Runs `gluon db <args>` in-process; returns its exit code and output. */
async function gluonDb(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const previous = process.exitCode;
  process.exitCode = 0;
  await dbCommand({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['node', 'db', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(DIALECTS)('schema journal and gluon db on %s', (dialect) => {
  let db: TestDatabase;
  let store: SqlStore;
  // two changes to Port: a new optional column and a longer name
  const twoChanges = editedModels({ attributes: { Port: 'color:\n  type: string\n  length: 16\nname:\n  length: 128' } });
  const dropDescription = editedModels({ replace: (t) => t.replace(/\n {6}route_distinguishers:\n(?: {8}.*\n)+/, '\n') });

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    store = createStore({ url: db.url });
    const models = await modelsOf(BUNDLED_MODELS);
    await store.init(models);
    const api = models.find((m) => m.name === 'net-l3vpn');
    const port = api?.objects.find((o) => o.name === 'Port');
    const vpn = api?.objects.find((o) => o.name === 'VpnService');
    if (api === undefined || port === undefined || vpn === undefined) throw new Error('net-l3vpn model changed');
    for (let i = 0; i < 20; i++) await store.create(api, port, { ...PORT_FIELDS, tenant_id: TENANT, name: `p${i}`, mac_address: `fa:16:3e:00:00:${i.toString(16).padStart(2, '0')}` });
    await store.create(api, vpn, { tenant_id: TENANT, name: 'v', route_distinguishers: '64512:1' });
  });

  afterEach(() => {
    process.exitCode = 0;
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    twoChanges.remove();
    dropDescription.remove();
  });

  it('reports an interrupted upgrade exactly where it stopped, refuses to serve meanwhile, and resumes', async () => {
    const models = await modelsOf(twoChanges.dir);
    const planned = await store.planSchema(models);
    const last = planned.steps[planned.steps.length - 1];
    if (last === undefined) throw new Error('no steps planned');
    // the process "dies" as the last step begins
    const failure = await store
      .upgradeSchema(models, {
        beforeStep: async (step) => {
          if (step.number === last.number) throw new Error('simulated crash');
        },
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isGluonError(failure) && failure.code).toBe('GLUON_ERR_MIGRATION_INTERRUPTED');
    expect((failure as Error).message).toContain(`stopped at step ${last.number} of ${planned.steps.length}`);

    const status = await gluonDb(['status', '--db', db.url, '--models', twoChanges.dir]);
    expect(status.out).toContain(`stopped at step ${last.number}`);
    const first = planned.steps[0];
    expect(status.out).toContain(`  1. done    ${first?.what ?? ''}`);
    expect(status.out).toContain(`${String(last.number).padStart(3)}. running ${last.what} — simulated crash`);

    const refused = await createProtonServer({ db: db.url, models: [twoChanges.dir], port: 0, docs: false, logger: { level: 'silent' }, migrate: 'safe' }).then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isGluonError(refused) && refused.code).toBe('GLUON_ERR_MIGRATION_INTERRUPTED');
    expect((refused as Error).message).toContain(`at step ${last.number} of ${planned.steps.length}`);

    const resumed = await gluonDb(['upgrade', '--db', db.url, '--models', twoChanges.dir]);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('Resumed and finished 1 step(s)');
    expect((await store.planSchema(models)).steps).toEqual([]);
    const api = models.find((m) => m.name === 'net-l3vpn');
    const port = api?.objects.find((o) => o.name === 'Port');
    if (api === undefined || port === undefined) throw new Error('net-l3vpn model changed');
    const ports = await store.list(api, port, { limit: 100 });
    expect(ports.items).toHaveLength(20);
    expect(ports.items.every((p) => p['color'] === null)).toBe(true);
  });

  it('resumes past a statement that ran before the crash (MySQL DDL commits one statement at a time)', async () => {
    const more = editedModels({ attributes: { Port: 'color:\n  type: string\n  length: 16\nname:\n  length: 128\nshade:\n  type: string\n  length: 8' } });
    try {
      const models = await modelsOf(more.dir);
      const failure = await store
        .upgradeSchema(models, {
          beforeStep: async (step) => {
            // the step's statement reaches the database, then the process dies
            for (const sql of step.sql) await execRaw(db.url, sql);
            throw new Error('simulated crash after the statement');
          },
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isGluonError(failure) && failure.code).toBe('GLUON_ERR_MIGRATION_INTERRUPTED');
      const resumed = await store.upgradeSchema(models);
      expect(resumed.resumed).toBe(true);
      expect(resumed.applied.map((s) => s.change?.what)).toEqual(['Port.shade: new column string(8) NULL (existing rows get NULL)']);
      expect((await store.planSchema(models)).steps).toEqual([]);
    } finally {
      more.remove();
    }
  });

  it('gluon db plan shows each step, its SQL and the rows at risk; --exit-code fails on a step that loses data', async () => {
    const plan = await gluonDb(['plan', '--db', db.url, '--models', dropDescription.dir, '--exit-code']);
    expect(plan.err).toBe('');
    expect(plan.code).toBe(EXIT_UNSAFE_PLAN);
    expect(plan.out).toContain('[lossy] VpnService.route_distinguishers: column dropped');
    expect(plan.out).toContain('1 row affected');
    expect(plan.out).toMatch(dialect === 'mariadb' ? /ALTER TABLE `net_l3vpn_v1_0_vpn_service` DROP COLUMN `route_distinguishers`;/ : /INSERT INTO `net_l3vpn_v1_0_vpn_service__gluon_rebuild`/);

    const refused = await gluonDb(['upgrade', '--db', db.url, '--models', dropDescription.dir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('GLUON_ERR_MIGRATION_DESTRUCTIVE');
    expect(refused.err).toContain('--allow-destructive');

    const safe = await gluonDb(['plan', '--db', db.url, '--models', more().dir, '--exit-code']);
    expect(safe.code).toBe(0);
  });
});

let extra: ReturnType<typeof editedModels> | undefined;
/** The models of the journal tests plus one more optional attribute (a safe plan from where they end). */
function more(): { dir: string } {
  extra ??= editedModels({ attributes: { Port: 'color:\n  type: string\n  length: 16\nname:\n  length: 128\nshade:\n  type: string\n  length: 8\ntint:\n  type: string' } });
  return extra;
}
afterAll(() => extra?.remove());
