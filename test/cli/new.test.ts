/**
 * `gluon new api|shim|driver|server <name>`: what it refuses (bad kind, bad name, a
 * directory already holding something) and what it writes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkNewName, runNew, TEMPLATE_KINDS, type NewIo } from '../../src/cli/commands/new.js';

const work = mkdtempSync(join(tmpdir(), 'gluon-new-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function recordingIo(): NewIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line) };
}

let next = 0;
const freshDir = (): string => join(work, `target-${++next}`);

describe('gluon new', () => {
  it.each(TEMPLATE_KINDS)('writes a %s package named after <name>, with a README, a package.json whose test runs vitest, and a tsconfig', async (kind) => {
    const dir = freshDir();
    const io = recordingIo();
    expect(await runNew(kind, 'acme-vpn', { dir, io })).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };
    expect(manifest.name).toBe('acme-vpn');
    expect(manifest.scripts['test']).toContain('vitest run');
    for (const file of ['README.md', 'tsconfig.json', '.gitignore']) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('# acme-vpn');
    expect(io.lines.join('\n')).toContain(dir);
  });

  it('declares what each plugin package provides in its gluon field', async () => {
    const field = async (kind: string): Promise<unknown> => {
      const dir = freshDir();
      await runNew(kind, 'acme-vpn', { dir, io: recordingIo() });
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { gluon?: unknown }).gluon;
    };
    expect(await field('shim')).toEqual({ apiVersion: 1, shims: { 'acme-vpn': './dist/shim.js#default' } });
    expect(await field('driver')).toEqual({ apiVersion: 1, drivers: { 'acme-vpn': './dist/driver.js#default' } });
    expect(await field('api')).toEqual({ apiVersion: 1, models: ['./models/acme-vpn.yaml'] });
  });

  it('gives the api package its model and the base objects it extends', async () => {
    const dir = freshDir();
    await runNew('api', 'acme-vpn', { dir, io: recordingIo() });
    expect(readdirSync(join(dir, 'models')).sort()).toEqual(['acme-vpn.yaml', 'base.yaml']);
    expect(readFileSync(join(dir, 'models', 'acme-vpn.yaml'), 'utf8')).toMatch(/name: acme-vpn\b/);
  });

  it('refuses an unknown kind with exit 2, listing the kinds', async () => {
    const io = recordingIo();
    expect(await runNew('plugin', 'acme-vpn', { dir: freshDir(), io })).toBe(2);
    expect(io.errors.join('\n')).toContain('api, shim, driver, server');
  });

  it('refuses a directory that holds something, with exit 2, and leaves it as it was', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const io = recordingIo();
    expect(await runNew('shim', 'acme-vpn', { dir, io })).toBe(2);
    expect(io.errors.join('\n')).toContain('is not empty');
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('uses an existing empty directory', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    expect(await runNew('driver', 'acme-vpn', { dir, io: recordingIo() })).toBe(0);
    expect(existsSync(join(dir, 'src', 'driver.ts'))).toBe(true);
  });

  it('refuses every name that breaks the rule with exit 2, naming the rule and the name, and writes nothing', async () => {
    const badName = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(s) || s.length > 50);
    await fc.assert(
      fc.asyncProperty(badName, fc.constantFrom(...TEMPLATE_KINDS), async (name, kind) => {
        const dir = freshDir();
        const io = recordingIo();
        expect(await runNew(kind, name, { dir, io })).toBe(2);
        expect(io.errors.join('\n')).toContain('rule package-name');
        expect(io.errors.join('\n')).toContain(JSON.stringify(name));
        expect(existsSync(dir)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('accepts lowercase, dash-separated names up to 50 characters', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (words) => {
        expect(checkNewName(words.join('-'))).toBeUndefined();
      }),
    );
    expect(checkNewName('a'.repeat(51))).toMatch(/at most 50 characters/);
  });
});
