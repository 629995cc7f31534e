import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { describe, expect, it } from 'vitest';
import { toOpenApi, toRoutes, versionRoot, type OpenApiDocument } from '../../src/core/model/index.js';
import { makeAjv } from './ajv.js';
import { chain, netL3vpn } from './fixtures.js';

type Json = Record<string, unknown>;
const doc = toOpenApi([netL3vpn, chain], { title: 'gluon-net', version: '0.1.0', serverUrl: 'http://127.0.0.1:2705' }) as Json;
const paths = doc['paths'] as Record<string, Record<string, Json>>;

/** Every `$ref` in `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
}

describe('toOpenApi', () => {
  it('is an OpenAPI 3.0 document with a path per route of every API', () => {
    expect(doc['openapi']).toBe('3.0.3');
    expect(doc['info']).toEqual({ title: 'gluon-net', version: '0.1.0' });
    expect(doc['servers']).toEqual([{ url: 'http://127.0.0.1:2705' }]);
    const expected = [netL3vpn, chain].flatMap((api) =>
      toRoutes(api).map((r) => versionRoot(api) + r.path.replace(/:(\w+)/g, '{$1}')),
    );
    expect(Object.keys(paths)).toEqual(expected);
    expect(paths['/proton/net-l3vpn/v1.0/ports/{port_id}/interfaces/{id}']).toHaveProperty('put');
  });

  it('declares every path parameter, and If-Match on PUT and DELETE', () => {
    for (const [path, item] of Object.entries(paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const params = op['parameters'] as Json[];
        expect(params.filter((p) => p['in'] === 'path').map((p) => p['name']), `${method} ${path}`).toEqual(names);
        if (method === 'put' || method === 'delete') expect(params.some((p) => p['name'] === 'If-Match' && p['in'] === 'header')).toBe(true);
      }
    }
  });

  it('lists take filters, fields, limit, marker and sort parameters', () => {
    const list = paths['/proton/net-l3vpn/v1.0/ports']?.['get'] as Json;
    const names = (list['parameters'] as Json[]).map((p) => p['name']);
    expect(names).toEqual(expect.arrayContaining(['mac_address', 'status', 'tenant_id', 'fields', 'limit', 'marker', 'sort_key', 'sort_dir']));
    const status = (list['parameters'] as Json[]).find((p) => p['name'] === 'status');
    expect(status).toMatchObject({ in: 'query', style: 'form', explode: true, schema: { type: 'array', items: { type: 'string', enum: ['ACTIVE', 'DOWN'] } } });
  });

  it('answers 4xx with the fault schema and uses the right success codes', () => {
    const fault = resolve('#/components/schemas/Fault') as Json;
    expect(Object.keys(fault['properties'] as Json)).toEqual(['faultcode', 'faultstring', 'debuginfo', 'code', 'details']);
    const ports = paths['/proton/net-l3vpn/v1.0/ports/{id}'] as Record<string, Json>;
    expect(Object.keys(ports['delete']?.['responses'] as Json)).toEqual(['204', '400', '401', '403', '404', '409', '412']);
    expect(Object.keys((paths['/proton/net-l3vpn/v1.0/ports'] as Record<string, Json>)['post']?.['responses'] as Json)).toContain('201');
    for (const item of Object.values(paths)) {
      for (const op of Object.values(item)) {
        for (const [status, response] of Object.entries(op['responses'] as Json)) {
          if (status.startsWith('4')) expect(response).toEqual({ $ref: `#/components/responses/Fault${status}` });
        }
      }
    }
  });

  it('every $ref resolves, operationIds are unique, and component schemas compile', () => {
    for (const ref of refs(doc)) expect(resolve(ref), ref).toBeDefined();
    const ids = Object.values(paths).flatMap((item) => Object.values(item).map((op) => op['operationId']));
    expect(new Set(ids).size).toBe(ids.length);
    const schemas = (doc['components'] as Json)['schemas'] as Json;
    const ajv = makeAjv(false);
    for (const [name, schema] of Object.entries(schemas)) {
      if (refs(schema).length === 0) expect(() => ajv.compile(structuredClone(schema) as object), name).not.toThrow();
    }
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"const"');
    const falseProps: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const props = (node as Json)['properties'];
      if (typeof props === 'object' && props !== null) {
        for (const [k, v] of Object.entries(props)) if (v === false) falseProps.push(k);
      }
      Object.values(node).forEach(walk);
    };
    walk(doc);
    expect(falseProps).toEqual([]);
  });

  it('child create bodies do not require the parent key', () => {
    const post = (paths['/proton/net-l3vpn/v1.0/ports/{port_id}/interfaces'] as Record<string, Json>)['post'] as Json;
    const ref = refs(post['requestBody'])[0] ?? '';
    expect((resolve(ref) as Json)['required']).not.toContain('port_id');
    expect((resolve('#/components/schemas/net-l3vpn.v1.0.InterfaceCreate') as Json)['required']).toContain('port_id');
  });

  it('is deterministic', () => {
    const again: OpenApiDocument = toOpenApi([netL3vpn, chain], { title: 'gluon-net', version: '0.1.0', serverUrl: 'http://127.0.0.1:2705' });
    expect(again).toEqual(doc);
  });

  it('is accepted by @fastify/swagger in static mode', async () => {
    const app = Fastify();
    await app.register(swagger, { mode: 'static', specification: { document: structuredClone(doc) as never } });
    await app.ready();
    const served = app.swagger() as Json;
    expect(Object.keys(served['paths'] as Json)).toEqual(Object.keys(paths));
    await app.close();
  });
});
