/**
 * Credentials for scripts, against the real Keystone the suite starts: a clouds.yaml
 * profile (`--os-cloud`, `OS_CLOUD`) with a password or an application credential, the
 * `OS_*` variables, the Proton endpoint found in the Keystone catalog, the token cached
 * (mode 0600) and reused until it expires; and a static token of the token-file strategy.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import { KEYSTONE_START_MS, startKeystone, type KeystoneInstance } from '../setup/keystone.js';
import { gluon, protonclient, sse, startProton, watchStub } from './client-helpers.js';

let keystone: KeystoneInstance;
let proton: Awaited<ReturnType<typeof startProton>>;
let home: string;
let adminToken: string;

async function keystoneCall(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const answer = await request(`${keystone.authUrl}${path}`, {
    method,
    headers: { 'x-auth-token': adminToken, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    reset: true,
  });
  const text = await answer.body.text();
  if (answer.statusCode >= 300) throw new Error(`${method} ${path}: ${answer.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function scriptEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), ...extra };
}

beforeAll(async () => {
  keystone = await startKeystone();
  proton = await startProton({
    auth: { strategy: 'keystone', keystone: { authUrl: keystone.authUrl, username: 'gluon', password: keystone.users.gluon.password, projectName: 'service' } },
  });
  home = join(proton.dir, 'home');
  mkdirSync(home);
  adminToken = await keystone.issueToken('admin');
  // The Proton endpoint in the Keystone catalog (service type "proton").
  const service = (await keystoneCall('POST', '/services', { service: { type: 'proton', name: 'gluon', enabled: true } }))['service'] as { id: string };
  await keystoneCall('POST', '/endpoints', { endpoint: { service_id: service.id, interface: 'public', url: proton.url, enabled: true } });
}, KEYSTONE_START_MS);

afterAll(async () => {
  await proton?.stop();
  await keystone?.stop();
});

describe('gluon --os-cloud <profile> against Keystone', () => {
  it('authenticates with the profile\'s password, finds the Proton in the catalog, and caches the token (0600) for the next run', async () => {
    mkdirSync(join(home, 'config', 'openstack'), { recursive: true });
    writeFileSync(join(home, 'config', 'openstack', 'clouds.yaml'), `clouds:
  lab-admin:
    auth:
      auth_url: ${keystone.url}
      username: admin
      password: secret
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
`);
    const first = await gluon(['--os-cloud', 'lab-admin', 'port', 'list', '--api', 'net-l3vpn', '-f', 'json', '--debug'], { env: scriptEnv(), cwd: home });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual([]);
    expect(first.stderr).toContain('token cache miss');
    expect(first.stderr).toContain(`REQ: GET ${proton.url}/proton/`);
    const cacheDir = join(home, 'cache', 'gluon', 'tokens');
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(statSync(join(cacheDir, files[0] ?? '')).mode & 0o777).toBe(0o600);

    const second = await gluon(['port', 'list', '--api', 'net-l3vpn', '-f', 'json', '--debug'], { env: scriptEnv({ OS_CLOUD: 'lab-admin' }), cwd: home });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('token from cache');
    expect(second.stderr).not.toContain('/auth/tokens');

    // a cached token the server refuses (one Keystone no longer knows) is replaced once, and the cache with it
    const file = join(cacheDir, files[0] ?? '');
    const cached = { ...(JSON.parse(readFileSync(file, 'utf8')) as { token: string }), token: 'gAAAAABnot-a-token-keystone-knows' };
    writeFileSync(file, JSON.stringify(cached));
    const third = await gluon(['--os-cloud', 'lab-admin', 'port', 'list', '--api', 'net-l3vpn', '--debug'], { env: scriptEnv(), cwd: home });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('the server refused the token: getting a new one');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { token: string }).token).not.toBe(cached.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('authenticates with an application credential from clouds.yaml in the current directory', async () => {
    const created = (await keystoneCall('POST', `/users/${keystone.users.admin.userId}/application_credentials`, { application_credential: { name: `cli-${Date.now()}` } }))['application_credential'] as { id: string; secret: string };
    const cwd = join(home, 'project');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'clouds.yaml'), `clouds:
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: ${keystone.authUrl}
      application_credential_id: ${created.id}
      application_credential_secret: ${created.secret}
`);
    const result = await gluon(['--os-cloud', 'appcred', 'vpn', 'list', '--api', 'net-l3vpn', '-f', 'value', '-c', 'id'], { env: scriptEnv(), cwd });
    expect(result.code, result.stderr).toBe(0);
  });

  it('reads the OS_* variables as the openstack CLI does; refused credentials exit 1 naming Keystone\'s answer', async () => {
    const env = scriptEnv({ OS_AUTH_URL: keystone.authUrl, OS_USERNAME: 'admin', OS_PROJECT_NAME: 'admin', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', XDG_CACHE_HOME: join(home, 'cache-env') });
    const ok = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: { ...env, OS_PASSWORD: 'secret' } });
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: { ...env, OS_PASSWORD: 'wrong', XDG_CACHE_HOME: join(home, 'cache-wrong') } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[GLUON_ERR_CLI_AUTH]');
    expect(existsSync(join(home, 'cache-wrong'))).toBe(false);
    const noCloud = await gluon(['--os-cloud', 'nope', 'port', 'list'], { env: scriptEnv(), cwd: home });
    expect(noCloud.code).toBe(1);
    expect(noCloud.stderr).toContain('Cloud "nope" is not in');
  });

  it('without credentials the Keystone-protected server answers 401, printed with its code', async () => {
    const result = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: scriptEnv({ GLUON_URL: proton.url }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the server answered 401 \[GLUON_ERR_AUTH_/);
    expect(result.stderr).toContain('--os-cloud <profile>');
  });
});

describe('--watch with Keystone credentials', () => {
  it('gets a new token and resumes with Last-Event-ID when the stream ends with GLUON_ERR_AUTH_INVALID_TOKEN', async () => {
    const stub = await watchStub(proton.url, [
      (res) => {
        sse(res, 'ADDED', undefined, { id: 'a', name: 'first' });
        sse(res, 'BOOKMARK', '4', {});
        sse(res, 'ERROR', undefined, { code: 'GLUON_ERR_AUTH_INVALID_TOKEN', faultstring: 'The token expired.' });
        res.end();
      },
      (res) => sse(res, 'MODIFIED', '5', { id: 'a', name: 'second' }),
    ]);
    const controller = new AbortController();
    try {
      const env = scriptEnv({ GLUON_URL: stub.url, OS_AUTH_URL: keystone.authUrl, OS_USERNAME: 'admin', OS_PASSWORD: 'secret', OS_PROJECT_NAME: 'admin', XDG_CACHE_HOME: join(home, 'cache-watch') });
      const result = await gluon(['port', 'list', '--api', 'net-l3vpn', '--watch'], { env, signal: controller.signal, onOutput: (out) => out.includes('second') && controller.abort() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('ADDED a first\nMODIFIED a second\n');
      expect(stub.lastEventIds).toEqual([undefined, '4']);
      expect(stub.tokens[0]).toBeDefined();
      expect(stub.tokens[1]).toBeDefined();
      expect(stub.tokens[1]).not.toBe(stub.tokens[0]);
    } finally {
      stub.server.closeAllConnections();
      stub.server.close();
    }
  });
});

describe('protonclient with the original\'s OS_* variables', () => {
  it('gets a Keystone token when OS_AUTH_URL, OS_TENANT_NAME, OS_USERNAME and OS_PASSWORD are set, and sends none otherwise', async () => {
    const target = ['--host', new URL(proton.url).hostname, '--port', new URL(proton.url).port];
    const env = scriptEnv({ OS_AUTH_URL: `${keystone.url}/v2.0`, OS_TENANT_NAME: 'admin', OS_USERNAME: 'admin', OS_PASSWORD: 'secret', XDG_CACHE_HOME: join(home, 'cache-pc') });
    const ok = await protonclient(['--api', 'net-l3vpn', 'port-list', ...target], { env });
    expect(ok, ok.stderr).toMatchObject({ code: 0, stdout: '[]\n' });
    const { OS_PASSWORD: _dropped, ...partial } = env;
    const none = await protonclient(['--api', 'net-l3vpn', 'port-list', ...target], { env: partial });
    expect(none).toMatchObject({ code: 1, stderr: 'gluon.common.exception.GluonClientException: Bad return status 401\n' });
  });
});

describe('a static token (token-file strategy)', () => {
  it('is sent from OS_TOKEN / --os-token', async () => {
    const token = generateApiToken();
    const file = join(proton.dir, 'tokens.yaml');
    writeFileSync(file, `tokens:\n${formatTokenEntry({ name: 'ops', sha256: hashApiToken(token), userId: 'ops', projectId: 'admin', roles: ['admin'] })}`);
    const server = await startProton({ auth: { strategy: 'token-file', tokenFile: file } });
    try {
      const ok = await gluon(['port', 'list', '--api', 'net-l3vpn', '--os-token', token], { env: { GLUON_URL: server.url } });
      expect(ok.code, ok.stderr).toBe(0);
      const env = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: { GLUON_URL: server.url, OS_TOKEN: token } });
      expect(env.code, env.stderr).toBe(0);
      const bad = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: { GLUON_URL: server.url, OS_TOKEN: 'nope' } });
      expect(bad.code).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
