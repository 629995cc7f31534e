/**
 * `gluon arbiter` as a process (run from the sources with tsx): flag errors exit 2, no
 * caller identification unless one is chosen (--auth-strategy is required), it serves
 * the facade on the shared test etcd, and SIGTERM stops it with exit 0.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
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

  it('refuses to start without an explicit --auth-strategy (headers are never trusted by default)', async () => {
    const none = gluon(['--neutron-url', neutronUrl, '--port', '0']);
    expect(await none.exited).toBe(2);
    expect(none.output()).toContain('needs --auth-strategy');
    expect(none.output()).toContain('noauth');
    const keystoneWithoutAccount = gluon(['--neutron-url', neutronUrl, '--port', '0', '--auth-strategy', 'keystone', '--keystone-url', 'http://127.0.0.1:1/v3']);
    expect(await keystoneWithoutAccount.exited).toBe(2);
    expect(keystoneWithoutAccount.output()).toContain('GLUON_KEYSTONE_PASSWORD');
    const typo = gluon(['--neutron-url', neutronUrl, '--port', '0', '--auth-strategy', 'keystne']);
    expect(await typo.exited).toBe(2);
    expect(typo.output()).toContain('must be one of noauth, token-file, keystone');
  });

  it('--auth-strategy token-file: a bad token to a Gluon port gets keystonemiddleware\'s 401, identity headers grant nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-arbiter-cli-'));
    const member = generateApiToken();
    const tokenFile = join(dir, 'tokens.yaml');
    writeFileSync(tokenFile, `tokens:\n${formatTokenEntry({ name: 'm', sha256: hashApiToken(member), userId: 'u1', projectId: 'tenant-a', roles: ['member'] })}`);
    const prefix = `/cli-tf-${randomUUID().slice(0, 8)}`;
    const kv = createKeyValueStore(sharedEtcd(), { prefix });
    await kv.put('/gluon/port/p-tf', JSON.stringify({ tenant_id: 'tenant-b', service: 'net-l3vpn', url: 'http://127.0.0.1:1' }));
    const proc = gluon(['--neutron-url', neutronUrl, '--port', '0', '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--root', ROOT, '--plugins', '', '--auth-strategy', 'token-file', '--token-file', tokenFile]);
    try {
      const logged = JSON.parse(await proc.waitFor(/Neutron facade listening/)) as { url: string; authStrategy: string };
      expect(logged.authStrategy).toBe('token-file');
      const get = (headers: Record<string, string>) => fetch(`${logged.url}/v2.0/ports/p-tf`, { headers });
      const bad = await get({ 'x-auth-token': 'glt_garbage' });
      expect(bad.status).toBe(401);
      expect(await bad.text()).toBe('{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}');
      const missing = await get({ 'x-project-id': 'tenant-b', 'x-roles': 'admin' });
      expect(missing.status).toBe(401);
      // a member of tenant-a claiming admin of tenant-b by headers: still not found (it is tenant-b's port)
      const escalate = await get({ 'x-auth-token': member, 'x-project-id': 'tenant-b', 'x-roles': 'admin' });
      expect(escalate.status).toBe(404);
      expect(await escalate.json()).toMatchObject({ NeutronError: { type: 'PortNotFound' } });
      // pass-through is untouched (Neutron does its own authentication)
      expect((await fetch(`${logged.url}/v2.0/extensions`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      await kv.deletePrefix('/gluon/');
      await kv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('looks the dummy ids up, serves Neutron pass-through and Gluon ports from etcd, and exits 0 on SIGTERM', async () => {
    const prefix = `/cli-${randomUUID().slice(0, 8)}`;
    const proc = gluon(['--neutron-url', neutronUrl, '--port', '0', '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--root', ROOT, '--plugins', '', '--auth-strategy', 'noauth']);
    const line = await proc.waitFor(/Neutron facade listening/);
    const logged = JSON.parse(line) as { url: string; gluonNetworkId: string; gluonSubnetId: string };
    expect(logged).toMatchObject({ gluonNetworkId: 'net-cli', gluonSubnetId: 'sub-cli' });
    // the start-up log says which driver serves which service (no plugin driver here)
    expect(JSON.parse(await proc.waitFor(/built-in Proton REST driver/))).toMatchObject({ service: '*', driver: 'proton' });
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
