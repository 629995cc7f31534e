/**
 * Projections over the real models: the original Gluon's conformance models and our own
 * `models/`, compiled by `loadModels`.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadModels,
  toObjectSchemas,
  toOpenApi,
  toRoutes,
  toTableDescription,
  toTableDescriptions,
  type ApiModel,
  type ObjectModel,
} from '../../src/core/model/index.js';
import { check, makeAjv } from './ajv.js';
import { CONFORMANCE_DIR, captureExchanges } from './fixtures.js';

const OURS = fileURLToPath(new URL('../../models/', import.meta.url));
const ORIGINALS = `${CONFORMANCE_DIR}gluon-models`;

let ours: readonly ApiModel[] = [];
let originals: readonly ApiModel[] = [];

beforeAll(async () => {
  ours = await loadModels(OURS);
  originals = await loadModels(ORIGINALS);
});

function api(models: readonly ApiModel[], name: string): ApiModel {
  const found = models.find((m) => m.name === name);
  if (found === undefined) throw new Error(`no API ${name}`);
  return found;
}

function obj(model: ApiModel, name: string): ObjectModel {
  const found = model.objects.find((o) => o.name === name);
  if (found === undefined) throw new Error(`no object ${name}`);
  return found;
}

/**
 * Attributes our models add to the original contract on purpose, by object role: a port
 * carries Neutron's free-text `description` so that `openstack port set --description`
 * works through the facade (docs/neutron.md).
 */
const OUR_ADDITIONS: Readonly<Record<string, readonly string[]>> = { port: ['description'] };

/** An API's objects without the attributes {@link OUR_ADDITIONS} names for their role. */
function withoutOurAdditions(model: ApiModel): ApiModel {
  return {
    ...model,
    objects: model.objects.map((o) => ({
      ...o,
      attributes: o.attributes.filter((a) => !(OUR_ADDITIONS[o.role] ?? []).includes(a.name)),
    })),
  };
}

/** What the API contract is made of: everything but descriptions and source positions. */
function contract(model: ApiModel): unknown {
  return {
    name: model.name,
    version: model.version,
    versionId: model.versionId,
    objects: model.objects.map((o) => ({
      name: o.name,
      api: o.api,
      role: o.role,
      extendsChain: o.extendsChain,
      primaryKey: o.primaryKey,
      naturalKey: o.naturalKey,
      policies: o.policies,
      attributes: o.attributes.map(({ description: _d, source: _s, ...rest }) => rest),
    })),
  };
}

/** Attributes our net-l3vpn adds for addressing (not in the original). */
const ADDRESSING_ADDITIONS: Readonly<Record<string, readonly string[]>> = { VpnService: ['address_pool', 'address_pool_exclude', 'vni'] };

/**
 * `model` without the addressing our net-l3vpn adds on purpose: the VPN's pool and VNI,
 * the families its addresses accept, and the binding's dual-stack addresses (`ip`, 45 characters, prefixes up to 128)
 * where the original had IPv4 only.
 */
function withoutAddressing(model: ApiModel): ApiModel {
  if (model.name !== 'net-l3vpn') return model;
  const objects = model.objects.map((o) => {
    const { unique: _u, subnet: _s, ...rest } = o;
    const attributes = o.attributes
      .filter((a) => !(ADDRESSING_ADDITIONS[o.name] ?? []).includes(a.name))
      .map(({ allocate: _a, familyFrom: _f, ...a }) => {
        if (o.name !== 'VpnBinding') return a;
        if (a.name === 'ipaddress' || a.name === 'gateway') return { ...a, format: 'ipv4' as const, length: 16 };
        return a.name === 'subnet_prefix' ? { ...a, max: 31 } : a;
      });
    return { ...rest, attributes };
  });
  return { ...model, objects };
}

describe('our models/', () => {
  it('compile to the same API contract as the original Gluon models (descriptions aside)', () => {
    expect(ours.map((m) => `${m.name} ${m.versionId}`).sort()).toEqual(['ietf-sfc v1.0', 'net-l3vpn v1.0', 'test v1.0']);
    expect(ours.map((m) => m.name).sort()).toEqual(originals.map((m) => m.name).sort());
    for (const mine of ours) expect(contract(withoutOurAdditions(withoutAddressing(mine))), mine.name).toEqual(contract(api(originals, mine.name)));
  });

  it('add exactly the documented attributes, with Neutron\'s shape', () => {
    for (const mine of ours) {
      for (const o of mine.objects.filter((x) => x.role === 'port')) {
        const original = obj(api(originals, mine.name), o.name);
        const added = o.attributes.filter((a) => !original.attributes.some((b) => b.name === a.name)).map((a) => a.name);
        expect(added, `${mine.name} ${o.name}`).toEqual(['description']);
        expect(o.attributes.find((a) => a.name === 'description'), `${mine.name} ${o.name}`).toMatchObject({ type: 'string', length: 255, required: false });
      }
    }
  });

  it('differ from the original net-l3vpn only by the addressing it lacked (docs/models.md, "Addressing")', () => {
    const l3 = api(ours, 'net-l3vpn');
    const binding = obj(l3, 'VpnBinding');
    expect(binding.unique).toEqual([['service_id', 'ipaddress']]);
    expect(binding.subnet).toEqual({ address: 'ipaddress', prefix: 'subnet_prefix', gateway: 'gateway' });
    expect(binding.attributes.find((a) => a.name === 'ipaddress')?.allocate).toEqual({ scope: 'service_id', poolFrom: 'address_pool', excludeFrom: 'address_pool_exclude' });
    expect(obj(l3, 'VpnService').attributes.find((a) => a.name === 'vni')?.allocate).toEqual({});
    const families = { ipv4: 'ipv4_family', ipv6: 'ipv6_family', default: ['ipv4'] };
    for (const name of ['ipaddress', 'gateway']) expect(binding.attributes.find((a) => a.name === name)?.familyFrom).toEqual({ scope: 'service_id', ...families });
    expect(obj(l3, 'VpnService').attributes.find((a) => a.name === 'address_pool')?.familyFrom).toEqual(families);
  });

  it('are our own text: every API object and attribute has a description of ours', () => {
    for (const mine of ours) {
      for (const o of mine.objects) {
        for (const a of o.attributes) {
          if (a.name === 'l4_port' && o.name === 'ServiceFunctionClassifier') continue; // undocumented in the original too
          expect(a.description, `${mine.name} ${o.name}.${a.name}`).toBeTruthy();
        }
      }
    }
    const port = obj(api(ours, 'net-l3vpn'), 'Port');
    const theirs = obj(api(originals, 'net-l3vpn'), 'Port');
    expect(port.attributes.find((a) => a.name === 'mac_address')?.description).not.toBe(
      theirs.attributes.find((a) => a.name === 'mac_address')?.description,
    );
  });
});

describe.each([
  ['the original models', () => originals],
  ['our models', () => ours],
])('projections of %s', (_label, models) => {
  it('every object of every API gets schemas that compile, a table and routes', () => {
    const ajv = makeAjv();
    for (const model of models()) {
      const tables = toTableDescriptions(model);
      expect(tables.map((t) => t.object).sort()).toEqual(model.objects.map((o) => o.name).sort());
      for (const o of model.objects) {
        const schemas = toObjectSchemas(model, o);
        for (const s of Object.values(schemas)) expect(() => ajv.compile(structuredClone(s) as object)).not.toThrow();
      }
      const routes = toRoutes(model);
      expect(routes.filter((r) => r.params.every((p) => p.childKey === undefined))).toHaveLength(model.objects.length * 2);
      expect(routes.length).toBe(model.objects.length * 2 + 2 * model.objects.filter((o) => o.api.parent !== undefined).length);
    }
    const doc = toOpenApi(models(), { title: 't', version: '1' }) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/proton/ietf-sfc/v1.0/sffdataplanelocator/{interface_id}');
  });

  it('net-l3vpn: Port accepts the wire-capture bodies, rejects a bad MAC, an unknown key, a missing field', () => {
    const l3 = api(models(), 'net-l3vpn');
    const create = toObjectSchemas(l3, obj(l3, 'Port')).create;
    for (const e of captureExchanges()) {
      if (e.method === 'POST' && e.path.endsWith('/ports') && e.status === 201) expect(check(create, e.request_body).errors).toEqual([]);
    }
    const good = { tenant_id: 'a868a466bca84df18404a77db0ecac72', mac_address: 'c8:2a:14:04:43:80', admin_state_up: true, status: 'ACTIVE', vnic_type: 'normal', mtu: 1500, vlan_transparency: true };
    expect(check(create, good).errors).toEqual([]);
    expect(check(create, { ...good, mac_address: 'c8:2a:14:04:43' }).errors).toEqual([['format', '/mac_address']]);
    expect(check(create, { ...good, bogus: 1 }).errors).toEqual([['additionalProperties', '']]);
    const { mtu: _m, ...missing } = good;
    expect(check(create, missing).errors).toEqual([['required', '']]);
    const binding = toObjectSchemas(l3, obj(l3, 'VpnBinding')).create;
    expect(check(binding, { tenant_id: good.tenant_id, interface_id: '3f0e2d9a-7a3b-4c11-9d2e-111111111111', service_id: '5d4c3b2a-1f0e-4d9c-8b7a-333333333333', subnet_prefix: 129 }).errors).toEqual([['maximum', '/subnet_prefix']]);
  });

  it('net-l3vpn: tables with foreign keys, and interfaces under ports', () => {
    const l3 = api(models(), 'net-l3vpn');
    const t = toTableDescription(l3, obj(l3, 'VpnBinding'));
    expect(t.foreignKeys.map((f) => [f.column, f.table, f.references])).toEqual([
      ['interface_id', 'net_l3vpn_v1_0_interface', 'id'],
      ['service_id', 'net_l3vpn_v1_0_vpn_service', 'id'],
    ]);
    expect(toRoutes(l3).map((r) => r.path)).toContain('/ports/:port_id/interfaces/:id');
  });

  it('ietf-sfc: the tenant_id override stays on ServiceFunctionPath; natural keys are unique indexes', () => {
    const sfc = api(models(), 'ietf-sfc');
    const tenant = (name: string) => (toObjectSchemas(sfc, obj(sfc, name)).create['properties'] as Record<string, Record<string, unknown>>)['tenant_id'];
    expect(tenant('ServiceFunctionPath')).toMatchObject({ type: 'string', maxLength: 64 });
    expect(tenant('ServiceFunctionPath')).not.toHaveProperty('pattern');
    for (const other of ['Port', 'Interface', 'ServiceFunction', 'ServicePathHop', 'SffSfBinding']) {
      expect(tenant(other), other).toHaveProperty('pattern');
    }
    const binding = toTableDescription(sfc, obj(sfc, 'SffSfBinding'));
    expect(binding.primaryKey).toBe('id');
    expect(binding.indexes).toContainEqual(expect.objectContaining({ columns: ['sff_dpl_name', 'sf_dpl_name'], unique: true }));
  });

  it('test: every string format is enforced', () => {
    const t = api(models(), 'test');
    const create = toObjectSchemas(t, obj(t, 'TestService')).create;
    const base = { tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b' };
    expect(check(create, { ...base, email: 'a@b.example', uri: 'http://x/y', datetime: '2017-02-14T20:35:47Z', json: '[1]', float_num: 1.5, int_num: 10, enum: 'two' }).errors).toEqual([]);
    const bad: [string, unknown, string][] = [
      ['email', 'nope', 'format'],
      ['uri', 'not a uri', 'format'],
      ['datetime', 'yesterday', 'format'],
      ['json', '{', 'format'],
      ['float_num', 'x', 'type'],
      ['int_num', 11, 'maximum'],
      ['enum', 'four', 'enum'],
    ];
    for (const [field, value, rule] of bad) expect(check(create, { ...base, [field]: value }).errors, field).toContainEqual([rule, `/${field}`]);
  });
});
