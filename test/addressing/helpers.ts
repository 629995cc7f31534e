import { randomUUID } from 'node:crypto';
import fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { protonPlugin } from '../../src/core/http/index.js';
import { loadModels, type ApiModel } from '../../src/core/model/index.js';
import { ProtonRegistry } from '../../src/core/registry/index.js';
import { createStore, type SqlStore } from '../../src/core/store/index.js';
import { BUNDLED_MODELS, HOST, freshDatabase, type Backend } from '../http/helpers.js';
import { call } from '../setup/http-call.js';

/** The bundled net-l3vpn API root. */
export const API = '/proton/net-l3vpn/v1.0';
/** The tenant of every object. */
export const TENANT = '5f0c1c6e-8d8e-4a53-9d2b-3c1f6a7e9b10';

/** One Proton server (fastify + store) on a database it may share with others. */
export interface AddressingServer {
  readonly app: FastifyInstance;
  readonly store: SqlStore;
  close(): Promise<void>;
}

/** Starts `count` servers on one fresh database (SQLite file or MariaDB database). */
export async function serversOnOneDatabase(backend: Backend, count: number): Promise<{ servers: AddressingServer[]; close: () => Promise<void> }> {
  const database = await freshDatabase(backend);
  const models: readonly ApiModel[] = await loadModels(BUNDLED_MODELS);
  const servers: AddressingServer[] = [];
  for (let i = 0; i < count; i++) {
    const registry = new ProtonRegistry(models);
    const store = createStore({ url: database.url, advertisedUrl: `http://${HOST}` });
    await store.init(registry.storageModels(), { migrate: 'safe' });
    const app = fastify({ logger: false });
    await app.register(protonPlugin, { registry, store, docs: false });
    await app.ready();
    servers.push({
      app,
      store,
      close: async () => {
        await app.close();
        await store.close();
      },
    });
  }
  return {
    servers,
    close: async () => {
      for (const s of servers) await s.close();
      await database.drop();
    },
  };
}

/**
 * One server on a fresh database for the tests of the calling `describe`: started before
 * them, stopped (and the database dropped) after. Call the returned function inside a test.
 */
export function serverForTests(backend: Backend): () => AddressingServer {
  let started: Awaited<ReturnType<typeof serversOnOneDatabase>> | undefined;
  beforeAll(async () => {
    started = await serversOnOneDatabase(backend, 1);
  });
  afterAll(async () => started?.close());
  return () => {
    const server = started?.servers[0];
    if (server === undefined) throw new Error('serverForTests: the server has not started (its beforeAll failed)');
    return server;
  };
}

/** Creates a port (its default interface has the same id) and returns its id. */
export async function createPort(app: FastifyInstance): Promise<string> {
  const id = randomUUID();
  const res = await call(`${API}/ports`, { app, method: 'POST', body: {
    id,
    tenant_id: TENANT,
    name: `p-${id.slice(0, 6)}`,
    mac_address: 'fa:16:3e:00:00:01',
    admin_state_up: true,
    status: 'DOWN',
    vnic_type: 'normal',
    mtu: 1500,
    vlan_transparency: false,
  } });
  if (res.status !== 201) throw new Error(`port create: ${res.status} ${res.text}`);
  return id;
}

/** Creates a VPN with the given extra attributes and returns it. */
export async function createVpn(app: FastifyInstance, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await call(`${API}/vpns`, { app, method: 'POST', body: { tenant_id: TENANT, name: 'vpn', ipv4_family: '100:1', ...extra } });
  if (res.status !== 201) throw new Error(`vpn create: ${res.status} ${res.text}`);
  return res.json();
}

/** POSTs a binding of interface `port` into `vpn`. */
export function bind(app: FastifyInstance, port: string, vpn: unknown, extra: Record<string, unknown> = {}): ReturnType<typeof call> {
  return call(`${API}/vpnbindings`, { app, method: 'POST', body: { tenant_id: TENANT, interface_id: port, service_id: vpn, ...extra } });
}

/** Runs `tasks` with at most `limit` in flight; resolves with every result in order. */
export async function inFlight<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
