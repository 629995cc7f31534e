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
    await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 90_000 });
    const ports = page.locator(`.opblock-summary-path[data-path="${PORTS}"]`);
    const member = page.locator(`.opblock-summary-path[data-path^="${PORTS}/{"]`);
    // Both blocks render only once scrolled into view; on a busy machine rendering lags the
    // scrolling, so keep scrolling (wrapping to the top at the end) until both are there.
    const deadline = Date.now() + 90_000;
    while ((await ports.count()) === 0 || (await member.count()) === 0) {
      if (Date.now() > deadline) throw new Error(`Swagger UI never rendered ${PORTS} and its member route`);
      const atEnd = await page.evaluate('window.innerHeight + window.scrollY >= document.body.scrollHeight - 2');
      await page.evaluate(atEnd === true ? 'window.scrollTo(0, 0)' : 'window.scrollBy(0, window.innerHeight / 2)');
      await page.waitForTimeout(100);
    }
    await ports.first().waitFor({ state: 'attached' });
    expect((await ports.first().textContent())?.replace(/\u200b/g, '')).toBe(PORTS);
    await member.first().waitFor({ state: 'attached' });
    await page.evaluate('window.scrollTo(0, 0)');
    const openapi = (await (await fetch(`${url}/proton/openapi.json`)).json()) as { info: { title: string } };
    const title = page.locator('.information-container .title').first();
    await title.waitFor({ state: 'visible' });
    expect(await title.textContent()).toContain(openapi.info.title);
    expect(await page.title()).not.toBe('');
    expect(failures).toEqual([]);
    await page.close();
  }, 180_000);
});
