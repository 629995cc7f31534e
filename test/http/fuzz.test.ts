import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels, toRoutes, type ApiModel, type ObjectModel, type RouteDescription } from '../../src/core/model/index.js';
import { HOST, bundledModelsPath, startServer, type TestServer } from './helpers.js';
import { INVALID_FORMAT, validValue } from './model-values.js';

const models: readonly ApiModel[] = await loadModels(await bundledModelsPath());

interface Target {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly route: RouteDescription;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
}

const targets: Target[] = models.flatMap((api) =>
  toRoutes(api).flatMap((route) => {
    const object = api.objects.find((o) => o.name === route.object) as ObjectModel;
    return [...route.methods, 'PATCH' as const].map((method) => ({ api, object, route, method }));
  }),
);

/** Ids the server handed out, per object, so generated URLs often hit real objects. */
const pool = new Map<string, string[]>();

const weirdText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.uuid(),
  fc.constantFrom('', ' ', '%', '..', 'null', 'true', '-1', '1e99', '0x10', '😀', 'a/b', '%00', '\u0000', '9'.repeat(40)),
  fc.constantFrom(...Object.values(INVALID_FORMAT)),
);

const jsonish = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue({ maxDepth: 2 }),
  weirdText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const request = fc.record({
  target: fc.nat({ max: targets.length - 1 }),
  params: fc.array(fc.oneof(fc.record({ pool: fc.nat() }), fc.record({ text: weirdText })), { minLength: 4, maxLength: 4 }),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'id', 'name', 'tenant_id', 'status', 'mtu'), fc.string({ maxLength: 6 })), weirdText), { maxLength: 3 }),
  body: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        mutations: fc.oneof(
          fc.constant([] as [number, 'delete' | 'set', unknown][]),
          fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete' as const, 'set' as const), jsonish), { maxLength: 3 }),
        ),
        extra: fc.option(fc.tuple(fc.string({ maxLength: 6 }), jsonish), { freq: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ raw: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))) }) },
  ),
  queryOnWrite: fc.nat({ max: 4 }).map((n) => n === 0),
  contentType: fc.oneof(fc.constant('application/json'), fc.constant('application/json'), fc.constantFrom('text/plain', 'application/xml', 'text/javascript', '')),
  ifMatch: fc.option(fc.oneof(fc.nat({ max: 5 }).map((n) => `revision_number=${n}`), weirdText), { freq: 3 }),
});

function validBody(object: ObjectModel): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const attribute of object.attributes) {
    if (attribute.required && !attribute.primary) body[attribute.name] = validValue(attribute);
  }
  return body;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer(models);
});
afterAll(async () => server.close());

describe('property: random and mutated requests never cause a 5xx', () => {
  it('answers ≥ 10,000 random requests to every route of every bundled model with 2xx/4xx only', async () => {
    let sent = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const target = targets[input.target] as Target;
        let paramIndex = 0;
        const path = target.route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, _name: string) => {
          const param = target.route.params[paramIndex];
          const choice = input.params[paramIndex++] ?? { text: 'x' };
          const ids = pool.get(`${target.api.name}/${param?.object ?? ''}`) ?? [];
          const value = 'pool' in choice && ids.length > 0 ? (ids[choice.pool % ids.length] as string) : 'text' in choice ? choice.text : 'x';
          return encodeURIComponent(value);
        });
        const withQuery = target.method === 'GET' || input.queryOnWrite;
        const search = withQuery ? new URLSearchParams(input.query).toString() : '';
        const url = `/proton/${target.api.name}/${target.api.versionId}${path}${search === '' ? '' : `?${search}`}`;

        let payload: string | undefined;
        if (target.method === 'POST' || target.method === 'PUT' || target.method === 'PATCH') {
          if ('raw' in input.body) {
            payload = input.body.raw;
          } else {
            const body = target.method === 'POST' ? validBody(target.object) : {};
            const names = target.object.attributes.map((a) => a.name);
            for (const [index, op, value] of input.body.mutations) {
              const name = names[index % names.length] as string;
              if (op === 'delete') delete body[name];
              else body[name] = value;
            }
            if (input.body.extra !== null) body[input.body.extra[0]] = input.body.extra[1];
            payload = JSON.stringify(body);
          }
        }
        const headers: Record<string, string> = { host: HOST };
        if (payload !== undefined && input.contentType !== '') headers['content-type'] = input.contentType;
        if (input.ifMatch !== null) headers['if-match'] = input.ifMatch;

        const response = await server.app.inject({ method: target.method, url, headers, ...(payload === undefined ? {} : { payload }) });
        sent++;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) throw new Error(`${target.method} ${url} ${payload ?? ''} → ${response.statusCode} ${response.body}`);
        if (response.statusCode >= 400) {
          const fault = response.json() as Record<string, unknown>;
          expect(fault['faultcode']).toBe('Client');
          expect(String(fault['code'])).toMatch(/^GLUON_ERR_/);
        }
        if (response.statusCode === 201) {
          const created = response.json() as Record<string, unknown>;
          const key = `${target.api.name}/${target.object.name}`;
          const ids = pool.get(key) ?? [];
          ids.push(String(created[target.object.primaryKey]));
          pool.set(key, ids);
        }
      }),
      { numRuns: 10_000 },
    );
    console.log('status mix', JSON.stringify([...statuses.entries()].sort()));
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // The mix reaches the store, not only the validator.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
