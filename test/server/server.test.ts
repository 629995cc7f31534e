import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/core/model/index.js';
import { bundledModelsDir, createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { PORTS, portBody, tempDir } from './helpers.js';
import { call } from '../setup/http-call.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(options: ProtonServerOptions = {}): Promise<ProtonServer> {
  const tmp = await tempDir('gluon-server-');
  cleanups.push(tmp.remove);
  const server = await createProtonServer({ db: `sqlite:${join(tmp.dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, ...options });
  cleanups.push(() => server.close());
  return server;
}

describe('createProtonServer', () => {
  it('serves /healthz and a ready /readyz on an ephemeral port', async () => {
    const server = await started();
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
    expect(server.url).toBe(url);
    expect(server.advertisedUrl).toBe(url);
    expect(await call(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ok', checks: { database: { ok: true } } } });
  });

  it('answers /readyz with 503 and the database error once the database is unreachable', async () => {
    const server = await started();
    const url = await server.listen();
    await server.store.close();
    const ready = await call(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', checks: { database: { ok: false, error: expect.any(String) } } });
    // liveness is unaffected
    expect((await call(`${url}/healthz`)).status).toBe(200);
  });

  it('serves the bundled models by default and lists them in discovery', async () => {
    const server = await started();
    const url = await server.listen();
    const bundled = await loadModels(bundledModelsDir());
    expect(bundled.length).toBeGreaterThan(0);
    expect(server.registry.apiNames()).toEqual([...new Set(bundled.map((m) => m.name))]);
    const discovery = await call(`${url}/proton/`);
    expect(discovery.status).toBe(200);
    const services = (discovery.body as { protons: { proton_service: string }[] }).protons.map((p) => p.proton_service);
    expect(services).toEqual(expect.arrayContaining(['net-l3vpn', ...server.registry.apiNames()]));
  });

  it('serves the Proton REST API over the store: create, get, list, delete a port', async () => {
    const server = await started();
    const url = await server.listen();
    const id = '3f0e2d9a-7a3b-4c11-9d2e-111111111111';
    expect((await call(`${url}${PORTS}`, { method: 'POST', body: portBody(id) })).status).toBe(201);
    expect(await call(`${url}${PORTS}/${id}`)).toMatchObject({ status: 200, body: { id, name: 'port1' } });
    expect(await call(`${url}${PORTS}?name=port1`)).toMatchObject({ status: 200, body: { ports: [{ id }] } });
    expect((await call(`${url}${PORTS}/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('uses the advertisedUrl option when given', async () => {
    const server = await started({ advertisedUrl: 'http://proton.example.net:2705/' });
    await server.listen();
    expect(server.advertisedUrl).toBe('http://proton.example.net:2705');
  });

  it('lets the embedder add routes to the app before listen()', async () => {
    const server = await started();
    server.app.get('/hello', async () => ({ hello: 'world' }));
    const url = await server.listen();
    expect(await call(`${url}/hello`)).toMatchObject({ status: 200, body: { hello: 'world' } });
  });

  it('finishes an in-flight request before closing, and close() is idempotent', async () => {
    const server = await started();
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.app.get('/slow', async () => {
      entered();
      await gate;
      return { done: true };
    });
    const url = await server.listen();

    const inFlight = call(`${url}/slow`);
    await inHandler;
    const closed = server.close();
    expect(server.close()).toBe(closed);
    let closeDone = false;
    void closed.then(() => (closeDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closeDone).toBe(false);

    release();
    expect(await inFlight).toMatchObject({ status: 200, body: { done: true } });
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('closes the database on close()', async () => {
    const server = await started();
    await server.listen();
    await server.close();
    await expect(server.store.ping()).rejects.toThrow();
  });

  it('can be closed without ever listening', async () => {
    const server = await started();
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects listen() when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const server = await started({ port });
    await expect(server.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it.each([
    [{ port: 70000 }, 'port', 'option port'],
    [{ host: '0.0.0.0' }, 'advertisedUrl', 'set the advertisedUrl option'],
    [{ advertisedUrl: 'http://0.0.0.0:2705' }, 'advertisedUrl', 'wildcard'],
    [{ db: 'postgres://db/x' }, 'db', 'sqlite:<file>'],
    [{ etcd: 'etcd:2379' }, 'etcd', 'http(s) URL'],
  ] as const)('rejects the invalid options %j with GLUON_ERR_CONFIG', async (options, field, text) => {
    await expect(createProtonServer({ ...options, logger: { level: 'silent' } })).rejects.toMatchObject({
      code: 'GLUON_ERR_CONFIG',
      details: [expect.objectContaining({ field })],
      message: expect.stringContaining(text),
    });
  });

  it('fails with the model error when a models path does not exist, leaving nothing open', async () => {
    const tmp = await tempDir('gluon-server-');
    cleanups.push(tmp.remove);
    await expect(
      createProtonServer({ models: join(tmp.dir, 'nope'), db: `sqlite:${join(tmp.dir, 'x.db')}`, logger: { level: 'silent' } }),
    ).rejects.toMatchObject({ code: 'GLUON_ERR_MODEL_INVALID' });
  });

  it('gives each server its own parts: two servers side by side in one process', async () => {
    const a = await started();
    const b = await started();
    expect(a.store).not.toBe(b.store);
    expect(a.registry).not.toBe(b.registry);
    const [urlA, urlB] = [await a.listen(), await b.listen()];
    expect(urlA).not.toBe(urlB);
    const id = '3f0e2d9a-7a3b-4c11-9d2e-222222222222';
    expect((await call(`${urlA}${PORTS}`, { method: 'POST', body: portBody(id) })).status).toBe(201);
    expect((await call(`${urlB}${PORTS}/${id}`)).status).toBe(404);
  });
});
