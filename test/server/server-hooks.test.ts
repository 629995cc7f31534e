import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GluonError } from '../../src/core/errors/index.js';
import { defineHooks, type AfterWriteEvent } from '../../src/drivers/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { PORTS, portBody, tempDir } from './helpers.js';

const servers: ProtonServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serverWith(hooks: Parameters<typeof defineHooks>[0][]): Promise<ProtonServer> {
  const tmp = await tempDir('gluon-hooks-');
  cleanups.push(tmp.remove);
  const server = await createProtonServer({ db: `sqlite:${join(tmp.dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, mirror: false, serverHooks: hooks });
  servers.push(server);
  return server;
}

const id = '3f0e2d9a-7a3b-4c11-9d2e-0000000000a1';

describe('server hooks (createProtonServer serverHooks)', () => {
  it('beforeWrite enriches and refuses writes; hooks of other APIs are not called', async () => {
    const server = await serverWith([
      defineHooks({ name: 'namer', apiVersion: 1, apis: ['net-l3vpn'], beforeWrite: ({ object, values }) => (object === 'Port' ? { ...values, name: `named-${String(values['name'])}` } : undefined) }),
      defineHooks({
        name: 'guard',
        apiVersion: 1,
        beforeWrite: ({ values }) => {
          if (values['name'] === 'named-forbidden') throw new GluonError('GLUON_ERR_VALIDATION', 'name "forbidden" is reserved', { details: [{ field: 'name', rule: 'reserved', value: 'forbidden', message: 'reserved' }] });
        },
      }),
      defineHooks({ name: 'elsewhere', apiVersion: 1, apis: ['ietf-sfc'], beforeWrite: () => ({ broken: true }) }),
    ]);
    const created = await server.app.inject({ method: 'POST', url: PORTS, payload: portBody(id, { name: 'p' }) });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'named-p' });
    const refused = await server.app.inject({ method: 'PUT', url: `${PORTS}/${id}`, payload: { name: 'forbidden' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'GLUON_ERR_VALIDATION', details: [{ field: 'name', rule: 'reserved', value: 'forbidden' }] });
  });

  it('afterWrite sees every write with its key; its failure does not change the answer', async () => {
    const seen: AfterWriteEvent[] = [];
    const server = await serverWith([
      defineHooks({ name: 'audit', apiVersion: 1, afterWrite: (event) => void seen.push(event) }),
      defineHooks({ name: 'broken-audit', apiVersion: 1, afterWrite: () => { throw new Error('audit backend down'); } }),
    ]);
    expect((await server.app.inject({ method: 'POST', url: PORTS, payload: portBody(id) })).statusCode).toBe(201);
    expect((await server.app.inject({ method: 'DELETE', url: `${PORTS}/${id}` })).statusCode).toBe(204);
    expect(seen.map((e) => [e.api, e.object, e.action, e.key, e.stored === null])).toEqual([
      ['net-l3vpn', 'Port', 'create', id, false],
      ['net-l3vpn', 'Port', 'delete', id, true],
    ]);
  });

  it('decideBind sees the bind (host and device) and may refuse it; plain updates never reach it', async () => {
    const binds: string[] = [];
    const server = await serverWith([
      defineHooks({
        name: 'maintenance',
        apiVersion: 1,
        decideBind: ({ key, hostId, deviceId }) => {
          binds.push(`${key}@${hostId}/${deviceId}`);
          throw new GluonError('GLUON_ERR_IN_USE', `host ${hostId} is in maintenance`);
        },
      }),
    ]);
    expect((await server.app.inject({ method: 'POST', url: PORTS, payload: portBody(id) })).statusCode).toBe(201);
    expect((await server.app.inject({ method: 'PUT', url: `${PORTS}/${id}`, payload: { name: 'renamed' } })).statusCode).toBe(200);
    const device = '3f0e2d9a-7a3b-4c11-9d2e-0000000000b2';
    const refused = await server.app.inject({ method: 'PUT', url: `${PORTS}/${id}`, payload: { host_id: 'compute-1', device_id: device } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'GLUON_ERR_IN_USE', faultstring: expect.stringContaining('compute-1 is in maintenance') });
    expect(binds).toEqual([`${id}@compute-1/${device}`]);
  });
});
