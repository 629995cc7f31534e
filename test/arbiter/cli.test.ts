/**
 * `gluon arbiter` as a process (run from the sources with tsx): flag errors exit 2, it
 * serves the facade on the shared test etcd, and SIGTERM stops it with exit 0.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyValueStore } from '../../src/core/kv/index.js';
import { spawnNode } from '../server/helpers.js';
import { sharedEtcd } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const gluon = (args: readonly string[]) => spawnNode(['--import', 'tsx', MAIN, 'arbiter', ...args], { cwd: ROOT });

describe('gluon arbiter', () => {
  let upstream: Server;
  let neutronUrl: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/v2.0/networks?name=GluonNetwork')) res.end('{"networks": [{"id": "net-cli", "name": "GluonNetwork"}]}');
      else if (req.url?.startsWith('/v2.0/subnets?name=GluonSubnet')) res.end('{"subnets": [{"id": "sub-cli", "name": "GluonSubnet"}]}');
      else res.end(JSON.stringify({ upstream: req.url }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    neutronUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('exits 2 naming the flag when --neutron-url is missing or --port is bad', async () => {
    const missing = gluon([]);
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toContain('--neutron-url');
    const badPort = gluon(['--neutron-url', neutronUrl, '--port', 'http']);
    expect(await badPort.exited).toBe(2);
    expect(badPort.output()).toContain('--port');
  });

  it('looks the dummy ids up, serves Neutron pass-through and Gluon ports from etcd, and exits 0 on SIGTERM', async () => {
    const prefix = `/cli-${randomUUID().slice(0, 8)}`;
    const proc = gluon(['--neutron-url', neutronUrl, '--port', '0', '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--root', ROOT, '--plugins', '']);
    const line = await proc.waitFor(/Neutron facade listening/);
    const logged = JSON.parse(line) as { url: string; gluonNetworkId: string; gluonSubnetId: string };
    expect(logged).toMatchObject({ gluonNetworkId: 'net-cli', gluonSubnetId: 'sub-cli' });
    const passed = await fetch(`${logged.url}/v2.0/extensions?x=1`);
    expect(await passed.json()).toEqual({ upstream: '/v2.0/extensions?x=1' });
    // a registered port whose Proton server is down: answered by the arbiter, in Neutron's format
    const kv = createKeyValueStore(sharedEtcd(), { prefix });
    await kv.put('/gluon/port/p-cli', JSON.stringify({ tenant_id: 't', service: 'net-l3vpn', url: 'http://127.0.0.1:1' }));
    let status = 0;
    for (let i = 0; i < 100 && status !== 503; i++) {
      status = (await fetch(`${logged.url}/v2.0/ports/p-cli`)).status;
      if (status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(503);
    await kv.deletePrefix('/gluon/');
    await kv.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
