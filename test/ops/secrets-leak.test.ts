/**
 * Secrets never leak: a full chain (`gluon serve` with token-file auth, a shim, `gluon
 * arbiter`) runs with its secrets given through the environment and files, at debug log
 * level, binds a port end to end, and then every log line, every answer, `/metrics` and
 * the `ps` listing are searched for each secret.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import { sharedEtcd } from '../arbiter/helpers.js';
import { PORTS, portBody, spawnNode, tempDir, type Spawned } from '../server/helpers.js';
import { killShim, spawnShim, type ShimProcess } from '../shim-sdk/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const gluon = (args: readonly string[], env: Record<string, string>): Spawned => spawnNode(['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env });

const running: Spawned[] = [];
let shim: ShimProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killShim(shim);
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
    await proc.exited;
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One HTTP exchange, its answer kept as text for the search. */
async function exchange(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.token === undefined ? {} : { 'x-auth-token': init.token }), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, text: `${JSON.stringify([...response.headers])}\n${await response.text()}` };
}

describe('secrets in a full run', () => {
  it('appear in no log line, answer, /metrics or ps listing of the server, the shim and the arbiter', async () => {
    const tmp = await tempDir('gluon-secrets-');
    cleanups.push(tmp.remove);
    const adminToken = generateApiToken();
    const memberToken = generateApiToken();
    const keystonePassword = `ks-${randomUUID()}`;
    const neutronToken = `nt-${randomUUID()}`;
    const secrets = { adminToken, memberToken, keystonePassword, neutronToken };

    const tokenFile = join(tmp.dir, 'tokens.yaml');
    writeFileSync(
      tokenFile,
      `tokens:\n${formatTokenEntry({ name: 'ops', sha256: hashApiToken(adminToken), userId: 'u-admin', projectId: 'tenant-a', roles: ['admin'] })}` +
        formatTokenEntry({ name: 'm', sha256: hashApiToken(memberToken), userId: 'u-member', projectId: 'tenant-b', roles: ['member'] }),
      { mode: 0o600 },
    );
    const passwordFile = join(tmp.dir, 'keystone-password');
    writeFileSync(passwordFile, `${keystonePassword}\n`, { mode: 0o600 });
    const prefix = `/secrets-${randomUUID().slice(0, 8)}`;
    const env = { GLUON_KEYSTONE_PASSWORD_FILE: passwordFile, GLUON_NEUTRON_TOKEN: neutronToken, GLUON_LOG_FORMAT: 'json' };
    const shared = ['--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--auth-strategy', 'token-file', '--token-file', tokenFile, '--log-level', 'debug'];

    const server = gluon(['serve', '--port', '0', '--db', `sqlite:${join(tmp.dir, 'gluon.db')}`, ...shared], env);
    running.push(server);
    const serverUrl = (JSON.parse(await server.waitFor(/listening on http/)) as { url: string }).url;
    shim = spawnShim(['examples/dummy-shim', '--etcd', sharedEtcd(), '--etcd-prefix', prefix, '--log-level', 'debug']);
    const arbiter = gluon(['arbiter', '--neutron-url', 'http://127.0.0.1:1', '--port', '0', '--gluon-network-id', 'net-s', '--gluon-subnet-id', 'sub-s', '--root', ROOT, '--plugins', '', ...shared], env);
    running.push(arbiter);
    const arbiterUrl = (JSON.parse(await arbiter.waitFor(/Neutron facade listening/)) as { url: string }).url;

    const answers: string[] = [];
    const id = randomUUID();
    const created = await exchange(`${serverUrl}${PORTS}`, { method: 'POST', token: adminToken, body: portBody(id) });
    expect(created.status).toBe(201);
    answers.push(created.text);
    const tenant = String(portBody(id)['tenant_id']);
    const vpn = await exchange(`${serverUrl}/proton/net-l3vpn/v1.0/vpns`, { method: 'POST', token: adminToken, body: { tenant_id: tenant, name: 'vpn-s', ipv4_family: '100:1', route_distinguishers: '100:1' } });
    expect(vpn.status).toBe(201);
    const vpnId = (JSON.parse(vpn.text.split('\n').slice(1).join('\n')) as { id: string }).id;
    const binding = { tenant_id: tenant, interface_id: id, service_id: vpnId, ipaddress: '10.10.0.5', subnet_prefix: 24, gateway: '10.10.0.1' };
    expect((await exchange(`${serverUrl}/proton/net-l3vpn/v1.0/vpnbindings`, { method: 'POST', token: adminToken, body: binding })).status).toBe(201);
    // a bind through the arbiter, answered once the shim reported
    const bound = await exchange(`${arbiterUrl}/v2.0/ports/${id}`, { method: 'PUT', token: adminToken, body: { port: { 'binding:host_id': 'compute-1', device_id: randomUUID(), device_owner: 'compute:nova' } } });
    answers.push(bound.text);
    expect(bound.status).toBe(200);
    expect(JSON.parse(bound.text.split('\n').slice(1).join('\n'))).toMatchObject({ port: { 'binding:vif_type': 'ovs' } });
    // refusals: another project's port, a wrong token
    answers.push((await exchange(`${arbiterUrl}/v2.0/ports/${id}`, { token: memberToken })).text);
    answers.push((await exchange(`${serverUrl}${PORTS}/${id}`, { token: `${adminToken}x` })).text);
    const metrics = await exchange(`${serverUrl}/metrics`, { token: adminToken });
    expect(metrics.status).toBe(200);
    answers.push(metrics.text);
    const ps = execFileSync('ps', ['-eo', 'pid,args', '-ww'], { encoding: 'utf8' });
    expect(ps).toContain(tokenFile);

    for (const proc of running) proc.child.kill('SIGTERM');
    for (const proc of running) await proc.exited;
    const shimOutput = `${shim.stderr()}\n${JSON.stringify(shim.logs)}`;
    const everything = { server: server.output(), arbiter: arbiter.output(), shim: shimOutput, answers: answers.join('\n'), ps };
    expect(server.output()).toContain('"level":20'); // debug lines were written, the settings echo among them
    for (const [name, secret] of Object.entries(secrets)) {
      for (const [where, text] of Object.entries(everything)) expect(text.includes(secret), `${name} found in ${where}`).toBe(false);
    }
  });
});
