import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { PORT_FIELDS } from '../fixtures/port-fields.js';
import { call } from '../setup/http-call.js';

/** The net-l3vpn version root of the bundled models. */
export const L3VPN = '/proton/net-l3vpn/v1.0';
/** Tenant of every fixture object. */
export const TENANT = '9b6d2b8a1c2d4e5f8a9b0c1d2e3f4a5b';
/** Dummy Neutron ids the drivers are configured with. */
export const GLUON_NETWORK_ID = '11111111-2222-4333-8444-555555555555';
export const GLUON_SUBNET_ID = '66666666-7777-4888-9999-aaaaaaaaaaaa';

/** A port id derived from a number (stable, valid uuid). */
export function portId(n: number): string {
  return `3f0e2d9a-7a3b-4c11-9d2e-${n.toString(16).padStart(12, '0')}`;
}

/** A valid net-l3vpn port body. */
export function portBody(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const n = Number.parseInt(id.slice(-6), 16);
  const mac = `fa:16:3e:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
  return {
    id,
    tenant_id: TENANT,
    name: `port-${n}`,
    mac_address: mac,
    ...PORT_FIELDS,
    ...extra,
  };
}


async function must(url: string, body: unknown): Promise<void> {
  const answer = await call(url, { method: 'POST', body });
  if (answer.status !== 201) throw new Error(`POST ${url} → ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** A running Proton server on a temporary SQLite file. */
export interface TestProton {
  readonly server: ProtonServer;
  readonly url: string;
  /** Request lines (`METHOD /path?query`) seen since the last {@link TestProton.resetRequests}. */
  readonly requests: string[];
  /** `X-Auth-Token` values received (in order) since the last {@link TestProton.takeTokens}. */
  takeTokens(): string[];
  resetRequests(): void;
  /** Creates ports (and, for `withBinding`, a VPN binding of each default interface). */
  createPorts(ids: readonly string[], options?: { withBinding?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Starts a Proton server (bundled models) on a temp SQLite file, counting requests. */
export async function startProton(options: { readonly models?: readonly string[] } = {}): Promise<TestProton> {
  const dir = await mkdtemp(join(tmpdir(), 'gluon-drivers-'));
  const server = await createProtonServer({
    db: `sqlite:${join(dir, 'gluon.db')}`,
    port: 0,
    logger: { level: 'silent' },
    docs: false,
    ...(options.models === undefined ? {} : { models: options.models }),
  });
  const requests: string[] = [];
  const tokens: string[] = [];
  server.app.addHook('onRequest', async (request) => {
    requests.push(`${request.method} ${request.url}`);
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string') tokens.push(token);
  });
  const url = await server.listen();
  let vpnId: string | undefined;
  const proton: TestProton = {
    server,
    url,
    requests,
    resetRequests: () => void requests.splice(0),
    takeTokens: () => tokens.splice(0),
    async createPorts(ids, options = {}) {
      if (options.withBinding === true && vpnId === undefined) {
        vpnId = 'b70b4bbd-aa40-48d7-aa4b-57cc2fd34010';
        await must(`${url}${L3VPN}/vpns`, { id: vpnId, tenant_id: TENANT, name: 'vpn1', ipv4_family: '1000:1000', ipv6_family: '1000:1000', route_distinguishers: '1000:1000' });
      }
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ids.length) {
          const id = ids[next++] as string;
          await must(`${url}${L3VPN}/ports`, portBody(id));
          if (options.withBinding === true) {
            const n = Number.parseInt(id.slice(-6), 16);
            await must(`${url}${L3VPN}/vpnbindings`, {
              interface_id: id, service_id: vpnId, tenant_id: TENANT, ipaddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, subnet_prefix: 8, gateway: '10.255.255.254',
            });
          }
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return proton;
}

/** The IP address {@link TestProton.createPorts} gives the binding of port `n`. */
export function bindingIp(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
