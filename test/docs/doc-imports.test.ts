import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The package's entry points, as `package.json#exports` maps them, and their sources. */
const ENTRIES: Readonly<Record<string, string>> = {
  'gluon-net': 'src/index.ts',
  'gluon-net/shim-sdk': 'src/shim-sdk/index.ts',
  'gluon-net/drivers': 'src/drivers/index.ts',
  'gluon-net/testing': 'src/testing/index.ts',
};

/** The names an entry file exports (`export { a, b as c }`, `export type {…}`, `export function/const/class`). */
function exportedNames(file: string): Set<string> {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  for (const stmt of sf.statements) {
    if (ts.isExportDeclaration(stmt) && stmt.exportClause !== undefined && ts.isNamedExports(stmt.exportClause)) {
      for (const el of stmt.exportClause.elements) names.add(el.name.text);
    } else if (ts.canHaveModifiers(stmt) && ts.getModifiers(stmt)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true) {
      const name = (stmt as ts.DeclarationStatement).name;
      if (name !== undefined && ts.isIdentifier(name)) names.add(name.text);
    }
  }
  return names;
}

const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`),
];

interface DocImport {
  readonly doc: string;
  readonly from: string;
  readonly name: string;
}

/** Every `import { … } from 'gluon-net…'` in the TypeScript/JavaScript code blocks of a document. */
function docImports(doc: string): DocImport[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const found: DocImport[] = [];
  for (const [, code = ''] of text.matchAll(/^```(?:ts|typescript|js|javascript|mjs)\s*\n([\s\S]*?)^```/gm)) {
    for (const [, names = '', from = ''] of code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"](gluon-net(?:\/[a-z-]+)?)['"]/g)) {
      for (const raw of names.split(',')) {
        const name = raw.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]?.trim() ?? '';
        if (name !== '') found.push({ doc, from, name });
      }
    }
  }
  return found;
}

const imports = DOCUMENTS.flatMap(docImports);

describe('the code in the docs imports what the package exports', () => {
  it('finds the examples', () => {
    expect(imports.some((i) => i.from === 'gluon-net' && i.name === 'createProtonServer')).toBe(true);
    expect(imports.some((i) => i.from === 'gluon-net/shim-sdk')).toBe(true);
  });

  it('every imported name exists in its entry point', () => {
    const exportsOf = new Map(Object.entries(ENTRIES).map(([spec, file]) => [spec, exportedNames(file)]));
    const missing = imports
      .filter((i) => exportsOf.get(i.from)?.has(i.name) !== true)
      .map((i) => `${i.doc}: ${i.name} from '${i.from}'${exportsOf.has(i.from) ? '' : ' (no such entry point)'}`);
    expect(missing).toEqual([]);
  });
});
