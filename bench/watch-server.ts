/**
 * A gluon server for the watch benchmark, in its own process (so its memory and CPU are
 * its own): `node --import tsx bench/watch-server.ts <etcd url> <etcd prefix>`.
 * Prints `listening <url>` on stdout once it serves. `BENCH_WATCH_BUFFER=<bytes>` sets
 * `watchBufferBytes`.
 */
import { createProtonServer } from '../src/server/index.js';

const [etcd, prefix] = process.argv.slice(2);
const server = await createProtonServer({
  db: 'sqlite::memory:',
  port: 0,
  etcd: etcd ?? 'http://127.0.0.1:2379',
  etcdPrefix: prefix ?? `/bench-watch-${process.pid}`,
  inProcessShim: false,
  logger: { level: 'warn' },
  ...(process.env['BENCH_WATCH_BUFFER'] === undefined ? {} : { watchBufferBytes: Number(process.env['BENCH_WATCH_BUFFER']) }),
});
console.log(`listening ${await server.listen()}`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
