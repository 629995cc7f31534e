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
    // Swagger UI fetches /proton/openapi.json and renders one block per operation; it renders
    // tag sections as they scroll into view, so scroll down until the net-l3vpn ports appear.
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 30_000 });
    const ports = page.locator(`.opblock-summary-path[data-path="${PORTS}"]`);
    for (let step = 0; step < 200 && (await ports.count()) === 0; step++) {
      await page.evaluate('window.scrollBy(0, window.innerHeight / 2)');
      await page.waitForTimeout(50);
    }
    await ports.first().waitFor({ state: 'visible', timeout: 10_000 });
    expect((await ports.first().textContent())?.replace(/\u200b/g, '')).toBe(PORTS);
    const member = page.locator(`.opblock-summary-path[data-path^="${PORTS}/{"]`);
    // rendered as it scrolls into view, like the collection: scroll until it is there, however slow the machine
    for (let step = 0; step < 200 && (await member.count()) === 0; step++) {
      await page.evaluate('window.scrollBy(0, window.innerHeight / 2)');
      await page.waitForTimeout(50);
    }
    await member.first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    const openapi = (await (await fetch(`${url}/proton/openapi.json`)).json()) as { info: { title: string } };
    const title = page.locator('.information-container .title').first();
    await title.waitFor({ state: 'visible' });
    expect(await title.textContent()).toContain(openapi.info.title);
    expect(await page.title()).not.toBe('');
    expect(failures).toEqual([]);
    await page.close();
  });
});
