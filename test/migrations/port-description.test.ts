/**
 * The bundled `BasePort` gained Neutron's `description`. A database written by a server
 * whose port had none keeps its ports and gains the column: applied at start with
 * `migrate: safe`, refused with the command to run under `migrate: none`, on both
 * databases; afterwards the description is written and read back like any attribute.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { isGluonError } from '../../src/core/errors/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { BUNDLED_MODELS, DIALECTS, freshDatabase, type TestDatabase } from './helpers.js';

const TENANT = randomUUID();
const PORTS = '/proton/net-l3vpn/v1.0/ports';
const DESCRIPTION_BLOCK = /\n {6}description:\n {8}type: string\n {8}length: 255\n {8}description: "Free text about the port[^\n]*"/;

/** The bundled models as they were before the port had a description. */
function modelsWithoutPortDescription(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-models-'));
  cpSync(BUNDLED_MODELS, dir, { recursive: true });
  const file = join(dir, 'base.yaml');
  const text = readFileSync(file, 'utf8');
  if (!DESCRIPTION_BLOCK.test(text)) throw new Error('base.yaml no longer has the port description this test removes');
  writeFileSync(file, text.replace(DESCRIPTION_BLOCK, ''));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function start(db: string, models: string, migrate: 'none' | 'safe'): Promise<ProtonServer> {
  return createProtonServer({ db, models: [models], port: 0, docs: false, logger: { level: 'silent' }, migrate });
}

describe.each(DIALECTS)('a port database made before BasePort.description, on %s', (dialect) => {
  let db: TestDatabase;
  const before = modelsWithoutPortDescription();
  const portId = randomUUID();

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    const server = await start(db.url, before.dir, 'safe');
    try {
      const created = await server.app.inject({ method: 'POST', url: PORTS, payload: { id: portId, tenant_id: TENANT, name: 'old', mac_address: 'fa:16:3e:00:00:01', ...PORT_FIELDS } });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).not.toHaveProperty('description');
    } finally {
      await server.close();
    }
  });

  afterAll(async () => {
    await db.drop();
    before.remove();
  });

  it('is refused under migrate: none, naming Port.description and the command', async () => {
    const failure = await start(db.url, BUNDLED_MODELS, 'none').then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isGluonError(failure) && failure.code).toBe('GLUON_ERR_STORE_SCHEMA');
    expect((failure as Error).message).toContain('Port.description');
    expect((failure as Error).message).toContain('gluon db upgrade');
  });

  it('gains the column under migrate: safe, keeps the old port, and stores a description', async () => {
    const server = await start(db.url, BUNDLED_MODELS, 'safe');
    try {
      const old = await server.app.inject({ method: 'GET', url: `${PORTS}/${portId}` });
      expect(old.statusCode).toBe(200);
      expect(old.json()).toMatchObject({ id: portId, name: 'old', description: null });
      const described = await server.app.inject({ method: 'PUT', url: `${PORTS}/${portId}`, payload: { description: 'd1' } });
      expect(described.statusCode, described.body).toBe(200);
      const read = await server.app.inject({ method: 'GET', url: `${PORTS}/${portId}` });
      expect(read.json()).toMatchObject({ description: 'd1' });
      const tooLong = await server.app.inject({ method: 'PUT', url: `${PORTS}/${portId}`, payload: { description: 'x'.repeat(256) } });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.body).toContain('description');
    } finally {
      await server.close();
    }
  });
});
