import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGluonError, type GluonError } from '../../src/core/errors/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import type { SqlStore, StoredObject } from '../../src/core/store/index.js';
import { TENANT, conformanceModels, obj, portBody } from './fixtures.js';

/** Opens a store on the suite's database (every call: a new store on the SAME database). */
export type OpenStore = (options?: { mirror?: boolean }) => SqlStore;

async function caught(p: Promise<unknown>): Promise<GluonError> {
  try {
    await p;
  } catch (err) {
    if (isGluonError(err)) return err;
    throw new Error(`expected a GluonError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the promise to reject');
}

/**
 * The store conformance suite: every behaviour of the ProtonStore + MirrorSource
 * contract, run against one SQL backend.
 */
export function describeStoreConformance(name: string, setup: () => Promise<{ open: OpenStore; teardown: () => Promise<void> }>): void {
  describe(`store conformance: ${name}`, () => {
    let open: OpenStore;
    let teardown: () => Promise<void> = async () => undefined;
    let store: SqlStore;
    let api: ApiModel;
    let Port: ObjectModel;
    let Interface: ObjectModel;
    let VpnService: ObjectModel;
    let VpnBinding: ObjectModel;
    let VpnAfConfig: ObjectModel;
    let sfc: ApiModel;
    let testApi: ApiModel;

    beforeAll(async () => {
      ({ open, teardown } = await setup());
      const models = await conformanceModels();
      api = models.find((m) => m.name === 'net-l3vpn') as ApiModel;
      sfc = models.find((m) => m.name === 'ietf-sfc') as ApiModel;
      testApi = models.find((m) => m.name === 'test') as ApiModel;
      Port = obj(api, 'Port');
      Interface = obj(api, 'Interface');
      VpnService = obj(api, 'VpnService');
      VpnBinding = obj(api, 'VpnBinding');
      VpnAfConfig = obj(api, 'VpnAfConfig');
      store = open();
      await store.init(models);
      await store.init(models); // idempotent
    });

    afterAll(async () => {
      await store?.close();
      await teardown();
    });

    const vpn = (extra: Record<string, unknown> = {}): Promise<StoredObject> =>
      store.create(api, VpnService, { tenant_id: TENANT, name: 'vpn', ipv4_family: '1000:1000', route_distinguishers: '1000:1000', ...extra });

    it('answers ping', async () => {
      await store.ping();
    });

    it('creates, reads, updates and deletes with typed values', async () => {
      const created = await store.create(api, Port, portBody({ name: 'TestVPNPort', mtu: 9000 }));
      expect(created['id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).toMatchObject({ name: 'TestVPNPort', admin_state_up: true, vlan_transparency: false, mtu: 9000, status: 'ACTIVE' });
      expect(created['profile']).toBeNull();
      expect(created['revision_number']).toBe(1);
      expect(created['created_at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(created['updated_at']).toBe(created['created_at']);
      expect(Object.keys(created)).toEqual([...Port.attributes.map((a) => a.name), 'created_at', 'updated_at', 'revision_number']);
      const id = created['id'] as string;
      expect(await store.get(api, Port, id)).toEqual(created);

      const updated = await store.update(api, Port, id, { host_id: 'compute-1', admin_state_up: false, name: null });
      expect(updated).toMatchObject({ host_id: 'compute-1', admin_state_up: false, name: null, mtu: 9000, revision_number: 2 });
      expect(updated['created_at']).toBe(created['created_at']);
      expect(Date.parse(updated['updated_at'] as string)).toBeGreaterThanOrEqual(Date.parse(created['updated_at'] as string));
      expect(await store.get(api, Port, id)).toEqual(updated);
      expect((await store.update(api, Port, id, {}))['revision_number']).toBe(3);

      await store.delete(api, Port, id);
      const err = await caught(store.get(api, Port, id));
      expect(err.code).toBe('GLUON_ERR_NOT_FOUND');
      expect(err.status).toBe(404);
      expect(err.message).toBe(`Object of Port with Primary Key ${id} not found.`);
      expect((await caught(store.update(api, Port, id, { mtu: 1 }))).code).toBe('GLUON_ERR_NOT_FOUND');
      expect((await caught(store.delete(api, Port, id))).code).toBe('GLUON_ERR_NOT_FOUND');
    });

    it('keeps a given primary key and types numbers of every kind', async () => {
      const svc = await store.create(testApi, obj(testApi, 'TestService'), {
        tenant_id: TENANT,
        name: 'typed',
        ...Object.fromEntries(
          obj(testApi, 'TestService')
            .attributes.filter((a) => a.type === 'number')
            .map((a) => [a.name, 2.5]),
        ),
      });
      const numberAttr = obj(testApi, 'TestService').attributes.find((a) => a.type === 'number');
      if (numberAttr !== undefined) expect(svc[numberAttr.name]).toBe(2.5);
      const id = randomUUID();
      const port = await store.create(api, Port, portBody({ id }));
      expect(port['id']).toBe(id);
      const cfg = await store.create(api, VpnAfConfig, { tenant_id: TENANT, vrf_rt_value: '100:1', vrf_rt_type: 'both' });
      expect(cfg['vrf_rt_value']).toBe('100:1');
      expect(await store.get(api, VpnAfConfig, '100:1')).toEqual(cfg);
    });

    it('creates the default interface with the port and deletes it with the port', async () => {
      const port = await store.create(api, Port, portBody({ name: 'web' }));
      const id = port['id'] as string;
      const iface = await store.get(api, Interface, id);
      expect(iface).toMatchObject({ id, port_id: id, tenant_id: TENANT, name: 'web_default', segmentation_type: 'none', segmentation_id: 0 });
      expect(iface['revision_number']).toBe(1);
      const unnamed = await store.create(api, Port, portBody({ name: undefined }));
      expect((await store.get(api, Interface, unnamed['id'] as string))['name']).toBe('default');
      // child scope: the interface is under its port, not under another one
      expect(await store.get(api, Interface, id, { parent: { key: 'port_id', value: id } })).toEqual(iface);
      const other = await caught(store.get(api, Interface, id, { parent: { key: 'port_id', value: unnamed['id'] as string } }));
      expect(other.code).toBe('GLUON_ERR_NOT_FOUND');
      const children = await store.list(api, Interface, {}, { parent: { key: 'port_id', value: id } });
      expect(children.items.map((i) => i['id'])).toEqual([id]);

      await store.delete(api, Port, id);
      expect((await caught(store.get(api, Interface, id))).code).toBe('GLUON_ERR_NOT_FOUND');
    });

    it('creates port and default interface atomically', async () => {
      const host = await store.create(api, Port, portBody());
      const taken = randomUUID();
      // an interface already uses the id the next port asks for
      await store.create(api, Interface, {
        id: taken,
        port_id: host['id'],
        tenant_id: TENANT,
        name: 'extra',
        segmentation_type: 'vlan',
        segmentation_id: 10,
      });
      const err = await caught(store.create(api, Port, portBody({ id: taken })));
      expect(err.code).toBe('GLUON_ERR_ALREADY_EXISTS');
      expect(err.status).toBe(409);
      expect(err.message).toBe(`Interface with id "${taken}" already exists.`);
      expect((await caught(store.get(api, Port, taken))).code).toBe('GLUON_ERR_NOT_FOUND');
    });

    it('rejects a duplicate primary key and a duplicate natural key with 409', async () => {
      const port = await store.create(api, Port, portBody());
      const err = await caught(store.create(api, Port, portBody({ id: port['id'] })));
      expect(err.code).toBe('GLUON_ERR_ALREADY_EXISTS');
      expect(err.status).toBe(409);
      expect(err.message).toBe(`Port with id "${String(port['id'])}" already exists.`);
      expect(err.message).not.toMatch(/SQL|constraint|Duplicate entry/i);

      const Binding = obj(sfc, 'SffSfBinding');
      await store.create(sfc, Binding, { tenant_id: TENANT, sff_dpl_name: 'a', sf_dpl_name: 'b' });
      const dup = await caught(store.create(sfc, Binding, { tenant_id: TENANT, sff_dpl_name: 'a', sf_dpl_name: 'b' }));
      expect(dup.code).toBe('GLUON_ERR_ALREADY_EXISTS');
      expect(dup.message).toContain('sff_dpl_name "a"');
      expect(dup.message).toContain('sf_dpl_name "b"');
      await store.create(sfc, Binding, { tenant_id: TENANT, sff_dpl_name: 'a', sf_dpl_name: 'c' });
    });

    it('rejects a dangling reference with 400 naming the field', async () => {
      const port = await store.create(api, Port, portBody());
      const missing = randomUUID();
      const err = await caught(
        store.create(api, VpnBinding, { tenant_id: TENANT, interface_id: port['id'], service_id: missing, ipaddress: '10.0.0.2' }),
      );
      expect(err.code).toBe('GLUON_ERR_REFERENCE_NOT_FOUND');
      expect(err.status).toBe(400);
      expect(err.details).toEqual([{ field: 'service_id', rule: 'reference', value: missing, message: `no VpnService with id "${missing}"` }]);
      const service = await vpn();
      const binding = await store.create(api, VpnBinding, { tenant_id: TENANT, interface_id: port['id'], service_id: service['id'] });
      const upd = await caught(store.update(api, VpnBinding, binding['interface_id'] as string, { service_id: missing }));
      expect(upd.code).toBe('GLUON_ERR_REFERENCE_NOT_FOUND');
      expect(upd.details[0]?.field).toBe('service_id');
      // under a parent that does not exist: 404
      const orphan = randomUUID();
      const nf = await caught(
        store.create(api, Interface, { tenant_id: TENANT, segmentation_type: 'none', segmentation_id: 0 }, { parent: { key: 'port_id', value: orphan } }),
      );
      expect(nf.code).toBe('GLUON_ERR_NOT_FOUND');
      expect(nf.message).toBe(`Object of Port with Primary Key ${orphan} not found.`);
      const mismatch = await caught(
        store.create(api, Interface, { port_id: port['id'], tenant_id: TENANT, segmentation_type: 'none', segmentation_id: 0 }, { parent: { key: 'port_id', value: orphan } }),
      );
      expect(mismatch.code).toBe('GLUON_ERR_PARENT_MISMATCH');
    });

    it('refuses to delete an object still referenced (409 naming the referrer)', async () => {
      const port = await store.create(api, Port, portBody());
      const service = await vpn();
      await store.create(api, VpnBinding, { tenant_id: TENANT, interface_id: port['id'], service_id: service['id'] });
      const err = await caught(store.delete(api, VpnService, service['id'] as string));
      expect(err.code).toBe('GLUON_ERR_IN_USE');
      expect(err.status).toBe(409);
      expect(err.message).toContain('VpnBinding');
      const portErr = await caught(store.delete(api, Port, port['id'] as string));
      expect(portErr.code).toBe('GLUON_ERR_IN_USE');
      expect(portErr.message).toContain('VpnBinding');
      // nothing of the failed delete happened
      await store.get(api, Port, port['id'] as string);
      await store.get(api, Interface, port['id'] as string);
      await store.delete(api, VpnBinding, port['id'] as string);
      await store.delete(api, Port, port['id'] as string);
      await store.delete(api, VpnService, service['id'] as string);
    });

    it('checks If-Match revisions (412) and keeps the primary key immutable', async () => {
      const port = await store.create(api, Port, portBody());
      const id = port['id'] as string;
      const stale = await caught(store.update(api, Port, id, { mtu: 1400 }, { ifRevision: 7 }));
      expect(stale.code).toBe('GLUON_ERR_PRECONDITION_FAILED');
      expect(stale.status).toBe(412);
      const ok = await store.update(api, Port, id, { mtu: 1400 }, { ifRevision: 1 });
      expect(ok['revision_number']).toBe(2);
      expect((await caught(store.delete(api, Port, id, { ifRevision: 1 }))).status).toBe(412);
      const imm = await caught(store.update(api, Port, id, { id: randomUUID() }));
      expect(imm.code).toBe('GLUON_ERR_IMMUTABLE_FIELD');
      expect(imm.details[0]?.field).toBe('id');
      expect((await store.update(api, Port, id, { id, mtu: 1300 }))['mtu']).toBe(1300);
      expect((await caught(store.update(api, Port, id, { created_at: '2020-01-01T00:00:00Z' }))).code).toBe('GLUON_ERR_IMMUTABLE_FIELD');
      await store.delete(api, Port, id, { ifRevision: 3 });
    });

    it('validates values and names the field', async () => {
      const missing = await caught(store.create(api, Port, portBody({ mac_address: undefined })));
      expect(missing.code).toBe('GLUON_ERR_VALIDATION');
      expect(missing.details).toEqual([expect.objectContaining({ field: 'mac_address', rule: 'required' })]);
      const long = await caught(store.create(api, Port, portBody({ name: 'x'.repeat(65) })));
      expect(long.details[0]).toMatchObject({ field: 'name', rule: 'maxLength' });
      const en = await caught(store.create(api, Port, portBody({ status: 'UP' })));
      expect(en.details[0]).toMatchObject({ field: 'status', rule: 'enum', value: 'UP' });
      const unknown = await caught(store.create(api, Port, portBody({ colour: 'red' })));
      expect(unknown.details[0]).toMatchObject({ field: 'colour', rule: 'unknown' });
      const nul = await caught(store.update(api, Port, (await store.create(api, Port, portBody()))['id'] as string, { mtu: null }));
      expect(nul.details[0]).toMatchObject({ field: 'mtu', rule: 'required' });
    });

    describe('list', () => {
      let tenant: string;
      let all: StoredObject[];
      beforeAll(async () => {
        tenant = randomUUID().replaceAll('-', '');
        const statuses = ['ACTIVE', 'DOWN'];
        const vnics = ['normal', 'direct', 'macvtap'];
        all = [];
        for (let i = 0; i < 23; i++) {
          all.push(
            await store.create(
              api,
              Port,
              portBody({
                tenant_id: tenant,
                name: i % 5 === 0 ? null : `n${String(i % 7).padStart(2, '0')}`,
                status: statuses[i % 2],
                vnic_type: vnics[i % 3],
                mtu: 1000 + (i % 4),
              }),
            ),
          );
        }
      });

      it('filters: OR within one attribute, AND across attributes', async () => {
        const page = await store.list(api, Port, { filters: { tenant_id: [tenant], status: ['ACTIVE'], vnic_type: ['normal', 'direct'] } });
        const expected = all.filter((p) => p['status'] === 'ACTIVE' && ['normal', 'direct'].includes(p['vnic_type'] as string));
        expect(page.items.map((p) => p['id']).sort()).toEqual(expected.map((p) => p['id']).sort());
        const nulls = await store.list(api, Port, { filters: { tenant_id: [tenant], name: [null] } });
        expect(nulls.items).toHaveLength(all.filter((p) => p['name'] === null).length);
        const bools = await store.list(api, Port, { filters: { tenant_id: [tenant], admin_state_up: [false] } });
        expect(bools.items).toHaveLength(0);
        const none = await store.list(api, Port, { filters: { tenant_id: [tenant], mtu: [] } });
        expect(none.items).toHaveLength(0);
      });

      const cmp = (a: unknown, b: unknown): number => {
        if (a === b) return 0;
        if (a === null) return -1;
        if (b === null) return 1;
        return (a as number | string) < (b as number | string) ? -1 : 1;
      };

      for (const sort of [
        [{ key: 'mtu', dir: 'desc' as const }, { key: 'name', dir: 'asc' as const }],
        [{ key: 'name', dir: 'desc' as const }],
        [{ key: 'name', dir: 'asc' as const }, { key: 'mtu', dir: 'asc' as const }],
        [],
      ]) {
        it(`pages through every row exactly once, sorted by ${JSON.stringify(sort)}`, async () => {
          const seen: StoredObject[] = [];
          let marker: string | undefined;
          for (let pages = 0; pages < 20; pages++) {
            const page = await store.list(api, Port, { filters: { tenant_id: [tenant] }, sort, limit: 4, ...(marker === undefined ? {} : { marker }) });
            seen.push(...page.items);
            if (page.nextMarker === undefined) break;
            expect(page.items).toHaveLength(4);
            marker = page.nextMarker;
          }
          const expected = [...all].sort((a, b) => {
            for (const { key, dir } of sort) {
              const c = cmp(a[key], b[key]);
              if (c !== 0) return dir === 'asc' ? c : -c;
            }
            return cmp(a['id'], b['id']);
          });
          expect(seen.map((p) => p['id'])).toEqual(expected.map((p) => p['id']));
        });
      }

      it('caps the page size and rejects unknown markers and sort keys', async () => {
        const capped = open({});
        await capped.close();
        const page = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 5 });
        expect(page.items).toHaveLength(5);
        expect(page.nextMarker).toBe(page.items[4]?.['id']);
        const bad = await caught(store.list(api, Port, { marker: randomUUID() }));
        expect(bad.code).toBe('GLUON_ERR_VALIDATION');
        expect(bad.status).toBe(400);
        expect(bad.details[0]?.field).toBe('marker');
        expect((await caught(store.list(api, Port, { sort: [{ key: 'nope', dir: 'asc' }] }))).details[0]?.field).toBe('sort_key');
        expect((await caught(store.list(api, Port, { filters: { nope: ['x'] } }))).code).toBe('GLUON_ERR_VALIDATION');
        expect((await caught(store.list(api, Port, { limit: 0 }))).details[0]?.field).toBe('limit');
      });
    });

    it('writes outbox rows that mirror each change, in commit order', async () => {
      const before = await store.readOutbox(0, 100_000);
      const start = before.length === 0 ? 0 : (before[before.length - 1] as { seq: number }).seq;
      const port = await store.create(api, Port, portBody());
      const id = port['id'] as string;
      const iface = await store.get(api, Interface, id);
      const updated = await store.update(api, Port, id, { host_id: 'h2', tenant_id: 'b868a466bca84df18404a77db0ecac72' });
      await store.delete(api, Port, id);
      const rows = await store.readOutbox(start, 100);
      const reg = (tenant: string): string => JSON.stringify({ tenant_id: tenant, service: 'net-l3vpn', url: 'http://10.1.2.3:2705' });
      // the object as `get` returns it, naming the (storage) version it is written in
      const mirrored = (obj: Record<string, unknown>): string => JSON.stringify({ ...obj, api_version: api.versionId });
      expect(rows.map((r) => [r.key, r.value])).toEqual([
        [`/proton/net-l3vpn/Port/${id}`, mirrored(port)],
        [`/gluon/port/${id}`, reg(TENANT)],
        [`/proton/net-l3vpn/Interface/${id}`, mirrored(iface)],
        [`/proton/net-l3vpn/Port/${id}`, mirrored(updated)],
        [`/gluon/port/${id}`, reg('b868a466bca84df18404a77db0ecac72')],
        [`/gluon/port/${id}`, null],
        [`/proton/net-l3vpn/Interface/${id}`, null],
        [`/proton/net-l3vpn/Port/${id}`, null],
      ]);
      const seqs = rows.map((r) => r.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(JSON.parse(rows[0]?.value as string)).toEqual({ ...port, api_version: 'v1.0' });
      expect(rows[0]?.createdAt).toBeInstanceOf(Date);

      const stats = await store.outboxStats();
      expect(stats.pending).toBeGreaterThanOrEqual(rows.length);
      expect(stats.oldest).toBeInstanceOf(Date);
      await store.deleteOutbox([seqs[0] as number, seqs[1] as number]);
      expect((await store.readOutbox(start, 100)).map((r) => r.seq)).toEqual(seqs.slice(2));
      await store.deleteOutbox(seqs[seqs.length - 1] as number);
      expect(await store.readOutbox(0, 100)).toEqual([]);
      expect(await store.outboxStats()).toEqual({ pending: 0 });
    });

    it('snapshots every key the mirror should hold for an API', async () => {
      const port = await store.create(api, Port, portBody());
      const entries = new Map<string, string>();
      for await (const e of store.snapshot(api)) entries.set(e.key, e.value);
      const id = port['id'] as string;
      expect(entries.get(`/proton/net-l3vpn/Port/${id}`)).toBe(JSON.stringify({ ...port, api_version: 'v1.0' }));
      expect(entries.get(`/proton/net-l3vpn/Interface/${id}`)).toBe(JSON.stringify({ ...(await store.get(api, Interface, id)), api_version: 'v1.0' }));
      expect(JSON.parse(entries.get(`/gluon/port/${id}`) as string)).toEqual({ tenant_id: TENANT, service: 'net-l3vpn', url: 'http://10.1.2.3:2705' });
      const ports = [...entries.keys()].filter((k) => k.startsWith('/proton/net-l3vpn/Port/'));
      const total = await store.list(api, Port, { limit: 1000 });
      expect(ports).toHaveLength(total.items.length);
    });

    it('writes no outbox rows when the mirror is off', async () => {
      const quiet = open({ mirror: false });
      const before = (await store.readOutbox(0, 100_000)).length;
      await quiet.create(api, Port, portBody());
      expect((await store.readOutbox(0, 100_000)).length).toBe(before);
      await quiet.close();
    });

    it('commits 200 concurrent creates, each with its own result', async () => {
      const tenant = randomUUID().replaceAll('-', '');
      const names = Array.from({ length: 200 }, (_, i) => `c${i}`);
      const created = await Promise.all(names.map((n) => store.create(api, Port, portBody({ tenant_id: tenant, name: n }))));
      expect(created.map((p) => p['name'])).toEqual(names);
      expect(new Set(created.map((p) => p['id'])).size).toBe(200);
      const listed = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 1000 });
      expect(listed.items).toHaveLength(200);
      const ifaces = await store.list(api, Interface, { filters: { tenant_id: [tenant] }, limit: 1000 });
      expect(ifaces.items).toHaveLength(200);
    });

    it('fails one bad write of a group alone', async () => {
      const tenant = randomUUID().replaceAll('-', '');
      const existing = await store.create(api, Port, portBody({ tenant_id: tenant, name: 'first' }));
      const service = await vpn();
      const writes = Array.from({ length: 40 }, (_, i) => {
        if (i === 13) return store.create(api, Port, portBody({ tenant_id: tenant, id: existing['id'] }));
        if (i === 27) return store.create(api, VpnBinding, { tenant_id: tenant, interface_id: randomUUID(), service_id: service['id'] });
        return store.create(api, Port, portBody({ tenant_id: tenant, name: `g${i}` }));
      });
      const results = await Promise.allSettled(writes);
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as GluonError).code]] : []));
      expect(failed).toEqual([
        [13, 'GLUON_ERR_ALREADY_EXISTS'],
        [27, 'GLUON_ERR_REFERENCE_NOT_FOUND'],
      ]);
      const listed = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 1000 });
      expect(listed.items).toHaveLength(39);
    });

    it('close() drains every queued write, then refuses new ones', async () => {
      const other = open();
      await other.init([api]);
      const tenant = randomUUID().replaceAll('-', '');
      const pending = Array.from({ length: 50 }, (_, i) => other.create(api, Port, portBody({ tenant_id: tenant, name: `d${i}` })));
      const closing = other.close();
      const results = await Promise.allSettled(pending);
      await closing;
      await other.close(); // idempotent
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const listed = await store.list(api, Port, { filters: { tenant_id: [tenant] }, limit: 1000 });
      expect(listed.items).toHaveLength(50);
      const late = await caught(other.create(api, Port, portBody()));
      expect(late.code).toBe('GLUON_ERR_STORE_UNAVAILABLE');
      expect(late.status).toBe(503);
    });

    it('answers random filters, markers, keys and patches with success or a 4xx GluonError only', async () => {
      const port = await store.create(api, Port, portBody());
      const id = port['id'] as string;
      const attrs = [...Port.attributes.map((a) => a.name), 'created_at', 'nope'];
      const anyValue = fc.oneof(
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom('ACTIVE', 'normal', '2020-01-01T00:00:00Z', 'x'.repeat(300), id),
        fc.array(fc.integer(), { maxLength: 2 }),
        fc.object({ maxDepth: 1 }),
      );
      const check = async (p: Promise<unknown>): Promise<void> => {
        try {
          await p;
        } catch (err) {
          if (!isGluonError(err)) throw new Error(`raw error escaped: ${String(err)}`, { cause: err });
          if (err.status < 400 || err.status >= 500) throw new Error(`non-4xx ${err.code}: ${err.message}`, { cause: err });
        }
      };
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...attrs), fc.array(anyValue, { maxLength: 3 }), { maxKeys: 3 }),
          fc.option(fc.oneof(fc.string(), fc.constant(id)), { nil: undefined }),
          fc.array(fc.record({ key: fc.constantFrom(...attrs), dir: fc.constantFrom('asc', 'desc', 'up') }), { maxLength: 2 }),
          fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined }),
          fc.oneof(fc.string(), fc.constant(id)),
          fc.dictionary(fc.constantFrom(...attrs, 'id', 'revision_number'), anyValue, { maxKeys: 4 }),
          async (filters, marker, sort, limit, key, patch) => {
            await check(
              store.list(api, Port, {
                filters: filters as Record<string, unknown[]>,
                sort: sort as { key: string; dir: 'asc' | 'desc' }[],
                ...(marker === undefined ? {} : { marker }),
                ...(limit === undefined ? {} : { limit }),
              }),
            );
            await check(store.get(api, Port, key));
            await check(store.update(api, Port, key, patch));
            await check(store.create(api, Port, { ...portBody(), ...patch }));
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
