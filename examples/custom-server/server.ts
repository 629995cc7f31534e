/**
 * A custom fastify app that mounts the Proton REST API next to its own routes.
 *
 *   node --import tsx examples/custom-server/server.ts
 *
 * Environment: PORT (default 3000; 0 = any free port), HOST (default 127.0.0.1),
 * DB (default sqlite:./custom-server.db), MODELS (default: the repository's models/).
 *
 * In your own project, import from 'gluon-net' instead of '../../src/index.js'.
 */
import Fastify from 'fastify';
import { fileURLToPath } from 'node:url';
import { ProtonRegistry, createStore, loadModels, protonPlugin } from '../../src/index.js';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const db = process.env['DB'] ?? 'sqlite:./custom-server.db';
const models = process.env['MODELS'] ?? fileURLToPath(new URL('../../models/', import.meta.url));

// 1. The Protons this app serves, compiled from the YAML models.
const registry = new ProtonRegistry(await loadModels(models));

// 2. Where their objects live; init() creates the missing tables (one storage per API,
//    whichever versions of it are served).
const store = await createStore({ url: db, advertisedUrl: `http://${host}:${port}` });
await store.init(registry.storageModels());

// 3. Your own fastify app, with your own routes and settings.
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'from my own route', protons: registry.apiNames() }));

// 4. The Proton REST API: /, /proton/…, /proton/openapi.json and /proton/docs.
await app.register(protonPlugin, { registry, store });

// Close the HTTP server first (in-flight requests finish), then the database.
async function shutdown(): Promise<void> {
  await app.close();
  await store.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

const url = await app.listen({ host, port });
console.log(`custom server listening on ${url}`);
