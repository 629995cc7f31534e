/**
 * The Neutron facade's transport and merge rules against a small scripted upstream (a
 * local HTTP server standing in for Neutron where real Neutron cannot be made to
 * misbehave on cue: silently dropped connections, paging links, echoing headers). The
 * real-Neutron behaviour is in nova-boot.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNeutronFacade, neutronFault, toNeutronFault, type NeutronFacade } from '../../src/core/arbiter/index.js';
import { GluonError, NotFoundError } from '../../src/core/errors/index.js';
import { createMemoryStore, type KeyValueStore } from '../../src/core/kv/index.js';
import { defineDriver } from '../../src/drivers/index.js';
import { RecordingDriver, neutronPort, register, waitFor } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

/** A scripted stand-in for Neutron. */
class FakeNeutron {
  server: Server;
  seen: Seen[] = [];
  /** Drop (destroy without answering) the n-th request on a reused connection. */
  dropReused = false;
  /** Ports the list answers with, and whether to add a `next` link. */
  ports: Record<string, unknown>[] = [];
  nextLink = false;
  private sockets = new WeakMap<object, { id: number; count: number }>();
  private socketIds = 0;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let info = this.sockets.get(req.socket);
    if (!info) this.sockets.set(req.socket, (info = { id: ++this.socketIds, count: 0 }));
    info.count++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.dropReused && info.count > 1) {
      req.socket.destroy();
      return;
    }
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), socket: info.id });
    if (req.url?.startsWith('/v2.0/ports') && req.method === 'GET' && !/\/v2\.0\/ports\/./.test(req.url)) {
      const body = JSON.stringify({ ports: this.ports, ...(this.nextLink ? { ports_links: [{ rel: 'next', href: 'http://x/v2.0/ports?marker=n1&limit=1' }] } : {}) });
      res.writeHead(200, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-up' });
      res.end(body);
      return;
    }
    res.writeHead(req.url === '/teapot' ? 418 : 200, {
      'content-type': 'application/json; charset=UTF-8',
      'x-openstack-request-id': 'req-up',
      'x-custom': 'kept',
      'keep-alive': 'timeout=60',
      'set-cookie': ['a=1', 'b=2'],
    });
    res.end(JSON.stringify({ echo: { method: req.method, url: req.url, token: req.headers['x-auth-token'] ?? null, body: Buffer.concat(chunks).toString() } }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('Neutron facade transport (scripted upstream)', () => {
  let upstream: FakeNeutron;
  let kv: KeyValueStore;
  let driver: RecordingDriver;
  let facade: NeutronFacade;
  let url: string;

  beforeAll(async () => {
    upstream = new FakeNeutron();
    const neutronUrl = await upstream.listen();
    kv = createMemoryStore();
    driver = new RecordingDriver('net-l3vpn');
    driver.add(neutronPort('g1', { name: 'gluon-1', device_id: 'vm-1' }));
    driver.add(neutronPort('g2', { name: 'gluon-2', tenant_id: 'tenant-b', project_id: 'tenant-b' }));
    await register(kv, 'g1');
    await register(kv, 'g2', 'net-l3vpn', 'tenant-b');
    facade = await createNeutronFacade({
      neutronUrl,
      kv,
      gluonNetworkId: 'net-g',
      gluonSubnetId: 'sub-g',
      drivers: { 'net-l3vpn': defineDriver({ name: 'recording', apiVersion: 1, create: () => driver }) },
      defaultDriver: null,
    });
    url = await facade.listen({ port: 0 });
  });

  afterAll(async () => {
    await facade.close();
    await upstream.close();
    await kv.close();
  });

  afterEach(() => {
    upstream.dropReused = false;
    upstream.nextLink = false;
    upstream.ports = [];
    upstream.seen = [];
  });

  it('passes method, path, query, headers (X-Auth-Token) and body through, and strips only hop-by-hop headers', async () => {
    const res = await fetch(`${url}/v2.0/networks/abc?x=1&x=2&y=%20z`, {
      method: 'POST',
      headers: { 'x-auth-token': 'tok-123', 'content-type': 'application/json', 'x-trace': 'on', te: 'trailers', 'proxy-authorization': 'secret' },
      body: '{"network": {"name": "n"}}',
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen[0];
    expect(seen).toMatchObject({ method: 'POST', url: '/v2.0/networks/abc?x=1&x=2&y=%20z', body: '{"network": {"name": "n"}}' });
    expect(seen?.headers).toMatchObject({ 'x-auth-token': 'tok-123', 'content-type': 'application/json', 'x-trace': 'on' });
    expect(seen?.headers).not.toHaveProperty('te');
    expect(seen?.headers).not.toHaveProperty('proxy-authorization');
    expect(res.headers.get('x-custom')).toBe('kept');
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(res.headers.get('x-openstack-request-id')).toBe('req-up');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('keep-alive')).not.toBe('timeout=60');
    expect(await res.json()).toEqual({ echo: { method: 'POST', url: '/v2.0/networks/abc?x=1&x=2&y=%20z', token: 'tok-123', body: '{"network": {"name": "n"}}' } });
    const teapot = await fetch(`${url}/teapot`, { method: 'DELETE' });
    expect(teapot.status).toBe(418);
  });

  it('non-Gluon port ids go to Neutron; Gluon ones are answered by the arbiter with the caller\'s token', async () => {
    const neutronPortAnswer = await fetch(`${url}/v2.0/ports/n-1`, { headers: { 'x-auth-token': 't' } });
    expect(await neutronPortAnswer.json()).toMatchObject({ echo: { url: '/v2.0/ports/n-1' } });
    driver.calls.length = 0;
    const gluon = await fetch(`${url}/v2.0/ports/g1.json`, { headers: { 'x-auth-token': 'tok-g' } });
    expect(gluon.status).toBe(200);
    expect(await gluon.json()).toMatchObject({ port: { id: 'g1', name: 'gluon-1' } });
    expect(driver.calls[0]?.ctx?.token).toBe('tok-g');
    expect(upstream.seen.map((s) => s.url)).toEqual(['/v2.0/ports/n-1']);
    // DELETE of a Gluon port: a 409 saying where it is deleted, never passed to Neutron (whose 404 clients read as "already deleted")
    const deleted = await fetch(`${url}/v2.0/ports/g1`, { method: 'DELETE' });
    expect(deleted.status).toBe(409);
    expect(await deleted.json()).toMatchObject({ NeutronError: { type: 'GluonPortDeleteRefused', message: expect.stringContaining('/proton/net-l3vpn/') } });
    expect(upstream.seen.map((s) => s.method)).not.toContain('DELETE');
    // other methods on a Gluon port id still go to Neutron
    await fetch(`${url}/v2.0/ports/g1/bindings`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'POST', url: '/v2.0/ports/g1/bindings' });
  });

  it('scopes Gluon ports by X-Project-Id / X-Roles', async () => {
    const member = await fetch(`${url}/v2.0/ports/g2`, { headers: { 'x-project-id': 'tenant-a', 'x-roles': 'member' } });
    expect(member.status).toBe(404);
    expect(await member.text()).toBe('{"NeutronError": {"type": "PortNotFound", "message": "Port g2 could not be found.", "detail": ""}}');
    const admin = await fetch(`${url}/v2.0/ports/g2`, { headers: { 'x-project-id': 'tenant-a', 'x-roles': 'admin,member' } });
    expect(admin.status).toBe(200);
    const list = (await (await fetch(`${url}/v2.0/ports`, { headers: { 'x-project-id': 'tenant-b', 'x-roles': 'member' } })).json()) as { ports: { id: string }[] };
    expect(list.ports.map((p) => p.id)).toEqual(['g2']);
  });

  it('merges Gluon ports into lists after Neutron\'s, pages the merged list itself, and leaves a Gluon-free answer untouched', async () => {
    upstream.ports = [{ id: 'n1', name: 'neutron-1' }];
    const merged = (await (await fetch(`${url}/v2.0/ports?fields=id&fields=name`)).json()) as { ports: unknown[] };
    expect(merged.ports[0]).toEqual({ id: 'n1', name: 'neutron-1' });
    expect(merged.ports.slice(1)).toEqual(expect.arrayContaining([{ id: 'g1', name: 'gluon-1' }, { id: 'g2', name: 'gluon-2' }]));
    expect(merged.ports).toHaveLength(3);
    expect(upstream.seen[0]?.url).toBe('/v2.0/ports?fields=id&fields=name');
    // a field no port has: one {} per port, Gluon ports included (as Neutron answers)
    upstream.ports = [{}];
    const bare = (await (await fetch(`${url}/v2.0/ports?fields=no_such_field`)).json()) as { ports: unknown[] };
    expect(bare.ports).toEqual([{}, {}, {}]);
    upstream.ports = [{ id: 'n1', name: 'neutron-1' }];
    // paging: the facade asks Neutron for the whole filtered list and cuts pages in id order
    upstream.seen.length = 0;
    const ids: string[] = [];
    let next: string | undefined = `${url}/v2.0/ports?limit=1&fields=name`;
    for (let pages = 0; next !== undefined && pages < 10; pages++) {
      const page = (await (await fetch(next)).json()) as { ports: { name: string }[]; ports_links?: { rel: string; href: string }[] };
      ids.push(...page.ports.map((p) => p.name));
      next = page.ports_links?.find((l) => l.rel === 'next')?.href;
    }
    expect(ids).toEqual(['gluon-1', 'gluon-2', 'neutron-1']);
    expect(upstream.seen.every((s) => s.url === '/v2.0/ports')).toBe(true);
    // a Gluon marker works (the page after it), the last id gives an empty page
    const afterG1 = (await (await fetch(`${url}/v2.0/ports?limit=5&marker=g1`)).json()) as { ports: { id: string }[] };
    expect(afterG1.ports.map((p) => p.id)).toEqual(['g2', 'n1']);
    const afterLast = await fetch(`${url}/v2.0/ports?limit=2&marker=n1`);
    expect(afterLast.status).toBe(200);
    expect(((await afterLast.json()) as { ports: unknown[] }).ports).toEqual([]);
    const before = (await (await fetch(`${url}/v2.0/ports?limit=1&marker=n1&page_reverse=True`)).json()) as { ports: { id: string }[] };
    expect(before.ports.map((p) => p.id)).toEqual(['g2']);
    // Neutron paging a plain list by itself (pagination_max_limit): its pages pass unchanged
    upstream.nextLink = true;
    const neutronPaged = await fetch(`${url}/v2.0/ports`);
    expect(await neutronPaged.text()).toBe(JSON.stringify({ ports: [{ id: 'n1', name: 'neutron-1' }], ports_links: [{ rel: 'next', href: 'http://x/v2.0/ports?marker=n1&limit=1' }] }));
    upstream.nextLink = false;
    const filtered = await fetch(`${url}/v2.0/ports?device_id=nothing`);
    expect(await filtered.text()).toBe(JSON.stringify({ ports: [{ id: 'n1', name: 'neutron-1' }] }));
    expect(filtered.headers.get('x-openstack-request-id')).toBe('req-up');
  });

  it('retries an idempotent request once when Neutron drops a reused connection without answering', async () => {
    upstream.dropReused = true;
    const before = facade.upstream.retryCount;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/v2.0/networks?i=${i}`);
      expect(res.status).toBe(200);
    }
    expect(facade.upstream.retryCount).toBeGreaterThan(before);
    // a POST on a dropped connection is not replayed: Neutron-format 503
    let post: Response | undefined;
    for (let i = 0; i < 4 && (post === undefined || post.status === 200); i++) post = await fetch(`${url}/v2.0/networks`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(post?.status).toBe(503);
    expect(((await post?.json()) as { NeutronError: { type: string } }).NeutronError.type).toBe('ServiceUnavailable');
  });

  it('follows the registry: a port registered later is answered by the arbiter', async () => {
    driver.add(neutronPort('g3'));
    await register(kv, 'g3');
    await waitFor('g3 registered', () => facade.arbiter.isGluonPort('g3'));
    expect((await fetch(`${url}/v2.0/ports/g3`)).status).toBe(200);
  });
});

describe('Neutron facade start-up and faults', () => {
  it('looks GluonNetwork/GluonSubnet up by name and fails with a coded error when absent', async () => {
    const upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/v2.0/networks') ? '{"networks": [{"id": "net-1", "name": "GluonNetwork"}]}' : '{"subnets": []}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const neutronUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const kv = createMemoryStore();
    await expect(createNeutronFacade({ neutronUrl, kv, lookupTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'GLUON_ERR_ARBITER_GLUON_OBJECTS',
      message: expect.stringContaining('GluonSubnet'),
    });
    const withIds = await createNeutronFacade({ neutronUrl, kv, gluonSubnetId: 'sub-x', lookupTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(withIds).toMatchObject({ code: 'GLUON_ERR_ARBITER_GLUON_OBJECTS' });
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    await kv.close();
  });

  it('answers 503 in Neutron\'s format when Neutron is unreachable', async () => {
    const kv = createMemoryStore();
    const facade = await createNeutronFacade({ neutronUrl: 'http://127.0.0.1:1', kv, gluonNetworkId: 'n', gluonSubnetId: 's' });
    const res = await facade.app.inject({ method: 'GET', url: '/v2.0/networks' });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ NeutronError: { type: 'ServiceUnavailable', message: expect.stringContaining('<internal URL>'), detail: '' } });
    await facade.close();
    await kv.close();
  });

  it('maps errors to Neutron fault types and statuses', () => {
    expect(toNeutronFault(new NotFoundError('x'), 'p-1')).toMatchObject({ status: 404, type: 'PortNotFound', message: 'Port p-1 could not be found.' });
    expect(toNeutronFault(new GluonError('GLUON_ERR_DRIVER_UNSUPPORTED_UPDATE', 'cannot map qos'))).toMatchObject({ status: 400, type: 'HTTPBadRequest' });
    expect(toNeutronFault(new GluonError('GLUON_ERR_DRIVER_UNREACHABLE', 'down'))).toMatchObject({ status: 503, type: 'ServiceUnavailable' });
    expect(toNeutronFault(new GluonError('GLUON_ERR_BIND_PENDING', 'pending'))).toMatchObject({ status: 409, type: 'HTTPConflict' });
    expect(toNeutronFault(new Error('boom'))).toMatchObject({ status: 500, message: 'Request Failed: internal server error while processing your request.' });
    expect(neutronFault(400, 'HTTPBadRequest', 'naïve "x"').body).toBe('{"NeutronError": {"type": "HTTPBadRequest", "message": "na\\u00efve \\"x\\"", "detail": ""}}');
  });
});
