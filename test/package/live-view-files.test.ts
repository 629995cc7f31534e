/**
 * The live view ships with the package: its files are in what `npm pack` publishes, and
 * the built server (dist/) finds and serves them from the package root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as GluonNet from '../../src/index.js';
import { ROOT, ensureBuilt } from '../ops/cli-build.js';

const UI_FILES = ['ui/index.html', 'ui/app.js', 'ui/app.css'];

describe('the live view in the package', () => {
  let dir: string;

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'gluon-ui-package-'));
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes the page, its script and its style sheet', () => {
    const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as { files: { path: string }[] }[];
    const published = new Set(listing[0]?.files.map((f) => f.path));
    for (const file of UI_FILES) expect(published.has(file), file).toBe(true);
  }, 120_000);

  it('is served by the built server, byte for byte', async () => {
    const built = (await import(join(ROOT, 'dist', 'index.js'))) as typeof GluonNet;
    const server = await built.createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' } });
    try {
      const url = await server.listen();
      for (const [route, file] of [['/proton/ui', 'ui/index.html'], ['/proton/ui/app.js', 'ui/app.js'], ['/proton/ui/app.css', 'ui/app.css']] as const) {
        const response = await fetch(`${url}${route}`);
        expect(response.status, route).toBe(200);
        expect(await response.text(), route).toBe(readFileSync(join(ROOT, file), 'utf8'));
      }
    } finally {
      await server.close();
    }
  }, 60_000);
});
