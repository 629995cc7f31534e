import fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectSchemas, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { call } from '../setup/http-call.js';
import { BACKENDS, bundledModelsPath, startServer, type TestServer } from './helpers.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';

const PORTS = '/proton/net-l3vpn/v1.0/ports';
const TENANT = '0b3f6a64-51c8-4a5e-a0e2-8e1f6bb0b001';

/** Port values with text a JSON writer must escape, and nulls. */
const AWKWARD = [
  { name: 'quote " backslash \\ slash /', profile: '{"k":"\\u0000"}' },
  { name: 'controls \u0000\u0001\u001f\n\t end', profile: null },
  { name: 'unicode é 😀 \u2028\u2029 \u007f', vif_type: 'ovs' },
  { name: null, device_owner: 'compute:nova', host_id: 'h' },
];

describe.each(BACKENDS)('list body on %s', (backend) => {
  let server: TestServer;
  /** The same page put through fastify's schema serializer of the list route. */
  let reference: FastifyInstance;
  let page: { ports: unknown[]; ports_links?: unknown[] } = { ports: [] };

  beforeAll(async () => {
    server = await startServer(await bundledModelsPath(), {}, backend);
    const api = server.models.find((m) => m.name === 'net-l3vpn') as ApiModel;
    const Port = api.objects.find((o) => o.name === 'Port') as ObjectModel;
    reference = fastify({ logger: false });
    reference.get('/', { schema: { response: { 200: structuredClone(toObjectSchemas(api, Port).list) } } }, () => page);
    await reference.ready();
    for (const [n, values] of AWKWARD.entries()) {
      const body = { tenant_id: TENANT, mac_address: `02:00:00:00:00:0${n}`, ...PORT_FIELDS, admin_state_up: n % 2 === 0, ...values };
      const created = await call(PORTS, { app: server.app, method: 'POST', body });
      expect(created.status, created.text).toBe(201);
    }
  });

  afterAll(async () => {
    await reference.close();
    await server.close();
  });

  /** The body fastify's serializer writes for the page that the list route answered. */
  async function serialized(answer: Record<string, unknown>): Promise<string> {
    page = answer as typeof page;
    return (await reference.inject({ method: 'GET', url: '/' })).body;
  }

  it('is byte for byte what the list schema serializer writes, next link included', async () => {
    const first = await call(`${PORTS}?limit=3&sort_key=name&sort_dir=desc`, { app: server.app });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.json()['ports_links']).toBeDefined();
    expect(first.text).toBe(await serialized(first.json()));
    const rest = await call(`${PORTS}?limit=1000`, { app: server.app });
    expect((rest.json()['ports'] as unknown[]).length).toBe(AWKWARD.length);
    expect(rest.text).toBe(await serialized(rest.json()));
  });

  it('answers fields= and empty pages as before', async () => {
    const picked = await call(`${PORTS}?fields=name&fields=id&limit=2`, { app: server.app });
    expect(Object.keys((picked.json()['ports'] as Record<string, unknown>[])[0] ?? {})).toEqual(['id', 'name']);
    const none = await call(`${PORTS}?tenant_id=00000000-0000-4000-8000-000000000000`, { app: server.app });
    expect(none.text).toBe('{"ports":[]}');
  });
});
