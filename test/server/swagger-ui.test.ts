import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtonServer, type ProtonServer } from '../../src/server/index.js';
import { CHROMIUM_ARGS, ensureChromium } from '../setup/chromium.js';
import { PORTS, tempDir } from './helpers.js';

let browser: Browser;
let server: ProtonServer;
let url: string;
let removeTmp: () => Promise<void>;

beforeAll(async () => {
  const executablePath = ensureChromium();
  const tmp = await tempDir('gluon-swagger-');
  removeTmp = tmp.remove;
  server = await createProtonServer({ db: `sqlite:${join(tmp.dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' } });
  url = await server.listen();
  browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await removeTmp?.();
});

describe('/proton/docs in headless Chromium', () => {
  it('renders the Swagger UI page with the operations of the bundled models', async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (err) => failures.push(err.message));
    const response = await page.goto(`${url}/proton/docs`, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);
    // Swagger UI fetches /proton/openapi.json and renders one block per operation.
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 30_000 });
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    const normalized = paths.map((p) => p.replace(/\u200b/g, '').trim());
    expect(normalized).toContain(PORTS);
    expect(normalized.some((p) => p.startsWith(`${PORTS}/{`))).toBe(true);
    const openapi = (await (await fetch(`${url}/proton/openapi.json`)).json()) as { info: { title: string } };
    const title = page.locator('.information-container .title').first();
    await title.waitFor({ state: 'visible' });
    expect(await title.textContent()).toContain(openapi.info.title);
    expect(await page.title()).not.toBe('');
    expect(failures).toEqual([]);
    await page.close();
  });
});
