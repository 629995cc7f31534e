import { createEtcdStore } from '/work/main/src/core/kv/index.js';
import { createStore } from '/work/main/src/core/store/index.js';
import { loadModels } from '/work/main/src/core/model/index.js';
import { bundledModelsDir } from '/work/main/src/server/index.js';
import { collapseOutbox, chunk } from '/work/main/src/core/sync/index.js';
import { portBody } from '/work/main/bench/port-body.js';
import { startEtcd } from '/work/main/test/setup/etcd.js';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const etcd = await startEtcd();
const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'p-')), 'g.db')}`;
const apis = await loadModels(bundledModelsDir());
const net = apis.find((a) => a.name === 'net-l3vpn')!; const port = net.objects.find((o) => o.name === 'Port')!;
const store = createStore({ url, advertisedUrl: 'http://x:1' }); await store.init(apis);
for (let i = 0; i < 6000; i += 200) await Promise.all(Array.from({ length: 200 }, (_, k) => store.create(net, port, portBody(i + k))));
const kv = createEtcdStore({ hosts: etcd.endpoint, prefix: '/p' });
let tr = 0, tt = 0, td = 0, rows = 0;
const t0 = Date.now();
for (;;) {
  let a = Date.now(); const r = await store.readOutbox(0, Number(process.env.B)); tr += Date.now() - a;
  if (r.length === 0) break; rows += r.length;
  const b = collapseOutbox(r);
  a = Date.now(); await Promise.all(chunk(b.ops, 128).map((ops) => kv.txn({ compare: [], success: ops }))); tt += Date.now() - a;
  a = Date.now(); await store.deleteOutbox(b.seqs); td += Date.now() - a;
}
console.log({ rows, total: Date.now() - t0, read: tr, txn: tt, del: td });
await kv.close(); await store.close(); await etcd.stop();
