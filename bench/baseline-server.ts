/**
 * The bare baseline of the benchmark, run in its own process by bench/run.ts: a plain
 * fastify app with the net-l3vpn Port routes written by hand —
 * - `POST /ports`: the body validated with the SAME JSON Schema as gluon's create schema
 *   (same Ajv options and formats, so validation costs the same), then ONE Sequelize
 *   `Model.create()` (autocommit) of the same row, 201 with the response schema;
 * - `GET /ports/:id`: `findByPk` (raw);
 * - `GET /ports?limit=1000`: `findAll` (raw, ordered by id like gluon's paging).
 * SQLite runs in WAL with synchronous=NORMAL, as gluon's store does, and on the same
 * SQLite library (better-sqlite3, handed to Sequelize as its `dialectModule` through the
 * store's adapter), so the comparison is between code paths, not drivers or journal settings.
 */
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import type { Options as AjvOptions } from 'ajv';
import formatsModule from 'ajv-formats';
import Fastify from 'fastify';
import BetterSqlite3 from 'better-sqlite3';
import { Sequelize } from 'sequelize';
import { sequelizeSqliteModule } from './sequelize-sqlite-adapter.js';
import { loadPortModel } from './port-model.js';
import { portAttributes } from './port-table.js';
import { announceReady, closeOnSignal, disableSourceMaps, failStartup, readServerConfig } from './server-runtime.js';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats = (formatsModule as unknown as { default?: AddFormats }).default ?? (formatsModule as unknown as AddFormats);

/** Same options as gluon's HTTP part: every error, no removal, no coercion. */
const AJV_OPTIONS: AjvOptions = { allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: false, strict: false };

/** A Sequelize instance on `sqlite:<file>` (WAL, synchronous=NORMAL) or a mysql:// URL (pool of 10). */
async function openDatabase(db: string): Promise<Sequelize> {
  if (db.startsWith('sqlite:')) {
    const dialectModule = sequelizeSqliteModule(
      (filename, options) => new BetterSqlite3(filename, options),
      () => undefined,
    );
    const sequelize = new Sequelize({ dialect: 'sqlite', storage: db.slice('sqlite:'.length), logging: false, dialectModule });
    await sequelize.query('PRAGMA journal_mode=WAL');
    await sequelize.query('PRAGMA synchronous=NORMAL');
    return sequelize;
  }
  // The same pool size as gluon's store.
  return new Sequelize(db.replace(/^mariadb:/, 'mysql:'), { dialect: 'mysql', logging: false, pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000 } });
}

/** ISO-8601 text of a date column as the raw driver returns it (Date or SQLite text). */
function iso(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return new Date(value).toISOString();
  return value;
}

/** The fault body of a 404 (the original's keys). */
const FAULT_SCHEMA = {
  type: 'object',
  properties: { faultcode: { type: 'string' }, faultstring: { type: 'string' }, debuginfo: { type: 'string', nullable: true } },
} as const;

function toApi(row: Record<string, unknown>): Record<string, unknown> {
  return { ...row, created_at: iso(row['created_at']), updated_at: iso(row['updated_at']) };
}

async function main(): Promise<void> {
  disableSourceMaps();
  const config = readServerConfig();
  const model = await loadPortModel();
  const sequelize = await openDatabase(config.db);
  const Port = sequelize.define('Port', portAttributes(model.port), {
    tableName: 'bench_ports',
    timestamps: true,
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  });
  await Port.sync();

  const ajv = new Ajv(AJV_OPTIONS);
  addFormats(ajv);
  for (const [name, format] of Object.entries(model.formats)) ajv.addFormat(name, format as Parameters<Ajv['addFormat']>[1]);

  const app = Fastify({ logger: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  const key = model.port.primaryKey;
  const clone = <T>(value: T): T => structuredClone(value);

  app.post('/ports', { schema: { body: clone(model.schemas.create), response: { 201: clone(model.schemas.response) } } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const values = { ...body, [key]: typeof body[key] === 'string' && body[key] !== '' ? body[key] : randomUUID() };
    const row = await Port.create(values);
    return reply.code(201).send(toApi(row.get({ plain: true }) as Record<string, unknown>));
  });

  app.get('/ports/:id', { schema: { response: { 200: clone(model.schemas.response), 404: FAULT_SCHEMA } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const row = (await Port.findByPk(id, { raw: true })) as Record<string, unknown> | null;
    if (row === null) return reply.code(404).send({ faultcode: 'Client', faultstring: `Port ${id} not found`, debuginfo: null });
    return toApi(row);
  });

  app.get(
    '/ports',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: { type: 'string', pattern: '^[0-9]+$' } } },
        response: { 200: clone(model.schemas.list) },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit?: string };
      const rows = (await Port.findAll({ raw: true, limit: Math.min(Number(limit ?? 1000), 1000), order: [[key, 'ASC']] })) as unknown as Record<string, unknown>[];
      return { ports: rows.map(toApi) };
    },
  );

  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('baseline: no TCP address after listen');
  closeOnSignal(async () => {
    await app.close();
    await sequelize.close();
  });
  announceReady({ url: `http://${config.host}:${address.port}`, portsPath: '/ports' });
}

main().catch(failStartup);
