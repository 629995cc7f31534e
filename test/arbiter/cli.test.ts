/**
 * `gluon arbiter`: flag errors exit 2 (checked in-process, through the command itself),
 * no caller identification unless one is chosen (--auth-strategy is required); as a
 * process (run from the sources with tsx) it serves the facade on the shared test etcd,
 * and SIGTERM stops it with exit 0.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { arbiterCommand } from '../../src/cli/commands/arbiter.js';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import { createKeyValueStore } from '../../src/core/kv/index.js';
import { spawnNode } from '../server/helpers.js';
import { sharedEtcd } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const gluon = (args: readonly string[]) => spawnNode(['--import', 'tsx', MAIN, 'arbiter', ...args], { cwd: ROOT });

/** Runs `gluon arbiter <args>` in this process (no GLUON_* variables set) until it exits: its exit code and what it wrote to stderr. */
async function arbiterInProcess(args: readonly string[]): Promise<{ code: number; output: string }> {
  for (const key of Object.keys(process.env)) if (key.startsWith('GLUON_')) vi.stubEnv(key, undefined);
  const written: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void written.push(parts.join(' ')));
  let code: number | undefined;
  const command = arbiterCommand({ exit: (exitCode) => (code = exitCode) })
    .exitOverride()
    .configureOutput({ writeErr: (text) => void written.push(text), writeOut: (text) => void written.push(text) });
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (err) {
    // a usage error commander itself finds: gluon exits 2 for those (applyCliConventions)
    if (!(err instanceof CommanderError)) throw err;
    code = 2;
  }
  return { code: code ?? -1, output: written.join('\n') };
}

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

  describe('flag errors (in-process)', () => {
    afterEach(() => {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    });

    it.each([
      { flags: (): string[] => [], named: '--neutron-url', why: 'a missing --neutron-url' },
      { flags: (): string[] => ['--neutron-url', neutronUrl, '--port', 'http'], named: '--port', why: 'a --port that is not a number' },
      { flags: (): string[] => ['--neutron-url', neutronUrl, '--port', '0'], named: 'needs --auth-strategy', why: 'no --auth-strategy (headers are never trusted by default)' },
      {
        flags: (): string[] => ['--neutron-url', neutronUrl, '--port', '0', '--auth-strategy', 'keystone', '--keystone-url', 'http://127.0.0.1:1/v3'],
        named: 'GLUON_KEYSTONE_PASSWORD',
        why: 'keystone without a service account',
      },
      { flags: (): string[] => ['--neutron-url', neutronUrl, '--port', '0', '--auth-strategy', 'keystne'], named: 'must be one of noauth, token-file, keystone', why: 'a misspelt --auth-strategy' },
    ])('exits 2 naming what to fix for $why', async ({ flags, named }) => {
      const { code, output } = await arbiterInProcess(flags());
      expect(code).toBe(2);
      expect(output).toContain(named);
    });

    it('without --auth-strategy it names noauth as the explicit choice for trusted callers', async () => {
      const { output } = await arbiterInProcess(['--neutron-url', neutronUrl, '--port', '0']);
      expect(output).toContain('noauth');
    });
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
