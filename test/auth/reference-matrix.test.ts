/**
 * Cross-tenant squatting and existence oracles (issue 11 §1.1, §1.6), with token-file
 * auth over the three bundled models and Gluon's own models: for every attribute that
 * names another object — typed (`type: Port`) or made one by the object's role (a
 * service binding's `interface_id`/`service_id`, a child's parent key) — a member of
 * project B who sets it to project A's object gets exactly the answer of a random id
 * (404 naming the attribute), on create and on update; A's own binding is then still
 * free. B's views of A's port's child routes answer what a random port id answers.
 * And the isolation cells (create into another project, get, update, delete, list) for
 * every object of those models.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken, roleReferences } from '../../src/core/auth/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { CONFORMANCE_MODELS } from '../fixtures/paths.js';
import { validValue } from '../http/model-values.js';
import { BINDING_FIELDS, collectionUrl, type Answer } from './helpers.js';
import { call } from '../setup/http-call.js';

const PA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const PB = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const tokens = { admin: generateApiToken(), a: generateApiToken(), b: generateApiToken() };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gluon-ref-matrix-'));
  const entries = [
    formatTokenEntry({ name: 'admin', sha256: hashApiToken(tokens.admin), userId: 'admin', projectId: 'admin', roles: ['admin'] }),
    formatTokenEntry({ name: 'a', sha256: hashApiToken(tokens.a), userId: 'ua', projectId: PA, roles: ['member'] }),
    formatTokenEntry({ name: 'b', sha256: hashApiToken(tokens.b), userId: 'ub', projectId: PB, roles: ['member'] }),
  ];
  writeFileSync(join(dir, 'tokens.yaml'), `tokens:\n${entries.join('')}`);
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Builds valid bodies whose every reference names a fresh object of the same project. */
class Builder {
  private serial = 0;
  constructor(
    private readonly base: string,
    private readonly api: ApiModel,
  ) {}

  async body(object: ObjectModel, tenant: string, token: string, depth = 0): Promise<Record<string, unknown>> {
    if (depth > 6) throw new Error(`reference chain too deep at ${object.name}`);
    const body: Record<string, unknown> = { tenant_id: tenant };
    const references = new Map(roleReferences(this.api, object).map((r) => [r.attribute, r.targets[0] as ObjectModel]));
    for (const attribute of object.attributes) {
      if (attribute.name === 'tenant_id' || BINDING_FIELDS.has(attribute.name)) continue;
      const target = references.get(attribute.name);
      if (target !== undefined) {
        const created = await this.create(target, tenant, token, depth + 1);
        body[attribute.name] = created[target.primaryKey];
      } else if (attribute.primary && attribute.type === 'uuid') {
        continue;
      } else if (attribute.primary) {
        body[attribute.name] = `k${(this.serial++).toString(36)}${randomUUID().slice(0, 8)}`.slice(0, attribute.length ?? 32);
      } else if (attribute.required) {
        body[attribute.name] = validValue(attribute);
      }
    }
    return body;
  }

  async create(object: ObjectModel, tenant: string, token: string, depth = 0): Promise<Record<string, unknown>> {
    const answer = await call(collectionUrl(this.base, this.api, object), { method: 'POST', token, body: await this.body(object, tenant, token, depth) });
    if (answer.status !== 201) throw new Error(`set-up create ${object.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, unknown>;
  }
}

function expectHidden(answer: Answer, attribute: string, what: string): void {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(404);
  expect(answer.body, what).toMatchObject({ code: 'GLUON_ERR_NOT_FOUND', details: [{ field: attribute, rule: 'reference' }] });
}

/** The answer with the key replaced, so a hidden object's answer can be compared with a random id's. */
function shape(answer: Answer, key: string): string {
  return JSON.stringify({ status: answer.status, body: answer.body }).split(key).join('<key>');
}

const SETS: readonly { readonly name: string; readonly models?: string; readonly apis: readonly string[] }[] = [
  { name: 'bundled models', apis: ['net-l3vpn', 'ietf-sfc', 'test'] },
  { name: "Gluon's own models", models: CONFORMANCE_MODELS, apis: ['net-l3vpn', 'ietf-sfc', 'test'] },
];

describe.each(SETS)('references across projects ($name)', ({ models, apis }) => {
  let server: ProtonServer;

  beforeAll(async () => {
    const policy = join(dir, `open-lists-${randomUUID()}.yaml`);
    // Lists opened to members (scoped to their project), so a child list is not a plain 403.
    writeFileSync(policy, apis.map((api) => `"${api}:list_interfaces": "rule:admin_or_owner"\n`).join(''));
    server = await createProtonServer({
      db: `sqlite:${join(dir, `${randomUUID()}.db`)}`,
      port: 0,
      mirror: false,
      logger: { level: 'silent' },
      auth: { strategy: 'token-file', tokenFile: join(dir, 'tokens.yaml') },
      policyFile: policy,
      ...(models === undefined ? {} : { models }),
    });
    await server.listen();
  }, 60_000);
  afterAll(async () => server?.close());

  it('serves the three APIs', () => {
    expect(server.registry.list().map((a) => a.name).sort()).toEqual([...apis].sort());
  });

  for (const apiName of apis) {
    it(`${apiName}: every reference refuses another project's object exactly as a random id, on create and update`, async () => {
      const api = server.registry.list().find((a) => a.name === apiName) as ApiModel;
      const builder = new Builder(server.url, api);
      let checked = 0;
      for (const object of api.objects) {
        for (const reference of roleReferences(api, object)) {
          for (const target of reference.targets) {
            const what = `${apiName} ${object.name}.${reference.attribute} → ${target.name}`;
            const theirs = await builder.create(target, PA, tokens.a);
            const theirKey = String(theirs[target.primaryKey]);
            const randomKey = target.attributes.find((a) => a.name === target.primaryKey)?.type === 'uuid' ? randomUUID() : `r${randomUUID().slice(0, 8)}`;
            const url = collectionUrl(server.url, api, object);

            const squat = await call(url, { method: 'POST', token: tokens.b, body: { ...(await builder.body(object, PB, tokens.b)), [reference.attribute]: theirKey } });
            expectHidden(squat, reference.attribute, `${what} (create)`);
            const random = await call(url, { method: 'POST', token: tokens.b, body: { ...(await builder.body(object, PB, tokens.b)), [reference.attribute]: randomKey } });
            expect(shape(squat, theirKey), `${what}: hidden = random`).toBe(shape(random, randomKey));

            // the owner may still use her object (no squatted key left behind)
            const own = await call(url, { method: 'POST', token: tokens.a, body: { ...(await builder.body(object, PA, tokens.a)), [reference.attribute]: theirKey } });
            expect(own.status, `${what} (owner): ${JSON.stringify(own.body)}`).toBe(201);

            const attribute = object.attributes.find((a) => a.name === reference.attribute);
            if (attribute !== undefined && !attribute.primary) {
              const mine = await builder.create(object, PB, tokens.b);
              const memberUrl = `${url}/${encodeURIComponent(String(mine[object.primaryKey]))}`;
              const moved = await call(memberUrl, { method: 'PUT', token: tokens.b, body: { [reference.attribute]: theirKey } });
              expectHidden(moved, reference.attribute, `${what} (update)`);
              const after = await call(memberUrl, { token: tokens.admin });
              expect((after.body as Record<string, unknown>)[reference.attribute], `${what}: update changed nothing`).toBe(mine[reference.attribute]);
            }
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    }, 120_000);

    it(`${apiName}: isolation cells of every object (owner, other project, admin)`, async () => {
      const api = server.registry.list().find((a) => a.name === apiName) as ApiModel;
      const builder = new Builder(server.url, api);
      for (const object of api.objects) {
        const url = collectionUrl(server.url, api, object);
        const memberUrl = (item: Record<string, unknown>): string => `${url}/${encodeURIComponent(String(item[object.primaryKey]))}`;
        const cell = (caller: string, action: string): string => `${apiName} ${object.name}: ${caller} ${action}`;
        const patch = (): Record<string, unknown> => {
          const attribute = object.attributes.find((a) => !a.primary && !a.naturalKey && a.name !== 'tenant_id' && !BINDING_FIELDS.has(a.name) && !roleReferences(api, object).some((r) => r.attribute === a.name));
          if (attribute === undefined) throw new Error(`no attribute of ${object.name} to update`);
          return { [attribute.name]: validValue(attribute) };
        };

        // another project's member: refused to create in A's project, A's object hidden (404)
        const intoTheirs = await call(url, { method: 'POST', token: tokens.b, body: await builder.body(object, PA, tokens.a) });
        expect(intoTheirs.status, `${cell('other', 'create')}: ${JSON.stringify(intoTheirs.body)}`).toBe(403);
        const item = await builder.create(object, PA, tokens.a);
        for (const [action, answer] of [
          ['get', await call(memberUrl(item), { token: tokens.b })],
          ['update', await call(memberUrl(item), { method: 'PUT', token: tokens.b, body: patch() })],
          ['delete', await call(memberUrl(item), { method: 'DELETE', token: tokens.b })],
        ] as const) {
          expect(answer.status, `${cell('other', action)}: ${JSON.stringify(answer.body)}`).toBe(404);
          expect(answer.body, cell('other', action)).toMatchObject({ code: 'GLUON_ERR_NOT_FOUND' });
        }
        const list = await call(url, { token: tokens.b });
        if (list.status === 200) expect(JSON.stringify(list.body), cell('other', 'list')).not.toContain(String(item[object.primaryKey]));
        else expect(list.status, cell('other', 'list')).toBe(403);

        // the owner and an admin
        expect((await call(memberUrl(item), { token: tokens.a })).status, cell('owner', 'get')).toBe(200);
        const updated = await call(memberUrl(item), { method: 'PUT', token: tokens.a, body: patch() });
        expect(updated.status, `${cell('owner', 'update')}: ${JSON.stringify(updated.body)}`).toBe(200);
        expect((await call(memberUrl(item), { token: tokens.admin })).status, cell('admin', 'get')).toBe(200);
        expect((await call(memberUrl(item), { method: 'DELETE', token: tokens.a })).status, cell('owner', 'delete')).toBe(204);
        expect((await call(memberUrl(item), { token: tokens.admin })).status, `${cell('owner', 'delete')} effect`).toBe(404);
      }
    }, 120_000);

    it(`${apiName}: another project's port's child routes answer what a random port answers`, async () => {
      const api = server.registry.list().find((a) => a.name === apiName) as ApiModel;
      const ports = api.objects.find((o) => o.role === 'port') as ObjectModel;
      const child = api.objects.find((o) => o.api.parent === ports.name) as ObjectModel;
      const builder = new Builder(server.url, api);
      const port = await builder.create(ports, PA, tokens.a);
      const portKey = String(port[ports.primaryKey]);
      const randomKey = randomUUID();
      const base = collectionUrl(server.url, api, ports);
      const childBody = await builder.body(child, PB, tokens.b);
      delete childBody[child.api.parentKey ?? ''];
      const probes: [string, (key: string) => Promise<Answer>][] = [
        ['list', (key) => call(`${base}/${key}/${child.api.plural}`, { token: tokens.b })],
        ['get', (key) => call(`${base}/${key}/${child.api.plural}/${portKey}`, { token: tokens.b })],
        ['update', (key) => call(`${base}/${key}/${child.api.plural}/${portKey}`, { method: 'PUT', token: tokens.b, body: { name: 'x' } })],
        ['delete', (key) => call(`${base}/${key}/${child.api.plural}/${portKey}`, { method: 'DELETE', token: tokens.b })],
        ['create', (key) => call(`${base}/${key}/${child.api.plural}`, { method: 'POST', token: tokens.b, body: childBody })],
      ];
      for (const [action, probe] of probes) {
        const hidden = await probe(portKey);
        const random = await probe(randomKey);
        expect(hidden.status, `${action}: ${JSON.stringify(hidden.body)}`).toBe(404);
        expect(shape(hidden, portKey).split(randomKey).join('<key>'), action).toBe(shape(random, randomKey).split(portKey).join('<key>'));
      }
      // the owner still sees her port's children
      const owner = await call(`${base}/${portKey}/${child.api.plural}`, { token: tokens.a });
      expect(owner.status, JSON.stringify(owner.body)).toBe(200);
    }, 60_000);
  }
});
