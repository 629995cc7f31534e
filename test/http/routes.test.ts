import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/core/model/index.js';
import { BACKENDS, CONFORMANCE_MODELS, startServer, type TestServer } from './helpers.js';
import { writeDemoModels } from './demo-models.js';
import { call } from '../setup/http-call.js';

const V1 = '/proton/demo/v1.0';
const V2 = '/proton/demo/v2.0';

describe.each(BACKENDS)('REST API on %s', (backend) => {
  let server: TestServer;
  let modelsDir: string;

  beforeAll(async () => {
    modelsDir = await writeDemoModels();
    const netL3vpn = await loadModels(join(CONFORMANCE_MODELS, 'net-l3vpn', 'api.yaml'), { root: CONFORMANCE_MODELS });
    server = await startServer([...(await loadModels(modelsDir)), ...netL3vpn], {}, backend);
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  async function create(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await call(url, { app: server.app, method: 'POST', body });
    expect(response.status, response.text).toBe(201);
    return response.json();
  }

  describe('discovery', () => {
    it('serves the root document with hrefs built from the request host', async () => {
      const response = await call('/', { app: server.app });
      expect(response.status).toBe(200);
      expect(response.json()['default_version']).toEqual({
        status: 'CURRENT',
        id: 'proton',
        links: [{ href: 'http://127.0.0.1:2705/proton/', rel: 'self' }],
      });
    });

    it('lists every hosted Proton at /proton and /proton/', async () => {
      for (const url of ['/proton', '/proton/']) {
        const response = await call(url, { app: server.app });
        expect(response.status).toBe(200);
        const protons = response.json()['protons'] as Record<string, unknown>[];
        expect(protons.map((p) => p['proton_service']).sort()).toEqual(['demo', 'net-l3vpn']);
      }
    });

    it('serves several versions side by side; the default is the newest', async () => {
      for (const url of ['/proton/demo', '/proton/demo/']) {
        const body = (await call(url, { app: server.app })).json();
        expect((body['default_version'] as Record<string, unknown>)['version_id']).toBe('v2.0');
        expect((body['versions'] as Record<string, unknown>[]).map((v) => v['version_id']).sort()).toEqual(['v1.0', 'v2.0']);
      }
      const v1 = (await call(`${V1}/`, { app: server.app })).json()['resources'] as Record<string, unknown>[];
      const v2 = (await call(V2, { app: server.app })).json()['resources'] as Record<string, unknown>[];
      expect(v1.map((r) => r['resource_name'])).toEqual(['sites', 'racks', 'hosts']);
      expect(v2.map((r) => r['resource_name'])).toEqual(['sites', 'racks', 'hosts', 'tags']);
      expect(v2[3]).toEqual({
        resource_name: 'tags',
        proton_service: 'demo',
        version_id: 'v2.0',
        status: 'CURRENT',
        links: [{ href: 'http://127.0.0.1:2705/proton/demo/v2.0/tags', rel: 'self' }],
      });
      expect((await call(`${V1}/tags`, { app: server.app })).status).toBe(404);
    });
  });

  describe('child routes honour every parent in the chain', () => {
    let s1: string;
    let s2: string;
    let r1: string;
    let h1: string;

    beforeAll(async () => {
      s1 = (await create(`${V1}/sites`, { name: 's1' }))['id'] as string;
      s2 = (await create(`${V1}/sites`, { name: 's2' }))['id'] as string;
      r1 = (await create(`${V1}/sites/${s1}/racks`, { name: 'r1' }))['id'] as string;
      const host = await create(`${V1}/sites/${s1}/racks/${r1}/hosts`, { name: 'h1', weight: 3 });
      h1 = host['id'] as string;
      expect(host['rack_id']).toBe(r1);
    });

    it('finds a child under its real parents and 404s under any other', async () => {
      expect((await call(`${V1}/sites/${s1}/racks/${r1}/hosts/${h1}`, { app: server.app })).status).toBe(200);
      expect((await call(`${V1}/racks/${r1}/hosts/${h1}`, { app: server.app })).status).toBe(200);
      const wrongGrandparent = await call(`${V1}/sites/${s2}/racks/${r1}/hosts/${h1}`, { app: server.app });
      expect(wrongGrandparent.status).toBe(404);
      expect(wrongGrandparent.json()['code']).toBe('GLUON_ERR_NOT_FOUND');
      expect((await call(`${V1}/sites/${s2}/racks/${r1}/hosts`, { app: server.app })).status).toBe(404);
      expect((await call(`${V1}/sites/${s2}/racks/${r1}/hosts/${h1}`, { app: server.app, method: 'PUT', body: { name: 'x' } })).status).toBe(404);
      expect((await call(`${V1}/sites/${s2}/racks/${r1}/hosts/${h1}`, { app: server.app, method: 'DELETE' })).status).toBe(404);
      expect((await call(`${V1}/sites/${s2}/racks/${r1}/hosts`, { app: server.app, method: 'POST', body: { name: 'x' } })).status).toBe(404);
      const otherRack = (await create(`${V1}/sites/${s2}/racks`, { name: 'r2' }))['id'] as string;
      expect((await call(`${V1}/racks/${otherRack}/hosts/${h1}`, { app: server.app })).status).toBe(404);
      const list = (await call(`${V1}/sites/${s1}/racks/${r1}/hosts`, { app: server.app })).json()['hosts'] as unknown[];
      expect(list).toHaveLength(1);
    });

    it('answers 400 GLUON_ERR_PARENT_MISMATCH when the body names another parent', async () => {
      const other = (await create(`${V1}/sites/${s1}/racks`, { name: 'r3' }))['id'] as string;
      const post = await call(`${V1}/racks/${r1}/hosts`, { app: server.app, method: 'POST', body: { name: 'x', rack_id: other } });
      expect(post.status).toBe(400);
      expect(post.json()).toMatchObject({
        faultcode: 'Client',
        code: 'GLUON_ERR_PARENT_MISMATCH',
        faultstring: `API parent identifier(rack_id): ${other} does not match parent key value: ${r1}`,
        details: [{ field: 'rack_id', rule: 'parent', value: other }],
      });
      const put = await call(`${V1}/racks/${r1}/hosts/${h1}`, { app: server.app, method: 'PUT', body: { rack_id: other } });
      expect(put.json()['code']).toBe('GLUON_ERR_PARENT_MISMATCH');
      const same = await call(`${V1}/racks/${r1}/hosts`, { app: server.app, method: 'POST', body: { name: 'same', rack_id: r1 } });
      expect(same.status).toBe(201);
    });

    it('validates parent ids in the URL with their key type', async () => {
      const response = await call(`${V1}/racks/not-a-uuid/hosts`, { app: server.app });
      expect(response.status).toBe(400);
      expect(response.json()['details']).toEqual([expect.objectContaining({ field: 'rack_id', rule: 'format', value: 'not-a-uuid' })]);
    });
  });

  describe('faults for everything that can go wrong', () => {
    it('renders unknown routes as a JSON 404 fault', async () => {
      for (const url of ['/proton/nope', '/proton/demo/v9.0', `${V1}/nothing`, `${V1}/sites/x/y/z/w`]) {
        const response = await call(url, { app: server.app });
        expect(response.status).toBe(404);
        expect(response.json()).toMatchObject({ faultcode: 'Client', debuginfo: null, code: 'GLUON_ERR_ROUTE_NOT_FOUND' });
      }
    });

    it('answers 404 for an unknown key', async () => {
      const response = await call(`${V1}/sites/00000000-0000-4000-8000-000000000000`, { app: server.app });
      expect(response.status).toBe(404);
      expect(response.json()).toMatchObject({ faultcode: 'Client', code: 'GLUON_ERR_NOT_FOUND' });
    });

    it('answers 405 with Allow for a method a route does not take', async () => {
      const collection = await call(`${V1}/sites`, { app: server.app, method: 'DELETE' });
      expect(collection.status).toBe(405);
      expect(collection.headers['allow']).toBe('GET, POST');
      expect(collection.json()['code']).toBe('GLUON_ERR_METHOD_NOT_ALLOWED');
      const member = await call(`${V1}/sites/00000000-0000-4000-8000-000000000000`, { app: server.app, method: 'PATCH', body: {} });
      expect(member.status).toBe(405);
      expect(member.headers['allow']).toBe('GET, PUT, DELETE');
      expect((await call('/proton/', { app: server.app, method: 'POST' })).headers['allow']).toBe('GET');
    });

    it('answers 415 for a body that is not JSON', async () => {
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
        const response = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: '{"name":"x"}', headers: { 'content-type': type } });
        expect(response.status, type).toBe(415);
        expect(response.json()).toMatchObject({ faultcode: 'Client', code: 'GLUON_ERR_UNSUPPORTED_MEDIA_TYPE' });
      }
    });

    it('accepts the JavaScript media types the original accepted', async () => {
      const response = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: '{"name":"js"}', headers: { 'content-type': 'text/javascript' } });
      expect(response.status).toBe(201);
    });

    it('answers 400 for malformed JSON, a missing body and a non-object body', async () => {
      const bad = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: '{not json' });
      expect(bad.status).toBe(400);
      expect(bad.json()).toMatchObject({ faultstring: 'Request is not in valid JSON format', code: 'GLUON_ERR_BAD_JSON' });
      const empty = await call(`${V1}/sites`, { app: server.app, method: 'POST' });
      expect(empty.status).toBe(400);
      expect(empty.json()['faultstring']).toBe('Missing argument: "body"');
      const emptyJson = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
      expect(emptyJson.status).toBe(400);
      for (const body of ['[1]', '"x"', '3', 'null']) {
        const response = await call(`${V1}/sites`, { app: server.app, method: 'POST', body });
        expect(response.status, body).toBe(400);
        expect(response.json()['code']).toBe('GLUON_ERR_VALIDATION');
      }
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });
      expect(response.status).toBe(413);
      expect(response.json()['code']).toBe('GLUON_ERR_BODY_TOO_LARGE');
    });

    it('rejects read-only fields and primary key changes', async () => {
      const site = await create(`${V1}/sites`, { name: 'ro' });
      const readOnly = await call(`${V1}/sites`, { app: server.app, method: 'POST', body: { name: 'x', created_at: '2020-01-01T00:00:00Z' } });
      expect(readOnly.status).toBe(400);
      expect(readOnly.json()).toMatchObject({
        code: 'GLUON_ERR_IMMUTABLE_FIELD',
        faultstring: "Invalid input for field/attribute created_at. Value: '2020-01-01T00:00:00Z'. Cannot set read only field.",
      });
      const revision = await call(`${V1}/sites/${String(site['id'])}`, { app: server.app, method: 'PUT', body: { revision_number: 9 } });
      expect(revision.json()['code']).toBe('GLUON_ERR_IMMUTABLE_FIELD');
      const key = await call(`${V1}/sites/${String(site['id'])}`, { app: server.app, method: 'PUT', body: { id: '00000000-0000-4000-8000-000000000000' } });
      expect(key.status).toBe(400);
      expect(key.json()).toMatchObject({ code: 'GLUON_ERR_IMMUTABLE_FIELD', details: [{ field: 'id', rule: 'immutable' }] });
      const sameKey = await call(`${V1}/sites/${String(site['id'])}`, { app: server.app, method: 'PUT', body: { id: site['id'], name: 'renamed' } });
      expect(sameKey.status).toBe(200);
      expect(sameKey.json()['name']).toBe('renamed');
    });

    it('answers 400 naming the object for a dangling reference', async () => {
      const response = await call(`${V1}/racks`, { app: server.app, method: 'POST', body: { name: 'orphan', site_id: '00000000-0000-4000-8000-000000000000' } });
      expect(response.status).toBe(400);
      expect(response.json()).toMatchObject({ code: 'GLUON_ERR_REFERENCE_NOT_FOUND', details: [{ field: 'site_id', rule: 'reference' }] });
      expect(response.json()['faultstring']).toContain('Site');
    });

    it('rejects query parameters on writes', async () => {
      const response = await call(`${V1}/sites?x=1`, { app: server.app, method: 'POST', body: { name: 'q' } });
      expect(response.status).toBe(400);
      expect(response.json()['faultstring']).toBe('Unknown argument: "x"');
    });
  });

  describe('If-Match optimistic concurrency', () => {
    it('updates and deletes only the revision named, 412 otherwise', async () => {
      const site = await create(`${V1}/sites`, { name: 'rev' });
      const url = `${V1}/sites/${String(site['id'])}`;
      expect(site['revision_number']).toBe(1);
      const got = await call(url, { app: server.app });
      expect(got.headers['etag']).toBe('"revision_number=1"');

      const ok = await call(url, { app: server.app, method: 'PUT', body: { name: 'rev2' }, headers: { 'if-match': 'revision_number=1' } });
      expect(ok.status).toBe(200);
      expect(ok.json()['revision_number']).toBe(2);
      expect(ok.headers['etag']).toBe('"revision_number=2"');

      const stale = await call(url, { app: server.app, method: 'PUT', body: { name: 'rev3' }, headers: { 'if-match': 'revision_number=1' } });
      expect(stale.status).toBe(412);
      expect(stale.json()).toMatchObject({ faultcode: 'Client', code: 'GLUON_ERR_PRECONDITION_FAILED' });

      const malformed = await call(url, { app: server.app, method: 'PUT', body: { name: 'rev3' }, headers: { 'if-match': 'yesterday' } });
      expect(malformed.status).toBe(400);
      expect(malformed.json()['code']).toBe('GLUON_ERR_BAD_PRECONDITION');

      expect((await call(url, { app: server.app, method: 'DELETE', headers: { 'if-match': '"revision_number=1"' } })).status).toBe(412);
      const deleted = await call(url, { app: server.app, method: 'DELETE', headers: { 'if-match': '"revision_number=2"' } });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await call(url, { app: server.app })).status).toBe(404);
    });
  });

  describe('filters, fields, paging and sorting', () => {
    let rack: string;
    const url = (): string => `${V2}/racks/${rack}/hosts`;

    beforeAll(async () => {
      const site = (await create(`${V2}/sites`, { name: 'paging' }))['id'] as string;
      rack = (await create(`${V2}/sites/${site}/racks`, { name: 'r' }))['id'] as string;
      for (let i = 0; i < 25; i++) {
        await create(url(), { name: `h${String(i).padStart(2, '0')}`, weight: i % 5, up: i % 2 === 0 });
      }
    });

    it('filters by typed attribute values; a repeated key means OR', async () => {
      const hosts = (q: string) => call(`${url()}?${q}`, { app: server.app }).then((r) => r.json()['hosts'] as Record<string, unknown>[]);
      expect(await hosts('weight=3')).toHaveLength(5);
      expect(await hosts('weight=3&weight=4')).toHaveLength(10);
      expect(await hosts('weight=3&up=yes')).toHaveLength(2);
      expect((await hosts('name=h07')).map((h) => h['name'])).toEqual(['h07']);
      const bad = await call(`${url()}?weight=heavy`, { app: server.app });
      expect(bad.status).toBe(400);
      expect(bad.json()['details']).toEqual([expect.objectContaining({ field: 'weight', value: 'heavy' })]);
      const unknown = await call(`${url()}?colour=red`, { app: server.app });
      expect(unknown.json()).toMatchObject({ faultstring: 'Unknown argument: "colour"', details: [{ field: 'colour', rule: 'unknown' }] });
    });

    it('returns only the requested fields, in lists and members', async () => {
      const list = (await call(`${url()}?fields=id&fields=weight&limit=2`, { app: server.app })).json()['hosts'] as Record<string, unknown>[];
      expect(list.map((h) => Object.keys(h).sort())).toEqual([['id', 'weight'], ['id', 'weight']]);
      const comma = (await call(`${url()}?fields=name,revision_number&limit=1`, { app: server.app })).json()['hosts'] as Record<string, unknown>[];
      expect(Object.keys(comma[0] ?? {}).sort()).toEqual(['name', 'revision_number']);
      const one = list[0] as Record<string, unknown>;
      const member = await call(`${V2}/hosts/${String(one['id'])}?fields=name`, { app: server.app });
      expect(Object.keys(member.json())).toEqual(['name']);
      expect((await call(`${url()}?fields=nope`, { app: server.app })).status).toBe(400);
    });

    it('walks all 25 objects in pages of 10 through the next links', async () => {
      const seen: string[] = [];
      let next: string | undefined = `${url()}?limit=10`;
      let pages = 0;
      while (next !== undefined) {
        const body = (await call(next, { app: server.app })).json();
        const hosts = body['hosts'] as Record<string, unknown>[];
        seen.push(...hosts.map((h) => h['id'] as string));
        pages++;
        const links = body['hosts_links'] as { href: string; rel: string }[] | undefined;
        if (links === undefined) {
          next = undefined;
        } else {
          expect(links).toEqual([{ href: expect.stringMatching(/^http:\/\/127\.0\.0\.1:2705\/proton\/demo\/v2\.0\/racks\/.+\/hosts\?limit=10&marker=/), rel: 'next' }]);
          const href = new URL(links[0]?.href ?? '');
          next = `${href.pathname}${href.search}`;
        }
        expect(pages).toBeLessThan(5);
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
    });

    it('sorts by sort_key/sort_dir pairs', async () => {
      const body = (await call(`${url()}?sort_key=weight&sort_dir=desc&sort_key=name&sort_dir=asc`, { app: server.app })).json();
      const hosts = body['hosts'] as Record<string, unknown>[];
      const expected = [...hosts].sort((a, b) => (b['weight'] as number) - (a['weight'] as number) || String(a['name']).localeCompare(String(b['name'])));
      expect(hosts.map((h) => h['name'])).toEqual(expected.map((h) => h['name']));
      expect(hosts[0]?.['weight']).toBe(4);
      expect((await call(`${url()}?sort_key=bogus`, { app: server.app })).status).toBe(400);
      expect((await call(`${url()}?sort_key=name&sort_dir=sideways`, { app: server.app })).status).toBe(400);
      expect((await call(`${url()}?limit=0`, { app: server.app })).status).toBe(400);
      expect((await call(`${url()}?limit=1001`, { app: server.app })).status).toBe(400);
    });
  });
});
