// The floor of a shim process's memory: plain Node with the etcd3 client (the one gluon's
// etcd store uses) watching a prefix, nothing else. bench/footprint.ts starts it as
//   node bench/etcd-watch-floor.mjs <etcd url> <prefix>
// and reads its resident memory once it printed "watching".
import { Etcd3 } from 'etcd3';

const [endpoint, prefix] = process.argv.slice(2);
const client = new Etcd3({ hosts: endpoint ?? 'http://127.0.0.1:2379' });
const watcher = await client.watch().prefix(prefix ?? '/').create();
watcher.on('put', () => undefined);
console.log('watching');
process.once('SIGTERM', () => {
  void watcher.cancel().then(() => {
    client.close();
    process.exit(0);
  });
});
