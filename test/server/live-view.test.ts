/**
 * The live view (`/proton/ui`) in headless Chromium: ports, objects and shims update from
 * the watch streams without a reload; everything rendered is text; with token auth the
 * page asks for a token and no data reaches it without one.
 *
 * The screenshot of the bound port is saved as `.tmp/ui/live-view.png` (gitignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatTokenEntry, generateApiToken, hashApiToken } from '../../src/core/auth/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';
import { createShim, type Shim } from '../../src/shim-sdk/index.js';
import { API, TENANT, bindBody, createPort, uniquePrefix } from '../binding/helpers.js';
import { CHROMIUM_ARGS, ensureChromium } from '../setup/chromium.js';
import { tempDir } from './helpers.js';
import { call } from '../setup/http-call.js';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../.tmp/ui/', import.meta.url));
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">';

let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const executablePath = ensureChromium();
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startServer(extra: Partial<ProtonServerOptions> = {}): Promise<{ server: ProtonServer; url: string; dir: string }> {
  const tmp = await tempDir('gluon-live-view-');
  cleanups.push(tmp.remove);
  const server = await createProtonServer({ db: `sqlite:${join(tmp.dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, ...extra });
  cleanups.push(() => server.close());
  return { server, url: await server.listen(), dir: tmp.dir };
}

/** Opens the live view and collects the page's script errors. */
async function openView(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const response = await page.goto(`${url}/proton/ui`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return { page, errors };
}

const portRow = (page: Page, id: string) => page.locator(`#ports tr[data-port-id="${id}"]`);

describe('the live view of a server without auth', () => {
  let url: string;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ url } = await startServer());
    ({ page, errors } = await openView(url));
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 60_000 });
  }, 120_000);

  it('serves the page with a content security policy that allows only its own script, style and server', async () => {
    const response = await fetch(`${url}/proton/ui`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${url}/proton/ui/`)).text()).toBe(await (await fetch(`${url}/proton/ui`)).text());
    const script = await fetch(`${url}/proton/ui/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('shows a bind made through the API within a second, without reload, with the shim and its host', async () => {
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.evaluate('window.__sameDocument = true');

    const id = await createPort(url);
    await portRow(page, id).waitFor({ timeout: 10_000 });
    expect(await portRow(page, id).locator('td.binding').getAttribute('data-binding')).toBe('unbound');

    const bound = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: bindBody('compute-1') });
    expect(bound.status, JSON.stringify(bound.json())).toBe(200);
    const answeredAt = Date.now();
    await portRow(page, id).locator('td.binding[data-binding="bound"]').waitFor({ timeout: 1000 });
    const shownAfterMs = Date.now() - answeredAt;
    expect(shownAfterMs).toBeLessThan(1000);
    console.info(`live view: the bind was on the page ${shownAfterMs} ms after the PUT answered`);
    expect(await portRow(page, id).locator('td.host').textContent()).toBe('compute-1');
    expect(await portRow(page, id).locator('td.vif').textContent()).toBe(bound.json()['vif_type']);
    expect(await portRow(page, id).locator('td.status').textContent()).toBe('ACTIVE');
    expect(navigations).toBe(0);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    const shim = page.locator('#shims tr[data-shim="net-l3vpn-dummy"]');
    await shim.locator('td.hosts', { hasText: 'compute-1' }).waitFor({ timeout: 10_000 });

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(join(SCREENSHOT_DIR, 'live-view.png'), await page.screenshot({ fullPage: true }));
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows a failed bind and an unbind live', async () => {
    const id = await createPort(url, { binding: false });
    await portRow(page, id).waitFor({ timeout: 10_000 });
    const failed = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: bindBody('compute-2') });
    expect(failed.json()['vif_type']).toBe('binding_failed');
    await portRow(page, id).locator('td.binding[data-binding="failed"]').waitFor({ timeout: 10_000 });
    const unbound = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: { host_id: '', device_id: '', device_owner: '', profile: '' } });
    expect(unbound.status).toBe(200);
    await portRow(page, id).locator('td.binding[data-binding="unbound"]').waitFor({ timeout: 10_000 });
    expect(await portRow(page, id).locator('td.host').textContent()).toBe('');
    const deleted = await call(`${url}${API}/ports/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await portRow(page, id).waitFor({ state: 'detached', timeout: 10_000 });
  }, 60_000);

  it('renders object fields as text: markup in a name is shown, never run', async () => {
    const id = await createPort(url, { binding: false });
    const renamed = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: { name: HOSTILE_NAME } });
    expect(renamed.status, JSON.stringify(renamed.json())).toBe(200);
    await portRow(page, id).locator('td.name', { hasText: 'onerror' }).waitFor({ timeout: 10_000 });
    expect(await portRow(page, id).locator('td.name').textContent()).toBe(HOSTILE_NAME);
    expect(await page.locator('#ports img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
  }, 60_000);

  it('lists the objects of the selected collection and follows their changes', async () => {
    await page.locator('#protons button[data-path$="/net-l3vpn/v1.0/vpns"]').click();
    await page.locator('#objects-title', { hasText: 'vpns' }).waitFor();
    const vpn = await call(`${url}${API}/vpns`, { method: 'POST', body: { tenant_id: TENANT, name: 'live-vpn', ipv4_family: '100:9', route_distinguishers: '100:9' } });
    expect(vpn.status).toBe(201);
    const row = page.locator(`#objects tr[data-id="${String(vpn.json()['id'])}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.textContent()).toContain('live-vpn');
    expect((await call(`${url}${API}/vpns/${String(vpn.json()['id'])}`, { method: 'DELETE' })).status).toBe(204);
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  }, 60_000);
});

/** Pieces of text that mean something to HTML, attributes, URLs or JavaScript strings. */
const TRICKY_PIECES = ['<', '>', '&', '"', "'", '/', '=', ' ', 'a', 'é', '\u2028', '&lt;', '<script>', '</td>', 'onerror=', 'javascript:', '${x}', '\\'];

describe('rendering arbitrary names', () => {
  it('shows every name exactly as the API returns it, as text', async () => {
    const { url } = await startServer();
    const { page, errors } = await openView(url);
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 60_000 });
    const id = await createPort(url, { binding: false });
    await portRow(page, id).waitFor({ timeout: 10_000 });
    const names = fc.array(fc.constantFrom(...TRICKY_PIECES), { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join('').slice(0, 64));
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        const renamed = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: { name } });
        expect(renamed.status, JSON.stringify(renamed.json())).toBe(200);
        const revision = String(renamed.json()['revision_number']);
        await page.locator(`#ports tr[data-port-id="${id}"][data-revision="${revision}"]`).waitFor({ timeout: 10_000 });
        expect(await portRow(page, id).locator('td.name').textContent()).toBe(renamed.json()['name']);
        expect(await page.locator('#ports img, #ports script').count()).toBe(0);
      }),
      { numRuns: 25 },
    );
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});

describe('shims run apart from the server', () => {
  it('lists a shim with its host and its elected instance once it answers a bind', async () => {
    const { server, url } = await startServer({ inProcessShim: false });
    const api = server.registry.defaultVersion('net-l3vpn');
    const shim: Shim = createShim({
      kv: server.kv,
      api: 'net-l3vpn',
      name: 'compute-7-controller',
      hosts: ['compute-7'],
      election: { candidateId: 'compute-7-agent' },
      ...(api === undefined ? {} : { model: api }),
      handlers: { Port: { bind: async () => ({ vif_type: 'bridge', vif_details: { bridge_name: 'brq-live' } }) } },
    });
    cleanups.push(() => shim.close());
    await shim.start();
    const { page } = await openView(url);
    const row = page.locator('#shims tr[data-shim="compute-7-controller"]');
    await row.locator('td.instances', { hasText: 'compute-7-agent (leader)' }).waitFor({ timeout: 30_000 });

    const id = await createPort(url);
    const bound = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: bindBody('compute-7') });
    expect(bound.json()['vif_type']).toBe('bridge');
    await portRow(page, id).locator('td.binding[data-binding="bound"]').waitFor({ timeout: 10_000 });
    await row.locator('td.hosts', { hasText: 'compute-7' }).waitFor({ timeout: 10_000 });
    expect(await row.locator('td.bound').textContent()).toBe('1');
    const shims = (await (await fetch(`${url}/proton/ui/shims`)).json()) as { shims: unknown[] };
    expect(shims.shims).toContainEqual({ api: 'net-l3vpn', name: 'compute-7-controller', hosts: ['compute-7'], bound: 1, failed: 0, candidates: [{ id: 'compute-7-agent', leader: true }] });
    await page.close();
  }, 120_000);
});

describe('a server built with ui: false', () => {
  it('serves no live view', async () => {
    const { url } = await startServer({ ui: false });
    for (const path of ['/proton/ui', '/proton/ui/app.js', '/proton/ui/overview', '/proton/ui/shims']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });
});

describe('the live view of a server on etcd', () => {
  it('follows binds through the etcd mirror and reads the shims from etcd', async () => {
    const { url } = await startServer({ etcd: inject('etcdEndpoint'), etcdPrefix: uniquePrefix(), inProcessShim: true });
    const { page, errors } = await openView(url);
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 60_000 });
    const id = await createPort(url);
    await portRow(page, id).waitFor({ timeout: 10_000 });
    const bound = await call(`${url}${API}/ports/${id}`, { method: 'PUT', body: bindBody('compute-3') });
    expect(bound.status, JSON.stringify(bound.json())).toBe(200);
    await portRow(page, id).locator('td.binding[data-binding="bound"]').waitFor({ timeout: 10_000 });
    expect(await portRow(page, id).locator('td.host').textContent()).toBe('compute-3');
    await page.locator('#shims tr[data-shim="net-l3vpn-dummy"] td.hosts', { hasText: 'compute-3' }).waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('the live view of a server with token auth', () => {
  const tokens = { admin: generateApiToken(), member: generateApiToken() };
  let url: string;

  beforeAll(async () => {
    const tmp = await tempDir('gluon-live-view-tokens-');
    cleanups.push(tmp.remove);
    const tokenFile = join(tmp.dir, 'tokens.yaml');
    const entries = [
      formatTokenEntry({ name: 'admin', sha256: hashApiToken(tokens.admin), userId: 'admin', projectId: 'admin', roles: ['admin'] }),
      formatTokenEntry({ name: 'member', sha256: hashApiToken(tokens.member), userId: 'u1', projectId: TENANT, roles: ['member'] }),
    ];
    writeFileSync(tokenFile, `tokens:\n${entries.join('')}`);
    ({ url } = await startServer({ auth: { strategy: 'token-file', tokenFile } }));
  }, 120_000);

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${url}${path}`, { headers: token === undefined ? {} : { 'x-auth-token': token } });
    const text = await response.text();
    return { status: response.status, text };
  };

  it('serves the page and the model without a token, and refuses every data request without one', async () => {
    expect((await get('/proton/ui')).status).toBe(200);
    expect((await get('/proton/ui/app.js')).status).toBe(200);
    const overview = await get('/proton/ui/overview');
    expect(overview.status).toBe(200);
    expect(JSON.parse(overview.text)).toMatchObject({ auth: { strategy: 'token-file', header: 'X-Auth-Token' }, watch: true });
    for (const path of ['/proton/ui/shims', `${API}/ports?watch=true`, `${API}/ports`, `${API}/vpns?watch=true`]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(401);
      expect(JSON.parse(answer.text), path).toMatchObject({ code: 'GLUON_ERR_AUTH_REQUIRED' });
      expect((await get(path, 'glt_not-a-token')).status, path).toBe(401);
    }
    expect((await get('/proton/ui/shims', tokens.member)).status).toBe(403);
    expect((await get('/proton/ui/shims', tokens.admin)).status).toBe(200);
  });

  it('asks for a token, shows nothing before, and sends the token on every data request after', async () => {
    const created = await fetch(`${url}${API}/ports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': tokens.admin },
      body: JSON.stringify({ tenant_id: TENANT, name: 'secret-port', mac_address: 'fa:16:3e:00:00:07', admin_state_up: true, status: 'DOWN', vnic_type: 'normal', mtu: 1500, vlan_transparency: false }),
    });
    expect(created.status).toBe(201);
    const id = String(((await created.json()) as Record<string, unknown>)['id']);

    const dataRequests: { path: string; token: string | undefined }[] = [];
    const page = await browser.newPage();
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/proton/net-l3vpn') || path === '/proton/ui/shims') dataRequests.push({ path, token: request.headers()['x-auth-token'] });
    });
    await page.goto(`${url}/proton/ui`, { waitUntil: 'load' });
    await page.locator('#login').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#view').isHidden()).toBe(true);
    expect(await page.content()).not.toContain('secret-port');
    expect(dataRequests).toEqual([]);

    await page.fill('#token-input', 'glt_not-a-token');
    await page.click('#login-form button[type="submit"]');
    await page.locator('#login-error', { hasText: 'refused' }).waitFor({ timeout: 30_000 });
    expect(await page.content()).not.toContain('secret-port');

    await page.fill('#token-input', tokens.admin);
    await page.click('#login-form button[type="submit"]');
    await portRow(page, id).waitFor({ timeout: 30_000 });
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 30_000 });
    const withToken = dataRequests.filter((r) => r.token === tokens.admin);
    expect(withToken.length).toBeGreaterThan(0);
    expect(dataRequests.every((r) => r.token === tokens.admin || r.token === 'glt_not-a-token')).toBe(true);
    await page.close();
  }, 120_000);
});
