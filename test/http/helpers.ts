import { CONFORMANCE_MODELS, WIRE_CAPTURE } from '../fixtures/paths.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastify, { type FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import { protonPlugin, type ProtonPluginOptions } from '../../src/core/http/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { ProtonRegistry } from '../../src/core/registry/index.js';
import { createStore, type ProtonStore } from '../../src/core/store/index.js';

/** The original Gluon models (conformance copy). */
export { CONFORMANCE_MODELS };
/** The capture of the original's HTTP exchanges. */
export { WIRE_CAPTURE };
/** The repo's bundled models. */
export const BUNDLED_MODELS = fileURLToPath(new URL('../../models', import.meta.url));

/** The host every test request names (so `href`s match the capture). */
export const HOST = '127.0.0.1:2705';

/** The databases the HTTP suites run against. */
export const BACKENDS = ['sqlite', 'mariadb'] as const;
/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

async function mariadbAdmin(): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  } catch (err) {
    throw new Error(`MariaDB is not reachable at 127.0.0.1:3306 as root with an empty password (${String(err)}).`, { cause: err });
  }
}

/** A fresh database: a SQLite file in a temp dir, or a uniquely named MariaDB database. */
export async function freshDatabase(backend: Backend): Promise<{ url: string; drop: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gluon-http-'));
    return { url: `sqlite:${join(dir, 'gluon.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const database = `gluon_http_${randomBytes(6).toString('hex')}`;
  const conn = await mariadbAdmin();
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await conn.end();
  return {
    url: `mysql://root@127.0.0.1:3306/${database}`,
    drop: async () => {
      const c = await mariadbAdmin();
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
}

/** A server under test: fastify + protonPlugin + a real store (SQLite file or MariaDB database). */
export interface TestServer {
  readonly app: FastifyInstance;
  readonly registry: ProtonRegistry;
  /** The server's store (e.g. for a binding coordinator). */
  readonly store: ProtonStore;
  readonly models: readonly ApiModel[];
  close(): Promise<void>;
}

/** The bundled models directory, or the conformance copy while `models/` is empty. */
export async function bundledModelsPath(): Promise<string> {
  const entries = await readdir(BUNDLED_MODELS).catch(() => [] as string[]);
  return entries.length > 0 ? BUNDLED_MODELS : CONFORMANCE_MODELS;
}

/** Starts a fresh server on the given models (paths or already loaded models). */
export async function startServer(
  source: string | readonly string[] | readonly ApiModel[],
  pluginOptions: Partial<Omit<ProtonPluginOptions, 'registry' | 'store'>> = {},
  backend: Backend = 'sqlite',
): Promise<TestServer> {
  const database = await freshDatabase(backend);
  const models: readonly ApiModel[] =
    typeof source === 'string' || (Array.isArray(source) && typeof source[0] === 'string')
      ? await loadModels(source as string | readonly string[])
      : (source as readonly ApiModel[]);
  const registry = new ProtonRegistry(models);
  const store = createStore({ url: database.url, advertisedUrl: `http://${HOST}` });
  await store.init(registry.storageModels());
  const app = fastify({ logger: false });
  await app.register(protonPlugin, { registry, store, docs: false, ...pluginOptions });
  await app.ready();
  return {
    app,
    registry,
    store,
    models,
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}

