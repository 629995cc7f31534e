// The floor of a `gluon serve` process's memory: plain Node with the packages the server
// cannot run without, each doing the least it does there — fastify listening with one route,
// better-sqlite3 with a database file open, the etcd3 client watching a prefix, Ajv with one
// compiled schema, pino at "warn" — and nothing of gluon's own. bench/footprint.ts starts it
// with the node flags of `bin/gluon.js` as
//   node [flags] bench/serve-floor.mjs <etcd url> <prefix> <database file>
// and reads its resident memory once it printed "listening".
import Ajv from 'ajv';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import Fastify from 'fastify';
import { pino } from 'pino';

const [endpoint, prefix, file] = process.argv.slice(2);
const log = pino({ level: 'warn' });
const db = new Database(file ?? ':memory:');
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS ports (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
const validate = new Ajv().compile({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] });
const client = new Etcd3({ hosts: endpoint ?? 'http://127.0.0.1:2379' });
const watcher = await client.watch().prefix(prefix ?? '/').create();
watcher.on('put', () => undefined);
const app = Fastify({ logger: false });
app.post('/ports', async (request) => {
  if (!validate(request.body)) return { error: 'invalid' };
  return db.prepare('INSERT INTO ports (id, body) VALUES (?, ?)').run(request.body.id, JSON.stringify(request.body));
});
await app.listen({ host: '127.0.0.1', port: 0 });
log.warn('floor up');
console.log('listening');
process.once('SIGTERM', () => {
  void Promise.all([app.close(), watcher.cancel()]).then(() => {
    client.close();
    db.close();
    process.exit(0);
  });
});
