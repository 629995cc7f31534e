/**
 * Issue 13's `color` scenario, on SQLite and MariaDB: an operator adds an optional
 * `color` to VpnService and restarts on the same database. The server either applies the
 * change at start (migrate: safe) and serves the new attribute, or refuses to start with
 * GLUON_ERR_STORE_SCHEMA naming VpnService.color and the command; never a 500. A server
 * whose tables are changed under it says so on /readyz and answers 503, not 500.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { createStore } from '../../src/core/store/index.js';
import { isGluonError } from '../../src/core/errors/index.js';
import { BUNDLED_MODELS, DIALECTS, editedModels, execRaw, freshDatabase, modelsOf, type TestDatabase } from './helpers.js';

const TENANT = randomUUID();

async function start(db: string, models: string, migrate?: 'none' | 'safe'): Promise<ProtonServer> {
  return createProtonServer({ db, models: [models], port: 0, docs: false, logger: { level: 'silent' }, ...(migrate === undefined ? {} : { migrate }) });
}

describe.each(DIALECTS)('the color scenario on %s', (dialect) => {
  let db: TestDatabase;
  const color = editedModels({ attributes: { VpnService: 'color:\n  type: string\n  length: 16' } });
  let vpnId = '';

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const server = await start(db.url, BUNDLED_MODELS);
    const created = await server.app.inject({ method: 'POST', url: '/proton/net-l3vpn/v1.0/vpns', payload: { tenant_id: TENANT, name: 'before' } });
    expect(created.statusCode).toBe(201);
    vpnId = (created.json() as { id: string }).id;
    await server.close();
  });

  afterAll(async () => {
    await db.drop();
    color.remove();
  });

  it('refuses to start with migrate: none, naming VpnService.color and the command', async () => {
    const failure = await start(db.url, color.dir, 'none').then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isGluonError(failure) && failure.code).toBe('GLUON_ERR_STORE_SCHEMA');
    const message = (failure as Error).message;
    expect(message).toContain('VpnService.color');
    expect(message).toContain('gluon db upgrade');
    expect((failure as { details: { field: string }[] }).details.map((d) => d.field)).toEqual(['VpnService.color']);
  });

  it('applies the new optional attribute at start with migrate: safe, and serves it', async () => {
    const server = await start(db.url, color.dir, 'safe');
    try {
      const old = await server.app.inject({ method: 'GET', url: `/proton/net-l3vpn/v1.0/vpns/${vpnId}` });
      expect(old.statusCode).toBe(200);
      expect(old.json()).toMatchObject({ id: vpnId, name: 'before', color: null });
      const created = await server.app.inject({ method: 'POST', url: '/proton/net-l3vpn/v1.0/vpns', payload: { tenant_id: TENANT, name: 'after', color: 'blue' } });
      expect(created.statusCode).toBe(201);
      const id = (created.json() as { id: string }).id;
      const list = await server.app.inject({ method: 'GET', url: '/proton/net-l3vpn/v1.0/vpns?color=blue' });
      expect(list.statusCode).toBe(200);
      expect((list.json() as { vpns: { id: string }[] }).vpns.map((v) => v.id)).toEqual([id]);
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ checks: { schema: { ok: true } } });
    } finally {
      await server.close();
    }
  });

  it('adopts a database created before schema tracking, then applies the change', async () => {
    const legacy = await freshDatabase(dialect);
    try {
      const first = await start(legacy.url, BUNDLED_MODELS);
      await first.close();
      await execRaw(legacy.url, 'DROP TABLE gluon_schema'); // what a database of an earlier release looks like
      const server = await start(legacy.url, color.dir, 'safe');
      try {
        const created = await server.app.inject({ method: 'POST', url: '/proton/net-l3vpn/v1.0/vpns', payload: { tenant_id: TENANT, name: 'n', color: 'red' } });
        expect(created.statusCode).toBe(201);
        expect(created.json()).toMatchObject({ color: 'red' });
      } finally {
        await server.close();
      }
      const store = createStore({ url: legacy.url });
      try {
        const status = await store.schemaStatus(await modelsOf(color.dir));
        expect(status.pending).toEqual([]);
        expect(status.tables.every((t) => t.state === 'ok')).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await legacy.drop();
    }
  });

  it('rejects an unknown migrate mode, naming it', async () => {
    const failure = await start(db.url, color.dir, 'always' as never).then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isGluonError(failure) && failure.code).toBe('GLUON_ERR_CONFIG');
    expect((failure as Error).message).toContain('migrate');
  });

  it('says why on /readyz and answers 503, never 500, when the tables change under a running server', async () => {
    // the server still runs the color model; an operator goes back to the bundled model and drops the column
    const server = await start(db.url, color.dir, 'safe');
    const store = createStore({ url: db.url });
    try {
      const result = await store.upgradeSchema(await modelsOf(BUNDLED_MODELS), { allowDestructive: true });
      expect(result.applied.map((s) => s.what).join('\n')).toContain('VpnService.color: column dropped');
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      const schema = (ready.json() as { checks: { schema: { ok: boolean; error: string } } }).checks.schema;
      expect(schema.ok).toBe(false);
      expect(schema.error).toContain('VpnService.color');
      for (const request of [
        { method: 'GET' as const, url: '/proton/net-l3vpn/v1.0/vpns' },
        { method: 'GET' as const, url: `/proton/net-l3vpn/v1.0/vpns/${vpnId}` },
        { method: 'POST' as const, url: '/proton/net-l3vpn/v1.0/vpns', payload: { tenant_id: TENANT, name: 'x', color: 'red' } },
      ]) {
        const res = await server.app.inject(request);
        expect(res.statusCode, `${request.method} ${request.url}: ${res.body}`).toBe(503);
        expect(res.json()).toMatchObject({ code: 'GLUON_ERR_STORE_SCHEMA' });
      }
    } finally {
      await store.close();
      await server.close();
    }
  });
});
