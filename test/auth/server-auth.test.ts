/**
 * Server-level auth without Keystone: token-file authentication, a policy file that
 * changes a running server's behaviour after a restart (lists opened to project
 * members, scoped to their project), Keystone unreachable → 503, bad auth config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import type { ApiModel, ObjectModel } from '../../src/core/model/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { freePort } from '../setup/service-process.js';
import { ObjectFactory, collectionUrl } from './helpers.js';
import { call } from '../setup/http-call.js';

const P1 = '11111111111111111111111111111111';
const P2 = '22222222222222222222222222222222';

let dir: string;
const tokens = { admin: generateApiToken(), owner: generateApiToken(), other: generateApiToken(), expired: generateApiToken() };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gluon-auth-server-'));
  const entries = [
    formatTokenEntry({ name: 'admin', sha256: hashApiToken(tokens.admin), userId: 'admin', projectId: 'admin', roles: ['admin'] }),
    formatTokenEntry({ name: 'owner', sha256: hashApiToken(tokens.owner), userId: 'u1', projectId: P1, roles: ['member'] }),
    formatTokenEntry({ name: 'other', sha256: hashApiToken(tokens.other), userId: 'u2', projectId: P2, roles: ['member'] }),
    formatTokenEntry({ name: 'old', sha256: hashApiToken(tokens.expired), userId: 'u1', projectId: P1, roles: ['member'], expiresAt: new Date('2020-01-01T00:00:00Z') }),
  ];
  writeFileSync(join(dir, 'tokens.yaml'), `tokens:\n${entries.join('')}`);
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function start(extra: Partial<ProtonServerOptions> = {}): Promise<ProtonServer> {
  const server = await createProtonServer({
    db: `sqlite:${join(dir, 'gluon.db')}`,
    port: 0,
    mirror: false,
    logger: { level: 'silent' },
    auth: { strategy: 'token-file', tokenFile: join(dir, 'tokens.yaml') },
    ...extra,
  });
  await server.listen();
  return server;
}

function net(server: ProtonServer): { api: ApiModel; ports: ObjectModel; url: string } {
  const api = server.registry.list().find((a) => a.name === 'net-l3vpn') as ApiModel;
  const ports = api.objects.find((o) => o.name === 'Port') as ObjectModel;
  return { api, ports, url: collectionUrl(server.url, api, ports) };
}

describe('token-file authentication', () => {
  it('accepts listed tokens with their project and roles, refuses unknown, expired and missing ones', async () => {
    const server = await start();
    try {
      const { url, api, ports } = net(server);
      const factory = new ObjectFactory(server.url, api, () => tokens.owner);
      const created = await call(url, { method: 'POST', token: tokens.owner, body: await factory.body(ports, P1) });
      expect(created.status).toBe(201);
      expect((await call(`${url}/${String((created.body as Record<string, unknown>)['id'])}`, { token: tokens.other })).status).toBe(404);
      expect((await call(url, { token: tokens.admin })).status).toBe(200);
      for (const [token, code] of [[undefined, 'GLUON_ERR_AUTH_REQUIRED'], ['glt_nope', 'GLUON_ERR_AUTH_INVALID_TOKEN'], [tokens.expired, 'GLUON_ERR_AUTH_INVALID_TOKEN']] as const) {
        const answer = await call(url, { token });
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ code });
      }
      expect((await call(url, { token: tokens.expired })).body).toMatchObject({ faultstring: expect.stringContaining('expired at 2020-01-01') });
      // The schema stays public (the Swagger UI needs it); health stays open.
      expect((await call(`${server.url}/proton/openapi.json`)).status).toBe(200);
      expect((await call(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('references to other projects\' objects', () => {
  it('a member cannot attach an object to another project\'s object (404, as for a missing one)', async () => {
    const server = await start();
    try {
      const { api, ports } = net(server);
      const base = `${server.url}/proton/net-l3vpn/v1.0`;
      const theirPort = await new ObjectFactory(server.url, api, () => tokens.other).create(ports, P2);
      const ownPort = await new ObjectFactory(server.url, api, () => tokens.owner).create(ports, P1);
      const iface = { tenant_id: P1, segmentation_type: 'none', segmentation_id: 0 };
      const viaChild = await call(`${base}/ports/${String(theirPort['id'])}/interfaces`, { method: 'POST', token: tokens.owner, body: iface });
      expect(viaChild.status).toBe(404);
      expect(viaChild.body).toMatchObject({ code: 'GLUON_ERR_NOT_FOUND', faultstring: `Object of Port with Primary Key ${String(theirPort['id'])} not found.` });
      expect((await call(`${base}/interfaces`, { method: 'POST', token: tokens.owner, body: { ...iface, port_id: theirPort['id'] } })).status).toBe(404);
      const mine = await call(`${base}/interfaces`, { method: 'POST', token: tokens.owner, body: { ...iface, port_id: ownPort['id'] } });
      expect(mine.status).toBe(201);
      const moved = await call(`${base}/interfaces/${String((mine.body as Record<string, unknown>)['id'])}`, { method: 'PUT', token: tokens.owner, body: { port_id: theirPort['id'] } });
      expect(moved.status).toBe(404);
      // the admin may
      expect((await call(`${base}/interfaces`, { method: 'POST', token: tokens.admin, body: { ...iface, port_id: theirPort['id'] } })).status).toBe(201);
    } finally {
      await server.close();
    }
  });
});

describe('a policy file override, applied by a restart', () => {
  it('opens lists to project members, each seeing only its own project', async () => {
    let server = await start();
    let { url, api, ports } = net(server);
    const own = await new ObjectFactory(server.url, api, () => tokens.owner).create(ports, P1);
    const theirs = await new ObjectFactory(server.url, api, () => tokens.other).create(ports, P2);
    expect((await call(url, { token: tokens.owner })).status).toBe(403);
    await server.close();

    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, '# let members list their own project\n"net-l3vpn:list_ports": "rule:admin_or_owner"\n');
    server = await start({ policyFile });
    try {
      ({ url, api, ports } = net(server));
      expect(server.policy.get('net-l3vpn:list_ports')).toEqual({ name: 'net-l3vpn:list_ports', check: 'rule:admin_or_owner', source: 'file' });
      const ids = async (token: string, query = ''): Promise<unknown[]> => {
        const answer = await call(`${url}${query}`, { token });
        expect(answer.status).toBe(200);
        return (answer.body as { ports: Record<string, unknown>[] }).ports.map((p) => p['id']);
      };
      const mine = await ids(tokens.owner);
      expect(mine).toContain(own['id']);
      expect(mine).not.toContain(theirs['id']);
      const yours = await ids(tokens.other);
      expect(yours).toContain(theirs['id']);
      expect(yours).not.toContain(own['id']);
      // Asking for another project's objects by filter shows nothing, never leaks.
      expect(await ids(tokens.owner, `?tenant_id=${P2}`)).toEqual([]);
      expect(await ids(tokens.owner, `?id=${String(theirs['id'])}`)).toEqual([]);
      expect(await ids(tokens.owner, `?tenant_id=${P2}&tenant_id=${P1}`)).toContain(own['id']);
      // Paging stays within the project.
      const page = await call(`${url}?limit=1`, { token: tokens.owner });
      expect((page.body as { ports: Record<string, unknown>[] }).ports.every((p) => p['tenant_id'] === P1)).toBe(true);
      const all = await ids(tokens.admin);
      expect(all).toEqual(expect.arrayContaining([own['id'], theirs['id']]));
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a policy file that does not parse, naming the rule and file', async () => {
    const policyFile = join(dir, 'bad-policy.yaml');
    writeFileSync(policyFile, '"net-l3vpn:get_ports": "role:admin or"\n');
    await expect(start({ policyFile })).rejects.toMatchObject({ code: 'GLUON_ERR_POLICY_SYNTAX', message: expect.stringContaining(`rule "net-l3vpn:get_ports" in ${policyFile}`) });
  });
});

describe('Keystone unreachable', () => {
  it('answers 503 GLUON_ERR_AUTH_UNAVAILABLE with a clear message (and 401 without a token)', async () => {
    const closedPort = await freePort();
    const authUrl = `http://127.0.0.1:${closedPort}/v3`;
    const server = await start({ auth: { strategy: 'keystone', keystone: { authUrl, username: 'gluon', password: 'x', projectName: 'service', timeoutMs: 2000 } } });
    try {
      const { url } = net(server);
      const answer = await call(url, { token: 'gAAAAABsome-token' });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ faultcode: 'Server', code: 'GLUON_ERR_AUTH_UNAVAILABLE', faultstring: expect.stringContaining(`Keystone) at ${authUrl}`) });
      const none = await call(url);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe(`Keystone uri="${authUrl}"`);
    } finally {
      await server.close();
    }
  });

  it('rejects incomplete keystone settings at start-up', async () => {
    await expect(start({ auth: { strategy: 'keystone', keystone: { authUrl: 'http://127.0.0.1:1/v3', username: 'gluon', password: '', projectName: 'service' } } })).rejects.toMatchObject({
      code: 'GLUON_ERR_AUTH_CONFIG',
      message: expect.stringContaining('keystone.password'),
    });
  });
});
