/**
 * Seeding of the scale benchmark (bench/scale.ts): a region's worth of ports, each with its
 * default interface and a binding into a VPN, written to SQLite in bulk and mirrored into
 * etcd in bulk transactions, so a million objects take minutes, not the hours one HTTP
 * create at a time would.
 *
 * SQL: the real store creates the schema and one VPN, port and binding (so every column
 * holds what a create writes); then raw multi-row INSERTs in one transaction copy those
 * rows with each object's own identity. etcd: the keys and values the store's own mirror
 * snapshot derives from those rows (exactly what `gluon resync` and the publisher write),
 * put in transactions of 128 operations, 8 in flight.
 */
import Database from 'better-sqlite3';
import { MAX_TXN_OPS, type KeyValueStore, type TxnOp } from '../src/core/kv/index.js';
import { loadModels, tableName, type ApiModel, type ObjectModel } from '../src/core/model/index.js';
import { ProtonRegistry } from '../src/core/registry/index.js';
import { createStore } from '../src/core/store/index.js';
import { bundledModelsDir } from '../src/server/index.js';
import { macFor, portBody } from './port-body.js';

/** The API every seeded object belongs to. */
export const SCALE_API = 'net-l3vpn';
/** The advertised URL written into `/gluon/port/<id>` (the server must be started with it). */
export const SCALE_ADVERTISED_URL = 'http://proton.bench:2705';
/** Ports per VPN (a binding's address is unique inside its VPN). */
const PORTS_PER_VPN = 1000;
/** Ports per compute host (two per instance). */
const PORTS_PER_HOST = 40;
/** Distinct tenants the ports are spread over. */
const TENANTS = 1000;

/** The shape of one seeded region. */
export interface ScaleLayout {
  /** Ports; each brings an interface and a VPN binding (3 objects). */
  readonly ports: number;
  readonly vpns: number;
  readonly hosts: number;
  readonly tenants: number;
}

/** The layout holding about `objects` objects (ports × 3: port, interface, binding). */
export function layoutFor(objects: number): ScaleLayout {
  const ports = Math.max(1, Math.ceil(objects / 3));
  return { ports, vpns: Math.ceil(ports / PORTS_PER_VPN), hosts: Math.ceil(ports / PORTS_PER_HOST), tenants: Math.min(TENANTS, ports) };
}

const hex12 = (n: number): string => n.toString(16).padStart(12, '0');
/** Id of seeded port `i` (its interface and binding share it). */
export const portId = (i: number): string => `00000000-0000-4000-8000-${hex12(i)}`;
/** Id of seeded VPN `v`. */
export const vpnId = (v: number): string => `00000000-0000-4000-9000-${hex12(v)}`;
/** Id of seeded tenant `t`. */
export const tenantId = (t: number): string => `10000000-0000-4000-8000-${hex12(t)}`;
/** Host of seeded port `i`. */
export const hostOf = (i: number, layout: ScaleLayout): string => `compute-${String(i % layout.hosts).padStart(5, '0')}`;

function ipv4(n: number): string {
  return `10.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** The bundled models, the net-l3vpn API and its objects. */
export async function scaleModels(): Promise<{ apis: readonly ApiModel[]; net: ApiModel; objects: Record<'port' | 'iface' | 'vpn' | 'binding', ObjectModel> }> {
  const registry = new ProtonRegistry(await loadModels(bundledModelsDir()));
  const apis = registry.storageModels();
  const net = apis.find((a) => a.name === SCALE_API);
  if (net === undefined) throw new Error(`scale bench: the bundled models have no ${SCALE_API} API`);
  const object = (name: string): ObjectModel => {
    const found = net.objects.find((o) => o.name === name);
    if (found === undefined) throw new Error(`scale bench: ${SCALE_API} has no ${name}`);
    return found;
  };
  return { apis, net, objects: { port: object('Port'), iface: object('Interface'), vpn: object('VpnService'), binding: object('VpnBinding') } };
}

/** Creates the schema and one object of each kind through the store (the rows to copy). */
async function writeTemplates(file: string): Promise<Record<'port' | 'iface' | 'vpn' | 'binding', string>> {
  const { apis, net, objects } = await scaleModels();
  const store = createStore({ url: `sqlite:${file}`, advertisedUrl: SCALE_ADVERTISED_URL });
  try {
    await store.init(apis);
    const vpn = await store.create(net, objects.vpn, { id: vpnId(0), tenant_id: tenantId(0), name: 'vpn-0', address_pool: '10.0.0.0/8', vni: 1 });
    await store.create(net, objects.port, { ...portBody(0, portId(0)), tenant_id: tenantId(0), name: 'port-0', host_id: hostOf(0, layoutFor(3)), device_owner: 'compute:nova', device_id: portId(0) });
    await store.create(net, objects.binding, { tenant_id: tenantId(0), interface_id: portId(0), service_id: vpn['id'], ipaddress: ipv4(1) });
  } finally {
    await store.close();
  }
  const table = (o: ObjectModel): string => tableName(net, o.name);
  return { port: table(objects.port), iface: table(objects.iface), vpn: table(objects.vpn), binding: table(objects.binding) };
}

type Row = Record<string, unknown>;

/** Copies `template` `count` times with `vary(i)`'s columns, in chunks of multi-row INSERTs. */
function copyRows(db: Database.Database, table: string, spec: { readonly count: number; readonly vary: (i: number) => Row }): void {
  const template = db.prepare(`SELECT * FROM "${table}" LIMIT 1`).get() as Row | undefined;
  if (template === undefined) throw new Error(`scale bench: no template row in ${table}`);
  db.prepare(`DELETE FROM "${table}"`).run();
  const columns = Object.keys(template);
  const perStatement = Math.max(1, Math.floor(32_000 / columns.length)); // SQLite's bound-parameter limit is 32,766
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const insert = (n: number): Database.Statement => db.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${Array.from({ length: n }, () => tuple).join(',')}`);
  const full = insert(Math.min(perStatement, spec.count));
  for (let start = 0; start < spec.count; start += perStatement) {
    const n = Math.min(perStatement, spec.count - start);
    const values: unknown[] = [];
    for (let i = start; i < start + n; i++) {
      const row = { ...template, ...spec.vary(i) };
      for (const c of columns) values.push(row[c]);
    }
    (n === Math.min(perStatement, spec.count) ? full : insert(n)).run(values);
  }
}

/**
 * Creates the SQLite database `file` holding `layout` (schema by the store, rows by bulk
 * INSERT, outbox empty: the rows are taken as already mirrored). Returns the seconds taken.
 */
export async function seedSql(file: string, layout: ScaleLayout): Promise<number> {
  const t0 = performance.now();
  const tables = await writeTemplates(file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF'); // the template rows are replaced table by table; checked below
    db.transaction(() => {
      copyRows(db, tables.vpn, { count: layout.vpns, vary: (v) => ({ id: vpnId(v), name: `vpn-${v}`, vni: v + 1, tenant_id: tenantId(v % layout.tenants) }) });
      copyRows(db, tables.port, {
        count: layout.ports,
        vary: (i) => ({ id: portId(i), name: `port-${i}`, mac_address: macFor(i), tenant_id: tenantId(i % layout.tenants), host_id: hostOf(i, layout), device_id: portId(Math.floor(i / 2)) }),
      });
      copyRows(db, tables.iface, { count: layout.ports, vary: (i) => ({ id: portId(i), port_id: portId(i), name: `port-${i}_default`, tenant_id: tenantId(i % layout.tenants) }) });
      copyRows(db, tables.binding, {
        count: layout.ports,
        vary: (i) => ({ interface_id: portId(i), service_id: vpnId(i % layout.vpns), ipaddress: ipv4(Math.floor(i / layout.vpns) + 1), tenant_id: tenantId(i % layout.tenants) }),
      });
      db.prepare('DELETE FROM gluon_outbox').run();
    })();
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`scale bench: the seeded rows break ${broken.length} foreign keys, e.g. ${JSON.stringify(broken[0])}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Puts into etcd what the store's mirror snapshot of `file` says etcd should hold (the
 * `/proton/net-l3vpn/…` objects and the `/gluon/port/…` registrations), 128 puts a
 * transaction, 8 transactions in flight. Returns the keys written and the seconds taken.
 */
export async function seedEtcd(file: string, kv: KeyValueStore): Promise<{ keys: number; seconds: number }> {
  const t0 = performance.now();
  const { apis } = await scaleModels();
  const store = createStore({ url: `sqlite:${file}`, advertisedUrl: SCALE_ADVERTISED_URL });
  let keys = 0;
  const inFlight = new Set<Promise<unknown>>();
  const send = async (ops: TxnOp[]): Promise<void> => {
    const p = kv.txn({ compare: [], success: ops });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  };
  try {
    await store.init(apis);
    let batch: TxnOp[] = [];
    for (const api of apis) {
      for await (const entry of store.snapshot(api)) {
        batch.push({ type: 'put', key: entry.key, value: entry.value });
        keys++;
        if (batch.length === MAX_TXN_OPS) {
          await send(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await send(batch);
    await Promise.all(inFlight);
  } finally {
    await store.close();
  }
  return { keys, seconds: (performance.now() - t0) / 1000 };
}
