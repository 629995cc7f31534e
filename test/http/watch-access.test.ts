/**
 * The watch stream under authentication and in an HA pair, and the capabilities
 * document: a project member sees only the events of objects it may GET; two servers on
 * one etcd both stream every change; `GET /proton/capabilities` is public and complete.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { uniquePrefix } from '../binding/helpers.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { WatchReader, type ReceivedEvent } from './watch-client.js';
import { call } from '../setup/http-call.js';

const PORTS = '/proton/net-l3vpn/v1.0/ports';
const P1 = '11111111111111111111111111111111';
const P2 = '22222222222222222222222222222222';
const tokens = { admin: generateApiToken(), owner: generateApiToken(), other: generateApiToken() };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gluon-watch-access-'));
  const entries = [
    formatTokenEntry({ name: 'admin', sha256: hashApiToken(tokens.admin), userId: 'admin', projectId: 'admin', roles: ['admin'] }),
    formatTokenEntry({ name: 'owner', sha256: hashApiToken(tokens.owner), userId: 'u1', projectId: P1, roles: ['member'] }),
    formatTokenEntry({ name: 'other', sha256: hashApiToken(tokens.other), userId: 'u2', projectId: P2, roles: ['member'] }),
  ];
  writeFileSync(join(dir, 'tokens.yaml'), `tokens:\n${entries.join('')}`);
  writeFileSync(join(dir, 'policy.yaml'), '"net-l3vpn:list_ports": "rule:admin_or_owner"\n');
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function start(options: ProtonServerOptions): Promise<ProtonServer> {
  const server = await createProtonServer({
    db: `sqlite:${join(dir, `${randomUUID()}.db`)}`,
    port: 0,
    logger: { level: 'silent' },
    auth: { strategy: 'token-file', tokenFile: join(dir, 'tokens.yaml') },
    ...options,
  });
  await server.listen();
  return server;
}

function portBody(tenant: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), tenant_id: tenant, name: 'p', mac_address: 'fa:16:3e:00:00:02', ...PORT_FIELDS, ...extra };
}

function ids(events: readonly ReceivedEvent[]): string[] {
  return events.map((e) => `${e.event} ${String(e.data['id'])}`);
}

async function watchAs(base: string, token: string): Promise<WatchReader> {
  const reader = await WatchReader.open(`${base}${PORTS}?watch=true`, { 'x-auth-token': token });
  expect(reader.status).toBe(200);
  await reader.until('the BOOKMARK', (events) => events.some((e) => e.event === 'BOOKMARK'));
  return reader;
}

describe.each(['memory', 'etcd'] as const)('watch policy on the %s store', (kind) => {
  it('gives a project member only the events of objects a GET would show it', async () => {
    const etcd = kind === 'etcd' ? { etcd: inject('etcdEndpoint'), etcdPrefix: uniquePrefix() } : {};
    const server = await start({ ...etcd, policyFile: join(dir, 'policy.yaml') });
    const readers: WatchReader[] = [];
    try {
      const base = server.url;
      const owner = await watchAs(base, tokens.owner);
      const other = await watchAs(base, tokens.other);
      const sneaky = await WatchReader.open(`${base}${PORTS}?watch=true&tenant_id=${P1}`, { 'x-auth-token': tokens.other });
      readers.push(owner, other, sneaky);
      expect(sneaky.status).toBe(200);

      const p1 = portBody(P1);
      expect((await call(`${base}${PORTS}`, { method: 'POST', token: tokens.admin, body: p1 })).status).toBe(201);
      // (the mirror may merge a create and a delete that follow each other closely: wait for each object to show)
      await owner.until('P1 port added', (events) => ids(events).includes(`ADDED ${String(p1['id'])}`));
      expect((await call(`${base}${PORTS}/${String(p1['id'])}`, { method: 'PUT', token: tokens.admin, body: { name: 'renamed' } })).status).toBe(200);
      expect((await call(`${base}${PORTS}/${String(p1['id'])}`, { method: 'DELETE', token: tokens.admin })).status).toBe(204);
      // then a port of P2: once `other` saw its deletion, it had its chance to see P1's events
      const p2 = portBody(P2);
      expect((await call(`${base}${PORTS}`, { method: 'POST', token: tokens.admin, body: p2 })).status).toBe(201);
      await other.until('P2 port added', (events) => ids(events).includes(`ADDED ${String(p2['id'])}`));
      expect((await call(`${base}${PORTS}/${String(p2['id'])}`, { method: 'DELETE', token: tokens.admin })).status).toBe(204);

      await other.until('P2 port deleted', (events) => ids(events).includes(`DELETED ${String(p2['id'])}`));
      await owner.until('P1 port deleted', (events) => ids(events).includes(`DELETED ${String(p1['id'])}`));
      expect(ids(other.objectEvents())).toEqual([`ADDED ${String(p2['id'])}`, `DELETED ${String(p2['id'])}`]);
      expect(ids(owner.objectEvents()).filter((e) => e.endsWith(String(p2['id'])))).toEqual([]);
      expect(ids(owner.objectEvents()).every((e) => e.endsWith(String(p1['id'])))).toBe(true);
      expect(owner.objectEvents().map((e) => e.event)).toEqual(expect.arrayContaining(['ADDED', 'DELETED']));
      // asking for another project's objects by filter shows nothing
      await sneaky.until('the BOOKMARK', (events) => events.some((e) => e.event === 'BOOKMARK'));
      expect(sneaky.objectEvents()).toEqual([]);
    } finally {
      for (const reader of readers) reader.close();
      await server.close();
    }
  });
});

describe('watch authentication and the list rule', () => {
  it('refuses a watch without a token (401) and to a member the list rule does not let list (403)', async () => {
    const server = await start({});
    try {
      const anonymous = await WatchReader.open(`${server.url}${PORTS}?watch=true`);
      expect(anonymous.status).toBe(401);
      const member = await WatchReader.open(`${server.url}${PORTS}?watch=true`, { 'x-auth-token': tokens.owner });
      expect(member.status).toBe(403);
      expect(await member.body()).toMatchObject({ code: expect.stringMatching(/^GLUON_ERR_/) });
    } finally {
      await server.close();
    }
  });
});

describe('token lifetime', () => {
  it('ends a stream with GLUON_ERR_AUTH_INVALID_TOKEN when its token expires', async () => {
    const shortLived = generateApiToken();
    const file = join(dir, `short-${randomUUID()}.yaml`);
    const expiresAt = new Date(Date.now() + 8000);
    writeFileSync(file, `tokens:\n${formatTokenEntry({ name: 'short', sha256: hashApiToken(shortLived), userId: 'admin', projectId: 'admin', roles: ['admin'], expiresAt })}`);
    const server = await start({ auth: { strategy: 'token-file', tokenFile: file } });
    try {
      const reader = await watchAs(server.url, shortLived);
      await reader.until('the stream to end', () => reader.ended, 30_000);
      expect(reader.events[reader.events.length - 1]).toMatchObject({ event: 'ERROR', data: { code: 'GLUON_ERR_AUTH_INVALID_TOKEN', faultstring: expect.stringContaining(expiresAt.toISOString()) } });
    } finally {
      await server.close();
    }
  });
});

describe('HA pair', () => {
  it('streams every change on both servers of a pair sharing one database and one etcd', async () => {
    const shared = {
      db: `sqlite:${join(dir, `ha-${randomUUID()}.db`)}`,
      etcd: inject('etcdEndpoint'),
      etcdPrefix: uniquePrefix(),
    };
    const a = await start(shared);
    const b = await start(shared);
    const readers: WatchReader[] = [];
    try {
      const [onA, onB] = [await watchAs(a.url, tokens.admin), await watchAs(b.url, tokens.admin)];
      readers.push(onA, onB);
      const port = portBody(P1);
      const id = String(port['id']);
      expect((await call(`${a.url}${PORTS}`, { method: 'POST', token: tokens.admin, body: port })).status).toBe(201);
      await onB.until('the ADDED on B', (events) => ids(events).includes(`ADDED ${id}`));
      expect((await call(`${b.url}${PORTS}/${id}`, { method: 'PUT', token: tokens.admin, body: { name: 'from-b' } })).status).toBe(200);
      await onA.until('the MODIFIED on A', (events) => events.some((e) => e.event === 'MODIFIED' && e.data['name'] === 'from-b'));
      expect((await call(`${a.url}${PORTS}/${id}`, { method: 'DELETE', token: tokens.admin })).status).toBe(204);
      for (const reader of [onA, onB]) {
        await reader.until('the DELETED', (events) => ids(events).includes(`DELETED ${id}`));
        expect(ids(reader.objectEvents())).toEqual([`ADDED ${id}`, `MODIFIED ${id}`, `DELETED ${id}`]);
      }
      // both give the same revision to the same change
      const revisions = (reader: WatchReader): (string | undefined)[] => reader.objectEvents().map((e) => e.id);
      expect(revisions(onA)).toEqual(revisions(onB));
    } finally {
      for (const reader of readers) reader.close();
      await b.close();
      await a.close();
    }
  });
});

describe('GET /proton/capabilities', () => {
  it('tells a client without a token the version, APIs, auth strategy and features, and is in the OpenAPI document', async () => {
    const server = await start({ bindTimeoutMs: 5000, maxBindTimeoutMs: 60_000, watchHeartbeatSeconds: 20 });
    try {
      const answer = await call(`${server.url}/proton/capabilities`);
      expect(answer.status).toBe(200);
      const version = (JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8')) as { version: string }).version;
      expect(answer.body).toMatchObject({
        server: { name: 'gluon-net', version },
        apis: expect.arrayContaining([
          expect.objectContaining({
            name: 'net-l3vpn',
            default_version: 'v1.0',
            versions: [expect.objectContaining({ version: 'v1.0', status: 'CURRENT', href: `${server.url}/proton/net-l3vpn/v1.0`, resources: expect.arrayContaining(['ports', 'vpnbindings']) })],
          }),
        ]),
        auth: { strategy: 'token-file', header: 'X-Auth-Token', how_to_get_token: expect.stringContaining('gluon token') },
        features: {
          watch: { supported: true, heartbeat_seconds: 20, resume: ['Last-Event-ID', 'resourceVersion'] },
          bind: { supported: true, query: 'bind_timeout', default_timeout_ms: 5000, max_timeout_ms: 60_000 },
          paging: { supported: true, max_limit: 1000 },
          sorting: { supported: true },
          filters: { supported: true },
          fields: { supported: true },
        },
      });
      const openapi = (await call(`${server.url}/proton/openapi.json`)).body as { paths: Record<string, { get?: { parameters?: { name: string }[]; responses: Record<string, { content: Record<string, unknown> }> } }> };
      expect(openapi.paths['/proton/capabilities']?.get).toBeDefined();
      const list = openapi.paths['/proton/net-l3vpn/v1.0/ports']?.get;
      expect(list?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['watch', 'resourceVersion', 'Last-Event-ID']));
      expect(Object.keys(list?.responses['200']?.content ?? {})).toContain('text/event-stream');
      // other routes still need a token
      expect((await call(`${server.url}${PORTS}`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
