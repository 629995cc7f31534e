import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GluonError } from '../../src/core/errors/index.js';
import { protonPlugin, type GluonRequestContext } from '../../src/core/http/index.js';
import { loadModels } from '../../src/core/model/index.js';
import { ProtonRegistry } from '../../src/core/registry/index.js';
import { createStore } from '../../src/core/store/index.js';
import { CONFORMANCE_MODELS, HOST, startServer, type TestServer } from './helpers.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { call } from '../setup/http-call.js';

const PORT = {
  tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  mac_address: 'fa:16:3e:00:00:01',
  ...PORT_FIELDS,
};

async function netL3vpn() {
  return loadModels(join(CONFORMANCE_MODELS, 'net-l3vpn', 'api.yaml'), { root: CONFORMANCE_MODELS });
}

describe('OpenAPI and the Swagger UI page', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(await netL3vpn(), { docs: true });
  });
  afterAll(async () => server.close());

  it('serves the OpenAPI document of the registered models', async () => {
    const response = await call('/proton/openapi.json', { app: server.app });
    expect(response.status).toBe(200);
    const doc = response.json();
    expect(String(doc['openapi'])).toMatch(/^3\./);
    expect(Object.keys(doc['paths'] as object)).toContain('/proton/net-l3vpn/v1.0/ports');
  });

  it('renders the Swagger UI page and its assets', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/proton/docs/', headers: { host: HOST } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger-ui');
    const assets = [...page.body.matchAll(/(?:src|href)="\.?\/?(static\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const response = await server.app.inject({ method: 'GET', url: `/proton/docs/${asset}`, headers: { host: HOST } });
      expect(response.statusCode, asset).toBe(200);
    }
    const json = await server.app.inject({ method: 'GET', url: '/proton/docs/json', headers: { host: HOST } });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toHaveProperty('paths');
  });
});

describe('embedding in any fastify app', () => {
  it('neither changes nor depends on the host app settings', async () => {
    const models = await netL3vpn();
    const dir = await mkdtemp(join(tmpdir(), 'gluon-host-'));
    const store = createStore({ url: `sqlite:${join(dir, 'db.sqlite')}` });
    await store.init(models);

    // A host with opinions: ajv type coercion and removeAdditional, its own handlers,
    // its own JSON parser.
    const app = fastify({ ajv: { customOptions: { coerceTypes: 'array', removeAdditional: 'all' } } });
    app.setErrorHandler(async (_err, _req, reply) => reply.code(418).send({ host: 'error' }));
    app.setNotFoundHandler(async (_req, reply) => reply.code(404).send({ host: 'not found' }));
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      done(null, { ...(JSON.parse(String(body)) as object), parsedBy: 'host' });
    });
    app.post('/host', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } } } } }, async (req) => req.body);
    await app.register(protonPlugin, { registry: new ProtonRegistry(models), store, docs: false });
    await app.ready();
    try {
      // The host keeps its behaviour…
      const host = await app.inject({ method: 'POST', url: '/host', payload: { n: '5', x: 1 } });
      expect(host.json()).toEqual({ n: 5 });
      expect((await app.inject({ method: 'GET', url: '/elsewhere' })).json()).toEqual({ host: 'not found' });
      // …and the plugin keeps its own: no coercion by ajv, no silent removal, fault bodies.
      const bogus = await call('/proton/net-l3vpn/v1.0/ports', { app, method: 'POST', body: { ...PORT, bogus: 1 } });
      expect(bogus.status).toBe(400);
      expect(bogus.json()['faultstring']).toBe('Unknown attribute for argument body: bogus');
      const wrongType = await call('/proton/net-l3vpn/v1.0/ports', { app, method: 'POST', body: { ...PORT, name: 12 } });
      expect(wrongType.json()['details']).toEqual([expect.objectContaining({ field: 'name', rule: 'type', value: 12 })]);
      expect((await call('/proton/nowhere', { app })).json()['code']).toBe('GLUON_ERR_ROUTE_NOT_FOUND');
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('works under a prefix and when the host ignores trailing slashes', async () => {
    const models = await netL3vpn();
    const dir = await mkdtemp(join(tmpdir(), 'gluon-prefix-'));
    const store = createStore({ url: `sqlite:${join(dir, 'db.sqlite')}` });
    await store.init(models);
    const app = fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(protonPlugin, { registry: new ProtonRegistry(models), store, docs: false, prefix: '/api' } as never);
    await app.ready();
    try {
      const resources = await call('/api/proton/net-l3vpn/v1.0/', { app });
      expect(resources.status).toBe(200);
      const first = (resources.json()['resources'] as Record<string, unknown>[])[0] as Record<string, unknown>;
      expect(first['links']).toEqual([{ href: 'http://127.0.0.1:2705/api/proton/net-l3vpn/v1.0/ports', rel: 'self' }]);
      expect((await call('/api/proton/net-l3vpn/v1.0/ports/', { app })).status).toBe(200);
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('experimental hooks', () => {
  let server: TestServer;
  const seen: string[] = [];
  beforeAll(async () => {
    server = await startServer(await netL3vpn(), {
      hooks: {
        authorize(request, context: GluonRequestContext) {
          seen.push(`${context.action}:${context.object.name}`);
          expect(request.gluon).toBe(context);
          if (request.headers['x-deny'] === 'yes') {
            throw new GluonError('GLUON_ERR_VALIDATION', 'denied for the test', { status: 403 });
          }
        },
        beforeWrite(_request, context, values) {
          return context.object.name === 'Port' && context.action === 'create' ? { ...values, name: 'from-hook' } : undefined;
        },
        afterWrite(_request, _context, result) {
          return result === null ? undefined : { ...result, vif_type: 'ovs' };
        },
      },
    });
  });
  afterAll(async () => server.close());

  it('lets hooks see the context, refuse, and reshape writes', async () => {
    const created = await call('/proton/net-l3vpn/v1.0/ports', { app: server.app, method: 'POST', body: PORT });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: 'from-hook', vif_type: 'ovs' });
    const denied = await call('/proton/net-l3vpn/v1.0/ports', { app: server.app, headers: { 'x-deny': 'yes' } });
    expect(denied.status).toBe(403);
    expect(seen).toEqual(['create:Port', 'list:Port']);
  });
});

describe('internal errors', () => {
  it('answers 500 GLUON_ERR_INTERNAL without leaking the cause', async () => {
    const server = await startServer(await netL3vpn(), {
      hooks: {
        authorize() {
          throw new Error('secret database password in stack');
        },
      },
    });
    try {
      const response = await call('/proton/net-l3vpn/v1.0/ports', { app: server.app });
      expect(response.status).toBe(500);
      expect(response.json()).toMatchObject({ faultcode: 'Server', code: 'GLUON_ERR_INTERNAL', debuginfo: null, details: [] });
      expect(response.text).not.toContain('secret');
    } finally {
      await server.close();
    }
  });
});

describe('options', () => {
  it('refuses to register without a registry and a store', async () => {
    const app = fastify();
    await expect(app.register(protonPlugin, {} as never).ready()).rejects.toMatchObject({ code: 'GLUON_ERR_CONFIG' });
    await app.close();
  });
});
