/**
 * The isolation matrix with REAL Keystone tokens: {admin, owner project member, other
 * project member, reader, no token, garbage token, revoked token} × {create, get, list,
 * update, delete} × every API object of net-l3vpn. The expected cell of each caller is
 * built from the rules documented in docs/security.md (bundled models, no policy file),
 * not from the implementation:
 *
 * | caller | create (own-project body) | get | list | update | delete |
 * |---|---|---|---|---|---|
 * | admin | 201 | 200 | 200, every project | 200 | 204 |
 * | owner (member of tenant1) | 201 | 200 | 403 (`list: rule:admin`) | 200 | 204 |
 * | other (member of tenant2) | 403 | 404 | 403 | 404 | 404 |
 * | reader (reader only, tenant1) | 403 | 200 | 403 | 403 | 403 |
 * | no / garbage / revoked token | 401 | 401 | 401 | 401 | 401 |
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeystoneAuthenticator, createKeystoneTokenProvider } from '../../src/core/auth/index.js';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { KEYSTONE_START_MS, startKeystone, type KeystoneInstance } from '../setup/keystone.js';
import { ObjectFactory, collectionUrl, updatePatch, type Answer } from './helpers.js';
import { call } from '../setup/http-call.js';

type Caller = 'admin' | 'owner' | 'other' | 'reader' | 'none' | 'garbage' | 'revoked';
type Action = 'create' | 'get' | 'list' | 'update' | 'delete';

const CALLERS: readonly Caller[] = ['admin', 'owner', 'other', 'reader', 'none', 'garbage', 'revoked'];
const EXPECTED: Readonly<Record<Caller, Readonly<Record<Action, number>>>> = {
  admin: { create: 201, get: 200, list: 200, update: 200, delete: 204 },
  owner: { create: 201, get: 200, list: 403, update: 200, delete: 204 },
  other: { create: 403, get: 404, list: 403, update: 404, delete: 404 },
  reader: { create: 403, get: 200, list: 403, update: 403, delete: 403 },
  none: { create: 401, get: 401, list: 401, update: 401, delete: 401 },
  garbage: { create: 401, get: 401, list: 401, update: 401, delete: 401 },
  revoked: { create: 401, get: 401, list: 401, update: 401, delete: 401 },
};
const ERROR_CODE: Readonly<Record<number, string>> = {
  401: 'GLUON_ERR_AUTH',
  403: 'GLUON_ERR_AUTH_FORBIDDEN',
  404: 'GLUON_ERR_NOT_FOUND',
};

let keystone: KeystoneInstance;
let server: ProtonServer;
let dir: string;
let api: ApiModel;
let factory: ObjectFactory;
const tokens: Partial<Record<Caller, string>> = {};
let tenant1: string;
let tenant2: string;

beforeAll(async () => {
  keystone = await startKeystone();
  tenant1 = keystone.projects['tenant1'] ?? '';
  tenant2 = keystone.projects['tenant2'] ?? '';
  dir = mkdtempSync(join(tmpdir(), 'gluon-auth-matrix-'));
  server = await createProtonServer({
    db: `sqlite:${join(dir, 'gluon.db')}`,
    port: 0,
    mirror: false,
    logger: { level: 'silent' },
    auth: {
      strategy: 'keystone',
      keystone: { authUrl: keystone.authUrl, username: 'gluon', password: keystone.users.gluon.password, projectName: 'service' },
    },
  });
  await server.listen();
  api = server.registry.list().find((a) => a.name === 'net-l3vpn') as ApiModel;
  tokens.admin = await keystone.issueToken('admin');
  tokens.owner = await keystone.issueToken('user1');
  tokens.other = await keystone.issueToken('user2');
  tokens.reader = await keystone.issueToken('reader1');
  tokens.garbage = 'gAAAAABgarbage-token-that-keystone-never-issued';
  tokens.revoked = await keystone.issueToken('user1');
  await keystone.revokeToken(tokens.revoked);
  factory = new ObjectFactory(server.url, api, () => tokens.admin);
}, KEYSTONE_START_MS);

afterAll(async () => {
  await server?.close();
  await keystone?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function expectCell(answer: Answer, expected: number, what: string): void {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(expected);
  const code = ERROR_CODE[expected];
  if (code !== undefined) expect((answer.body as { code?: string }).code, what).toMatch(new RegExp(`^${code}`));
}

function memberUrl(object: ObjectModel, item: Record<string, unknown>): string {
  return `${collectionUrl(server.url, api, object)}/${encodeURIComponent(String(item[object.primaryKey]))}`;
}

describe('isolation matrix (real Keystone tokens, bundled net-l3vpn rules)', () => {
  it('covers every API object of net-l3vpn', () => {
    expect(api.objects.map((o) => o.name).sort()).toEqual(['BGPPeering', 'DataplaneTunnel', 'Interface', 'Port', 'VpnAfConfig', 'VpnBinding', 'VpnService']);
  });

  for (const objectName of ['Port', 'Interface', 'VpnService', 'VpnBinding', 'VpnAfConfig', 'BGPPeering', 'DataplaneTunnel']) {
    it(`${objectName}: exactly the allowed cells pass`, async () => {
      const object = api.objects.find((o) => o.name === objectName) as ObjectModel;
      const shared = await factory.create(object, tenant1);
      const theirs = await factory.create(object, tenant2);
      for (const caller of CALLERS) {
        const token = tokens[caller];
        const cell = (action: Action): string => `${caller} ${action} ${object.api.plural}`;

        const created = await call(collectionUrl(server.url, api, object), { method: 'POST', token, body: await factory.body(object, tenant1) });
        expectCell(created, EXPECTED[caller].create, cell('create'));
        if (created.status === 201) expect((created.body as Record<string, unknown>)['tenant_id']).toBe(tenant1);

        const got = await call(memberUrl(object, shared), { token });
        expectCell(got, EXPECTED[caller].get, cell('get'));
        if (got.status === 200) expect(got.body).toMatchObject({ [object.primaryKey]: shared[object.primaryKey], tenant_id: tenant1 });

        const listed = await call(collectionUrl(server.url, api, object), { token });
        expectCell(listed, EXPECTED[caller].list, cell('list'));
        if (listed.status === 200) {
          const keys = (listed.body as Record<string, Record<string, unknown>[]>)[object.api.plural]?.map((item) => item[object.primaryKey]);
          expect(keys, cell('list')).toContain(shared[object.primaryKey]);
          expect(keys, cell('list')).toContain(theirs[object.primaryKey]);
        }

        const toUpdate = await factory.create(object, tenant1);
        const patch = updatePatch(object);
        const updated = await call(memberUrl(object, toUpdate), { method: 'PUT', token, body: patch });
        expectCell(updated, EXPECTED[caller].update, cell('update'));
        const after = await call(memberUrl(object, toUpdate), { token: tokens.admin });
        if (updated.status === 200) expect(after.body, cell('update')).toMatchObject(patch);
        else expect(after.body, `${cell('update')} changed nothing`).toMatchObject({ revision_number: toUpdate['revision_number'] });

        const toDelete = await factory.create(object, tenant1);
        const deleted = await call(memberUrl(object, toDelete), { method: 'DELETE', token });
        expectCell(deleted, EXPECTED[caller].delete, cell('delete'));
        const still = await call(memberUrl(object, toDelete), { token: tokens.admin });
        expect(still.status, `${cell('delete')} effect`).toBe(deleted.status === 204 ? 404 : 200);
      }
    });
  }

  it('401s carry WWW-Authenticate: Keystone uri=… and never echo the token', async () => {
    for (const caller of ['none', 'garbage', 'revoked'] as const) {
      const answer = await call(`${server.url}/proton/net-l3vpn/v1.0/ports`, { token: tokens[caller] });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Keystone uri="${keystone.authUrl}"`);
      expect(JSON.stringify(answer.body)).not.toContain('garbage-token');
      expect(answer.body).toMatchObject({ faultcode: 'Client', code: caller === 'none' ? 'GLUON_ERR_AUTH_REQUIRED' : 'GLUON_ERR_AUTH_INVALID_TOKEN' });
    }
  });

  it('403s are fault bodies naming the rule', async () => {
    const ports = api.objects.find((o) => o.name === 'Port') as ObjectModel;
    const answer = await call(collectionUrl(server.url, api, ports), { method: 'POST', token: tokens.other, body: await factory.body(ports, tenant1) });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ faultcode: 'Client', code: 'GLUON_ERR_AUTH_FORBIDDEN', faultstring: expect.stringContaining('net-l3vpn:create_ports') });
  });

  it('members cannot bind (host_id) or move their port to another project; the child route hides other projects\' interfaces', async () => {
    const ports = api.objects.find((o) => o.name === 'Port') as ObjectModel;
    const port = await factory.create(ports, tenant1);
    const url = memberUrl(ports, port);
    const bind = await call(url, { method: 'PUT', token: tokens.owner, body: { host_id: 'compute-1' } });
    expect(bind.status).toBe(403);
    expect(bind.body).toMatchObject({ faultstring: expect.stringContaining('net-l3vpn:update_ports:host_id') });
    const move = await call(url, { method: 'PUT', token: tokens.owner, body: { tenant_id: tenant2 } });
    expect(move.status).toBe(403);
    expect(move.body).toMatchObject({ faultstring: expect.stringContaining(`moving the object to tenant_id ${tenant2}`) });
    expect((await call(`${url}/interfaces/${String(port['id'])}`, { token: tokens.owner })).status).toBe(200);
    expect((await call(`${url}/interfaces/${String(port['id'])}`, { token: tokens.other })).status).toBe(404);
  });

  it('identifies the caller from its token: user, project, roles, expiry', async () => {
    const identity = await server.authenticator.authenticate({ 'x-auth-token': tokens.owner });
    expect(identity).toMatchObject({ projectId: tenant1, userName: 'user1', authStrategy: 'keystone' });
    expect(identity.roles).toEqual(expect.arrayContaining(['member', 'reader']));
    expect(identity.expiresAt?.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('Keystone authenticator and service token (same Keystone)', () => {
  const service = () => ({ authUrl: keystone.authUrl, username: 'gluon', password: keystone.users.gluon.password, projectName: 'service' });

  it('honours expires_at: a token Keystone still accepts is refused once past its expiry', async () => {
    const later = createKeystoneAuthenticator({ service: service(), now: () => Date.now() + 2 * 3600_000 });
    const token = await keystone.issueToken('user1');
    await expect(later.authenticate({ 'x-auth-token': token })).rejects.toMatchObject({ code: 'GLUON_ERR_AUTH_INVALID_TOKEN', status: 401, message: expect.stringContaining('expired at') });
  });

  it('caches a validation for the TTL (a revoked token is accepted until then); TTL 0 asks Keystone every time', async () => {
    const cached = createKeystoneAuthenticator({ service: service(), cacheTtlSeconds: 60 });
    const uncached = createKeystoneAuthenticator({ service: service(), cacheTtlSeconds: 0 });
    const token = await keystone.issueToken('user2');
    expect(await cached.authenticate({ 'x-auth-token': token })).toMatchObject({ projectId: tenant2 });
    expect(await uncached.authenticate({ 'x-auth-token': token })).toMatchObject({ projectId: tenant2 });
    await keystone.revokeToken(token);
    expect(await cached.authenticate({ 'x-auth-token': token })).toMatchObject({ projectId: tenant2 });
    await expect(uncached.authenticate({ 'x-auth-token': token })).rejects.toMatchObject({ code: 'GLUON_ERR_AUTH_INVALID_TOKEN' });
    cached.clearCache();
    await expect(cached.authenticate({ 'x-auth-token': token })).rejects.toMatchObject({ code: 'GLUON_ERR_AUTH_INVALID_TOKEN' });
  });

  it('the service token is cached, renewed before expiry, fetched again after invalidate(); wrong credentials are a clear 503', async () => {
    let clock = Date.now();
    const provider = createKeystoneTokenProvider({ ...service(), now: () => clock });
    const first = await provider();
    expect(await provider()).toBe(first);
    clock += 3600_000 - 60_000; // inside the renewal window (2 minutes before expiry)
    const renewed = await provider();
    expect(renewed).not.toBe(first);
    provider.invalidate();
    expect(await provider()).not.toBe(renewed);
    const wrong = createKeystoneTokenProvider({ ...service(), password: 'wrong' });
    await expect(wrong()).rejects.toMatchObject({ code: 'GLUON_ERR_AUTH_UNAVAILABLE', status: 503, message: expect.stringContaining('refused the service credentials (user "gluon", project "service")') });
  });
});
