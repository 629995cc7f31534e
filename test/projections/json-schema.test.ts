import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAC_PATTERN,
  createSchemaForChildRoute,
  isJsonString,
  toObjectSchemas,
  type JsonSchema,
} from '../../src/core/model/index.js';
import { check, makeAjv } from './ajv.js';
import { captureExchanges, chain, iface, netL3vpn, port, vpnAfConfig, vpnBinding } from './fixtures.js';

const portSchemas = toObjectSchemas(netL3vpn, port);
const goodPort = {
  tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  mac_address: 'fa:16:3e:00:00:02',
  admin_state_up: true,
  status: 'DOWN',
  vnic_type: 'normal',
  mtu: 1400,
  vlan_transparency: false,
};

function bodiesOf(method: string, pathEnd: RegExp, status: number): unknown[] {
  return captureExchanges()
    .filter((e) => e.method === method && pathEnd.test(e.path) && e.status === status)
    .map((e) => e.request_body);
}

describe('toObjectSchemas: create body', () => {
  it('accepts every Port body the original accepted in the wire capture (booleans as strings too, with coercion)', () => {
    const bodies = bodiesOf('POST', /\/ports$/, 201);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const body of bodies) expect(check(portSchemas.create, body).errors).toEqual([]);
    const coerced = check(portSchemas.create, bodies[1]);
    expect((coerced.data as Record<string, unknown>)['admin_state_up']).toBe(true);
  });

  it('accepts the capture bodies of every other net-l3vpn create', () => {
    const byPlural = new Map(netL3vpn.objects.map((o) => [o.api.plural, o]));
    let seen = 0;
    for (const e of captureExchanges()) {
      if (e.method !== 'POST' || e.status !== 201) continue;
      const segments = e.path.split('/').filter(Boolean);
      const object = byPlural.get(segments[segments.length - 1] ?? '');
      if (object === undefined) continue;
      const child = segments.length > 4;
      const schema = child ? createSchemaForChildRoute(netL3vpn, object) : toObjectSchemas(netL3vpn, object).create;
      expect(check(schema, e.request_body).errors, e.path).toEqual([]);
      seen++;
    }
    expect(seen).toBeGreaterThanOrEqual(7);
  });

  it('rejects what the capture shows as client errors, naming the field and the rule', () => {
    const bodies = bodiesOf('POST', /\/ports$/, 400).filter((b) => b !== null);
    const results = bodies.map((b) => check(portSchemas.create, b).errors);
    expect(results).toContainEqual([['format', '/mac_address']]);
    expect(results).toContainEqual([['enum', '/status']]);
    expect(results).toContainEqual([['additionalProperties', '']]);
    const binding = bodiesOf('POST', /\/vpnbindings$/, 400)[0];
    expect(check(toObjectSchemas(netL3vpn, vpnBinding).create, binding).errors).toEqual([['maximum', '/subnet_prefix']]);
  });

  it('rejects a missing required attribute (the original answered 500)', () => {
    const { mac_address: _omitted, ...body } = goodPort;
    expect(check(portSchemas.create, body).errors).toEqual([['required', '']]);
  });

  it('rejects null for a required attribute even with coercion, accepts it for an optional one', () => {
    for (const coerce of [true, false] as const) {
      for (const field of ['mtu', 'admin_state_up', 'tenant_id', 'mac_address'] as const) {
        const result = check(portSchemas.create, { ...goodPort, [field]: null }, coerce);
        expect(result.ok, `${field} coerce=${String(coerce)}`).toBe(false);
        expect(result.errors.every(([, path]) => path === `/${field}`)).toBe(true);
      }
      expect(check(portSchemas.create, { ...goodPort, status: null }, coerce).errors).toEqual([['enum', '/status']]);
      const optional = check(portSchemas.create, { ...goodPort, id: null, name: null, profile: null, device_id: null }, coerce);
      expect(optional.errors).toEqual([]);
      expect(optional.data).toMatchObject({ id: null, name: null, profile: null, device_id: null });
    }
  });

  it('does not require a generated uuid key, but requires a key that is not generated', () => {
    expect(portSchemas.create['required']).not.toContain('id');
    expect(toObjectSchemas(netL3vpn, vpnAfConfig).create['required']).toContain('vrf_rt_value');
    expect(toObjectSchemas(netL3vpn, vpnBinding).create['required']).toContain('interface_id');
  });

  it('requires the parent key on root routes but not when the URL carries it', () => {
    expect(toObjectSchemas(netL3vpn, iface).create['required']).toContain('port_id');
    const child = createSchemaForChildRoute(netL3vpn, iface);
    expect(child['required']).not.toContain('port_id');
    expect(toObjectSchemas(netL3vpn, iface, { parentKeyFromUrl: true }).create).toEqual(child);
  });

  it('refuses read-only fields in bodies', () => {
    for (const field of ['created_at', 'updated_at', 'revision_number']) {
      expect(check(portSchemas.create, { ...goodPort, [field]: 'x' }).errors).toEqual([['false schema', `/${field}`]]);
      expect(check(portSchemas.update, { [field]: 'x' }).errors).toEqual([['false schema', `/${field}`]]);
    }
  });

  it('enforces length, uuid, formats, integer bounds', () => {
    const bad: [string, unknown, string][] = [
      ['name', 'x'.repeat(65), 'maxLength'],
      ['tenant_id', 'not-a-uuid', 'pattern'],
      ['tenant_id', '', 'pattern'],
      ['profile', '{not json', 'format'],
      ['mtu', 2 ** 31, 'maximum'],
      ['mtu', -(2 ** 31) - 1, 'minimum'],
      ['mtu', 1.5, 'type'],
      ['admin_state_up', 'maybe', 'type'],
    ];
    for (const [field, value, rule] of bad) {
      expect(check(portSchemas.create, { ...goodPort, [field]: value }).errors, field).toContainEqual([rule, `/${field}`]);
    }
    const good: [string, unknown][] = [
      ['tenant_id', 'A868A466BCA84DF18404A77DB0ECAC72'],
      ['device_id', ''],
      ['profile', ''],
      ['profile', '{"a": [1]}'],
      ['mtu', '1500'],
      ['mac_address', 'FA-16-3E-00-00-01'],
      ['mac_address', 'fa16.3e00.0001'],
    ];
    for (const [field, value] of good) {
      expect(check(portSchemas.create, { ...goodPort, [field]: value }).errors, `${field}=${String(value)}`).toEqual([]);
    }
  });

  it('uses int64 bounds, explicit min/max and number bounds', () => {
    const nic = chain.objects[3];
    if (nic === undefined) throw new Error('fixture');
    const create = toObjectSchemas(chain, nic).create;
    const props = create['properties'] as Record<string, Record<string, unknown>>;
    expect(props['slot']).toMatchObject({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
    expect(props['port']).toMatchObject({ type: 'integer', minimum: 0, maximum: 7 });
    expect(props['speed']).toMatchObject({ type: 'number', minimum: 0.5 });
    expect(props['speed']).not.toHaveProperty('maximum');
    expect(check(create, { host_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', speed: 0.1 }).errors).toEqual([['minimum', '/speed']]);
  });
});

describe('toObjectSchemas: update body', () => {
  it('accepts the capture PUT bodies (partial updates, unbinding with empty strings)', () => {
    const bodies = bodiesOf('PUT', /\/ports\/[^/]+$/, 200);
    expect(bodies.length).toBe(3);
    for (const body of bodies) expect(check(portSchemas.update, body).errors).toEqual([]);
  });

  it('rejects an empty body, unknown keys, a changed primary key and null for required attributes', () => {
    expect(check(portSchemas.update, {}).errors).toEqual([['minProperties', '']]);
    expect(check(portSchemas.update, { bogus: 1 }).errors).toEqual([['additionalProperties', '']]);
    expect(check(portSchemas.update, { id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b' }).errors).toEqual([['false schema', '/id']]);
    expect(check(portSchemas.update, { mtu: null }).ok).toBe(false);
    expect(check(portSchemas.update, { host_id: null }).ok).toBe(true);
  });
});

describe('toObjectSchemas: response and list', () => {
  it('describes every attribute as nullable plus the server-maintained fields', () => {
    const props = portSchemas.response['properties'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(props)).toEqual([...port.attributes.map((a) => a.name), 'created_at', 'updated_at', 'revision_number']);
    for (const a of port.attributes) expect(props[a.name]?.['nullable'], a.name).toBe(true);
    expect(props['created_at']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(props['revision_number']).toMatchObject({ type: 'integer' });
    expect(portSchemas.response['additionalProperties']).toBe(false);
  });

  it('validates a stored row with NULLs and a list with a next link', () => {
    const row = {
      ...goodPort,
      id: '3f0e2d9a-7a3b-4c11-9d2e-111111111111',
      name: null,
      profile: null,
      device_id: '',
      device_owner: null,
      host_id: null,
      vif_details: null,
      vif_type: null,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      revision_number: 1,
    };
    expect(check(portSchemas.response, row, false).errors).toEqual([]);
    const list = { ports: [row], ports_links: [{ href: 'http://h/proton/net-l3vpn/v1.0/ports?marker=x', rel: 'next' }] };
    expect(check(portSchemas.list, list, false).errors).toEqual([]);
    expect(check(portSchemas.list, {}, false).errors).toEqual([['required', '']]);
  });

  it('is self-contained, titled, deterministic and frozen', () => {
    for (const object of netL3vpn.objects) {
      const schemas = toObjectSchemas(netL3vpn, object);
      const text = JSON.stringify(schemas);
      expect(text).not.toContain('$ref');
      expect(text).not.toContain('$id');
      expect(schemas).toEqual(toObjectSchemas(netL3vpn, object));
      for (const s of Object.values(schemas) as JsonSchema[]) {
        expect(typeof s['title']).toBe('string');
        expect(typeof s['description']).toBe('string');
        expect(Object.isFrozen(s)).toBe(true);
        expect(() => makeAjv().compile(structuredClone(s) as object)).not.toThrow();
      }
    }
  });
});

describe('formats', () => {
  it('MAC_PATTERN accepts the notations netaddr accepts and nothing else', () => {
    const mac = new RegExp(MAC_PATTERN);
    for (const ok of ['fa:16:3e:00:00:01', 'FA-16-3E-00-00-01', 'fa16.3e00.0001', 'fa163e000001']) expect(mac.test(ok), ok).toBe(true);
    for (const bad of ['not-a-mac', 'fa:16:3e:00:00', 'fa:16-3e:00:00:01', 'fa:16:3e:00:00:01:02', 'gg:16:3e:00:00:01', '']) {
      expect(mac.test(bad), bad).toBe(false);
    }
  });

  it('json format: "" or any JSON text (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => isJsonString(JSON.stringify(v))));
    expect(isJsonString('')).toBe(true);
    expect(isJsonString('{')).toBe(false);
  });

  it('random bodies never make validation throw, and a valid result always satisfies required/length rules (property)', () => {
    const validate = makeAjv().compile(structuredClone(portSchemas.create) as object);
    const fieldValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue());
    const body = fc.dictionary(fc.constantFrom(...port.attributes.map((a) => a.name), 'bogus', 'created_at'), fieldValue);
    fc.assert(
      fc.property(fc.oneof(body, fc.record({ ...Object.fromEntries(Object.entries(goodPort).map(([k, v]) => [k, fc.constant(v)])) }), fc.jsonValue()), (b) => {
        const copy = structuredClone(b);
        const ok = validate(copy);
        if (ok) {
          const data = copy as Record<string, unknown>;
          for (const a of port.attributes) {
            if (a.required && a.name !== 'id') expect(data[a.name]).not.toBeNull();
            const v = data[a.name];
            if (typeof v === 'string' && a.length !== undefined) expect(v.length).toBeLessThanOrEqual(a.length);
          }
          expect(Object.keys(data).every((k) => port.attributes.some((a) => a.name === k))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
