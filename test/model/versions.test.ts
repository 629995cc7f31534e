import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModelsCheck } from '../../src/cli/commands/models-check.js';
import { ModelError } from '../../src/core/errors/index.js';
import fc from 'fast-check';
import { compileModels, fromStorageObject, resolveVersions, toStorageValues } from '../../src/core/model/index.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/versions', import.meta.url));
const V10 = readFileSync(join(EXAMPLE, 'shop-v1.0.yaml'), 'utf8');
const V11 = readFileSync(join(EXAMPLE, 'shop-v1.1.yaml'), 'utf8');

/** The issues of compiling shop 1.0 with a changed 1.1 (`edit` rewrites 1.1's text). */
function issuesOf(edit: (text: string) => string, v10: (text: string) => string = (t) => t): { line?: number | undefined; column?: number | undefined; rule: string; message: string; file: string; code: string }[] {
  try {
    compileModels([
      { path: 'shop-v1.0.yaml', text: v10(V10) },
      { path: 'shop-v1.1.yaml', text: edit(V11) },
    ]);
  } catch (err) {
    if (err instanceof ModelError) return err.issues.map((i) => ({ line: i.line, column: i.column, rule: i.rule, message: i.message, file: i.file, code: i.code }));
    throw err;
  }
  return [];
}

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('version conversions are checked, every problem located', () => {
  it('accepts the example: storage v1.0 (the oldest), v1.1 renames, hides and adds', () => {
    const [shop] = resolveVersions(compileModels([
      { path: 'shop-v1.0.yaml', text: V10 },
      { path: 'shop-v1.1.yaml', text: V11 },
    ]));
    expect(shop?.storage.versionId).toBe('v1.0');
    const widget = shop?.storage.objects.find((o) => o.name === 'Widget');
    expect(widget?.attributes.map((a) => a.name)).toEqual(['id', 'tenant_id', 'name', 'colour', 'legacy_code', 'weight']);
    expect(widget?.attributes.find((a) => a.name === 'weight')?.required).toBe(false);
    expect(shop?.served.map((v) => [v.api.versionId, v.status])).toEqual([['v1.0', 'DEPRECATED'], ['v1.1', 'CURRENT']]);
  });

  it('storage: true picks the storage version', () => {
    const tiny = (version: string, storage: string): string =>
      `file_version: "1.0"\ninfo:\n  name: tiny\n  version: "${version}"\n${storage}objects:\n  Thing:\n    api: {name: thing}\n    attributes:\n      id: {type: uuid, primary: true}\n`;
    const [declared] = resolveVersions(compileModels([
      { path: 'tiny-1.yaml', text: tiny('1.0', '') },
      { path: 'tiny-2.yaml', text: tiny('2.0', '  storage: true\n') },
    ]));
    expect(declared?.storage.versionId).toBe('v2.0');
    // shop with v1.1 as storage: now v1.0 does not declare its differences from it
    const issues = issuesOf((t) => t.replace('  version: "1.1"', '  version: "1.1"\n  storage: true'));
    expect(issues.map((i) => i.rule)).toContain('removed-declared');
    expect(issues.every((i) => i.code === 'GLUON_ERR_MODEL_VERSION_CONVERSION' && i.file === 'shop-v1.0.yaml')).toBe(true);
  });

  it('renamed_from must name a storage attribute', () => {
    const issues = issuesOf((t) => t.replace('renamed_from: colour', 'renamed_from: color_code'));
    // …and the storage attribute it meant, colour, is then served by nobody
    expect(issues).toEqual([
      expect.objectContaining({ file: 'shop-v1.1.yaml', line: lineOf(V11, '  Widget:'), rule: 'removed-declared', message: expect.stringContaining('colour') }),
      expect.objectContaining({ file: 'shop-v1.1.yaml', line: lineOf(V11, '      color:'), column: 7, rule: 'renamed-from', message: expect.stringContaining('renamed_from "color_code" of color') }),
    ]);
  });

  it('an attribute of the storage version left out without `removed:` is an error', () => {
    const issues = issuesOf((t) => t.replace('removed: [legacy_code]', 'removed: []'));
    expect(issues).toEqual([
      expect.objectContaining({ line: lineOf(V11, '  Widget:'), rule: 'removed-declared', message: expect.stringContaining('declare `removed: [legacy_code]`') }),
    ]);
  });

  it('a changed type, length or required flag is not a conversion', () => {
    const issues = issuesOf((t) => t.replace('      color:\n        type: string\n        length: 16', '      color:\n        type: string\n        length: 32'));
    expect(issues).toEqual([expect.objectContaining({ line: lineOf(V11, '      color:'), rule: 'same-definition', message: expect.stringContaining('in length') })]);
    const required = issuesOf((t) => t.replace('      tenant_id:\n        type: string\n        length: 32\n      name:', '      tenant_id:\n        type: string\n        length: 32\n        required: true\n      name:'));
    expect(required.map((i) => i.rule)).toEqual(['same-definition']);
  });

  it('an added required attribute needs a default, and the default must fit the type', () => {
    expect(issuesOf((t) => t.replace('        default: 10\n', '')).map((i) => i.rule)).toEqual(['added-default']);
    const bad = issuesOf((t) => t.replace('default: 10', 'default: heavy'));
    expect(bad).toEqual([expect.objectContaining({ code: 'GLUON_ERR_MODEL_BAD_VALUE', line: lineOf(V11, 'default: 10'), rule: 'default', message: 'default "heavy" of weight must be an integer' })]);
  });

  it('removing a required storage attribute without a default, or a key, is an error', () => {
    const issues = issuesOf((t) => t.replace('removed: [legacy_code]', 'removed: [legacy_code, name]').replace('      name:\n        type: string\n        length: 64\n        required: true\n      color', '      color'));
    expect(issues.map((i) => i.rule)).toEqual(['removed-default']);
  });

  it('two storage versions, two CURRENT versions, and DEPRECATED without a date are errors', () => {
    const both = issuesOf((t) => t.replace('  version: "1.1"', '  version: "1.1"\n  storage: true'), (t) => t.replace('  version: "1.0"', '  version: "1.0"\n  storage: true'));
    expect(both.map((i) => i.rule)).toContain('one-storage-version');
    const current = issuesOf((t) => t.replace('  version: "1.1"', '  version: "1.1"\n  status: CURRENT'), (t) => t.replace('status: DEPRECATED', 'status: CURRENT').replace('  deprecated_since: "2026-06-01"\n', ''));
    expect(current.map((i) => i.rule)).toEqual(['one-current-version']);
    const undated = issuesOf((t) => t, (t) => t.replace('  deprecated_since: "2026-06-01"\n', ''));
    expect(undated).toEqual([expect.objectContaining({ file: 'shop-v1.0.yaml', line: lineOf(V10, 'status: DEPRECATED'), rule: 'deprecated-since-required' })]);
  });

  it('`gluon models check` prints them as file:line:col and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gluon-versions-check-'));
    try {
      await writeFile(join(dir, 'shop-v1.0.yaml'), V10);
      await writeFile(join(dir, 'shop-v1.1.yaml'), V11.replace('renamed_from: colour', 'renamed_from: color_code'));
      const err: string[] = [];
      expect(await runModelsCheck([dir], { out: () => undefined, err: (l) => err.push(l) })).toBe(1);
      expect(err[1]).toMatch(new RegExp(`shop-v1\\.1\\.yaml:${lineOf(V11, '      color:')}:7: objects\\.Widget\\.attributes\\.color: renamed_from "color_code" .* \\[GLUON_ERR_MODEL_VERSION_CONVERSION\\]$`));
      const ok: string[] = [];
      expect(await runModelsCheck([EXAMPLE], { out: (l) => ok.push(l), err: () => undefined })).toBe(0);
      expect(ok).toEqual(expect.arrayContaining([
        'shop: 2 versions over one storage (v1.0)',
        '  v1.0     DEPRECATED, storage',
        '  v1.1     CURRENT: Widget.color ← colour; Widget.legacy_code hidden; Widget.weight added (default 10)',
      ]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('conversions round-trip (property)', () => {
  const [shop] = resolveVersions(compileModels([
    { path: 'shop-v1.0.yaml', text: V10 },
    { path: 'shop-v1.1.yaml', text: V11 },
  ]));
  const v10 = shop?.served[0]?.objects.get('Widget');
  const v11 = shop?.served[1]?.objects.get('Widget');

  it('what v1.1 writes, v1.1 reads back unchanged and v1.0 reads under its own names', () => {
    if (v10 === undefined || v11 === undefined) throw new Error('shop Widget conversions missing');
    const text = fc.option(fc.string({ maxLength: 16 }), { nil: null });
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), text, fc.option(fc.integer(), { nil: undefined }), (name, color, weight) => {
        const body: Record<string, unknown> = { id: 'k', tenant_id: null, name, color, ...(weight === undefined ? {} : { weight }) };
        const stored = { ...toStorageValues(v11, body, 'create'), legacy_code: null, revision_number: 1 };
        expect(stored).not.toHaveProperty('color');
        expect(fromStorageObject(v11, stored)).toEqual({ ...body, weight: weight ?? 10, revision_number: 1 });
        const old = fromStorageObject(v10, stored);
        expect(old).toEqual({ id: 'k', tenant_id: null, name, colour: color, legacy_code: null, revision_number: 1 });
      }),
    );
  });
});
