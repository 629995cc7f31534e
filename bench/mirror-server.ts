/**
 * A gluon server for the mirror benchmark, in its own process:
 * `node --import tsx bench/mirror-server.ts <db> <port> <etcd|-> <on|off>`.
 * Prints `listening <url>` on stdout once it serves.
 */
import { createProtonServer } from '../src/server/index.js';
import { disableSourceMaps } from './server-runtime.js';

// as the baseline server does: tsx turns source-mapped stack traces on, production does not
disableSourceMaps();

const [db, port, etcd, mirror] = process.argv.slice(2);
const server = await createProtonServer({
  db: db ?? 'sqlite::memory:',
  port: Number(port ?? 0),
  ...(etcd === undefined || etcd === '-' ? {} : { etcd, etcdPrefix: `/bench-api-${process.pid}` }),
  mirror: mirror !== 'off',
  logger: { level: 'warn' },
});
console.log(`listening ${await server.listen()}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
