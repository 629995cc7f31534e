/**
 * A custom fastify app that mounts everything `gluon serve` serves — the Proton REST
 * API, port binding, the etcd mirror, auth, /healthz, /readyz and /metrics — next to its
 * own routes.
 *
 *   node --import tsx examples/custom-server/server.ts
 *
 * Environment: PORT (default 3000; 0 = any free port), HOST (default 127.0.0.1),
 * DB (default sqlite:./custom-server.db), MODELS (default: the repository's models/),
 * ETCD (etcd endpoints, comma-separated; default: the in-process key/value store, where
 * an in-process dummy shim answers binds).
 *
 * In your own project, import from 'gluon-net' instead of '../../src/index.js'.
 */
import Fastify from 'fastify';
import { fileURLToPath } from 'node:url';
import { gluonPlugin } from '../../src/index.js';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const db = process.env['DB'] ?? 'sqlite:./custom-server.db';
const models = process.env['MODELS'] ?? fileURLToPath(new URL('../../models/', import.meta.url));
const etcd = process.env['ETCD']?.split(',');

// 1. Your own fastify app, with your own routes and settings.
const app = Fastify({ logger: false });

// 2. Everything gluon serve serves, from the YAML models: the tables are created, the
//    mirror and the bind-result watches start when the app is ready and stop when it closes.
await app.register(gluonPlugin, {
  models,
  db,
  ...(etcd === undefined ? {} : { etcd }),
  advertisedUrl: `http://${host}:${port}`, // where the port arbiter's drivers reach this app
  bindTimeoutMs: 10_000,
  logger: { level: 'warn' },
});

app.get('/hello', async () => ({ hello: 'from my own route', protons: app.gluon.registry.apiNames() }));

// app.close() finishes in-flight requests, then stops binding, mirror and database.
async function shutdown(): Promise<void> {
  await app.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

const url = await app.listen({ host, port });
console.log(`custom server listening on ${url}`);
