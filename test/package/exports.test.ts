import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | Record<string, Record<string, string>>>;
  bin: Record<string, string>;
};
const typedoc = JSON.parse(readFileSync(new URL('typedoc.json', root), 'utf8')) as { entryPoints: string[] };
const subpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json');
const sourceOf = (subpath: string): string => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}/index.ts`);

describe('package.json exports map', () => {
  it('ships every command it names in bin as a node script', () => {
    expect(Object.keys(pkg.bin)).toContain('gluon');
    for (const file of Object.values(pkg.bin)) {
      // node through env, with node flags after `-S` (test/ops/gluon-command.test.ts runs it)
      expect(readFileSync(new URL(file, root), 'utf8').split('\n')[0], file).toMatch(/^#!\/usr\/bin\/env (-S )?node( --[\w-]+(=\S+)?)*$/);
    }
  });

  it('lets tools read gluon-net/package.json through the exports map', () => {
    const resolved = createRequire(import.meta.url).resolve('gluon-net/package.json');
    expect((JSON.parse(readFileSync(resolved, 'utf8')) as { name: string }).name).toBe('gluon-net');
  });

  it('lists `types` first in every condition', () => {
    for (const subpath of subpaths) {
      const conditions = pkg.exports[subpath];
      expect(typeof conditions).toBe('object');
      for (const target of Object.values(conditions as Record<string, Record<string, string>>)) {
        expect(Object.keys(target)[0], subpath).toBe('types');
      }
    }
  });

  it('exports only subpaths that have a source part and built files', () => {
    for (const subpath of subpaths) {
      expect(existsSync(new URL(sourceOf(subpath), root)), sourceOf(subpath)).toBe(true);
      const conditions = pkg.exports[subpath] as Record<string, Record<string, string>>;
      for (const target of Object.values(conditions)) {
        for (const file of Object.values(target)) expect(existsSync(new URL(file, root)), file).toBe(true);
      }
    }
  });

  it('has typedoc entry points that are exactly the exports map', () => {
    expect([...typedoc.entryPoints].sort()).toEqual(subpaths.map(sourceOf).sort());
  });

  it('loads through both the ESM and the CommonJS build', async () => {
    const esm = (await import(new URL('dist/index.js', root).href)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(new URL('dist/index.cjs', root).pathname) as Record<string, unknown>;
    expect(typeof esm['GluonError']).toBe('function');
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
  });
});
