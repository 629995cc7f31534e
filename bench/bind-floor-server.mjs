// The floor of a bind on the server, without gluon: bench/bind-floor.ts runs it in its own
// process. One PUT route (fastify) → SQLite write transaction (read the row, UPDATE it,
// INSERT an outbox row, COMMIT) → etcd put of the pending port → the shim's result
// arrives on an etcd watch → a second write transaction → etcd put of the bound port →
// the JSON answer. The steps every bind needs, with nothing else: no validation, no
// policy, no outbox publisher, no retries, no logging.
//   node bench/bind-floor-server.mjs <port> <etcd url> <key prefix> <sqlite file> <ports>
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import Fastify from 'fastify';

const [listenPort, endpoint, prefix, file, count] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE ports (id TEXT PRIMARY KEY, name TEXT, tenant_id TEXT, mac_address TEXT, admin_state_up INTEGER, status TEXT,
  vnic_type TEXT, mtu INTEGER, host_id TEXT, device_id TEXT, device_owner TEXT, vif_type TEXT, vif_details TEXT, profile TEXT,
  revision_number INTEGER, created_at TEXT, updated_at TEXT)`);
db.exec('CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT, created_at TEXT NOT NULL)');
const insertPort = db.prepare(`INSERT INTO ports VALUES (?, ?, 't', 'fa:16:3e:00:00:01', 1, 'DOWN', 'normal', 1500, NULL, NULL, NULL, NULL, '{}', NULL, 1, ?, ?)`);
const now = new Date().toISOString();
for (let i = 0; i < Number(count); i++) insertPort.run(`p${i}`, `port ${i}`, now, now);
const select = db.prepare('SELECT * FROM ports WHERE id = ?');
const update = db.prepare('UPDATE ports SET host_id = ?, device_id = ?, device_owner = ?, vif_type = ?, vif_details = ?, status = ?, revision_number = ?, updated_at = ? WHERE id = ?');
const outbox = db.prepare('INSERT INTO outbox (key, value, created_at) VALUES (?, ?, ?)');
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');

/** One write transaction: the row read, changed, written with its outbox row. */
function write(id, fields) {
  begin.run();
  const row = select.get(id);
  const next = { ...row, ...fields, revision_number: row.revision_number + 1, updated_at: new Date().toISOString() };
  update.run(next.host_id, next.device_id, next.device_owner, next.vif_type, next.vif_details, next.status, next.revision_number, next.updated_at, id);
  const value = JSON.stringify(next);
  outbox.run(`${prefix}/ports/${id}`, value, next.updated_at);
  commit.run();
  return { next, value };
}

const etcd = new Etcd3({ hosts: endpoint });
const waiting = new Map();
const watcher = await etcd.watch().prefix(`${prefix}/results/`).create();
watcher.on('put', (kv) => waiting.get(kv.key.toString().slice(`${prefix}/results/`.length))?.(kv.value.toString()));

const app = Fastify();
app.put('/ports/:id', async (request) => {
  const { id } = request.params;
  const { host_id, device_id, device_owner } = request.body;
  const result = new Promise((resolve) => waiting.set(id, resolve));
  const pending = write(id, { host_id, device_id, device_owner, vif_type: null, vif_details: null, status: 'DOWN' });
  await etcd.put(`${prefix}/ports/${id}`).value(pending.value);
  const vif = JSON.parse(await result);
  waiting.delete(id);
  const bound = write(id, { vif_type: vif.vif_type, vif_details: JSON.stringify(vif.vif_details), status: 'ACTIVE' });
  await etcd.put(`${prefix}/ports/${id}`).value(bound.value);
  return bound.next;
});
await app.listen({ host: '127.0.0.1', port: Number(listenPort) });
process.on('SIGTERM', () => {
  void Promise.allSettled([app.close(), watcher.cancel()]).then(() => {
    etcd.close();
    db.close();
    process.exit(0);
  });
});
