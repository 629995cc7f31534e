import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const FORBIDDEN = ['fastify', 'sequelize', 'sqlite3', 'better-sqlite3', 'mysql2', 'etcd3', 'tsyringe', '@fastify/'];

/** Every module specifier a built file imports (static and dynamic), and the local files it pulls in, recursively. */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [resolve(dist, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const code = readFileSync(file, 'utf8');
    const specifiers = [
      ...code.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/(?:^|[;\s])import\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...code.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1] as string);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(join(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

describe('the built gluon-net/drivers and gluon-net/testing bundles', () => {
  for (const entry of ['drivers.js', 'drivers.cjs', 'testing.js']) {
    it(`${entry} (and every chunk it imports) loads neither the server nor fastify, Sequelize, SQL drivers or etcd`, () => {
      expect(existsSync(join(dist, entry)), `dist/${entry} exists (npm run build)`).toBe(true);
      const { files, packages } = importGraph(entry);
      for (const name of packages) {
        for (const forbidden of FORBIDDEN) expect(name.startsWith(forbidden), `${entry} imports ${name}`).toBe(false);
      }
      for (const file of files) {
        const code = readFileSync(file, 'utf8');
        expect(code, `${file} contains the server`).not.toMatch(/createProtonServer|protonPlugin|new Sequelize/);
      }
    });
  }

  it('gluon-net/drivers loads through ESM and CommonJS with the same exports', async () => {
    const esm = (await import(join(dist, 'drivers.js'))) as Record<string, unknown>;
    const { createRequire } = await import('node:module');
    const cjs = createRequire(import.meta.url)(join(dist, 'drivers.cjs')) as Record<string, unknown>;
    expect(typeof esm['createProtonDriver']).toBe('function');
    expect(typeof esm['discoverPlugins']).toBe('function');
    expect(typeof esm['defineDriver']).toBe('function');
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  });
});
