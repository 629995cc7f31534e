import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const FORBIDDEN = /^(fastify|@fastify\/|fastify-plugin|sequelize|sqlite3|better-sqlite3|mysql2|tsyringe|reflect-metadata|prom-client|@fastify)/;

/** Specifiers of every static import/export-from, side-effect import, dynamic import and require of a file. */
function specifiers(code: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /\bimport\s+(?:[\w*${}\s,]+?\s+from\s+)?["']([^"']+)["']/g,
    /\bexport\s+(?:\*|\{[^}]*\})\s*(?:as\s+\w+\s+)?from\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.add(m[1]!);
  return [...out];
}

/** Follows relative imports from `entry` recursively; returns every file reached and every bare specifier. */
function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], packages: [...packages].sort() };
}

describe('the built gluon-net/shim-sdk bundle', () => {
  for (const entry of ['shim-sdk.js', 'shim-sdk.cjs']) {
    it(`${entry} and its chunks import neither fastify, Sequelize, an SQLite driver nor the server`, () => {
      const file = join(DIST, entry);
      expect(existsSync(file), `${file} is missing: run npm run build first`).toBe(true);
      const { files, packages } = closure(file);
      expect(files.length).toBeGreaterThanOrEqual(1);
      expect(packages.filter((p) => FORBIDDEN.test(p))).toEqual([]);
      // only what a shim needs: etcd3 (and its deps through it), cockatiel, node built-ins
      expect(packages.filter((p) => !p.startsWith('node:') && !builtinModules.includes(p) && p !== 'etcd3' && p !== 'cockatiel')).toEqual([]);
      for (const f of files) {
        const code = readFileSync(f, 'utf8');
        expect(code, `${f} holds server code`).not.toMatch(/createProtonServer|protonPlugin|ProtonRegistry/);
      }
    });
  }

  it('the parser sees every kind of import statement', () => {
    const code = `import a from "x1"; import { b } from 'x2'; import * as c from "x3"; import "x4"; export { d } from "./x5.js"; export * from './x6.js'; await import("x7"); require("x8");`;
    expect(specifiers(code).sort()).toEqual(['./x5.js', './x6.js', 'x1', 'x2', 'x3', 'x4', 'x7', 'x8']);
  });
});
