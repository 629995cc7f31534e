/**
 * The published package ships what its documents link: every relative link in a Markdown
 * file of the packed tarball (README, docs/, the examples' READMEs) resolves to a file of
 * the tarball, so a reader of the installed package never follows a link into nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The paths `npm pack` puts in the tarball (relative to the package root). */
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set((pack?.files ?? []).map((f) => f.path));
}

/** Relative link targets of a Markdown text, outside code (links in code are examples). */
function relativeTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const refs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] ?? '');
  return [...inline, ...refs].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'));
}

describe('the packed tarball', () => {
  const files = packedFiles();
  const documents = [...files].filter((f) => f.endsWith('.md'));

  it('holds the documents and the examples they link', () => {
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/embedding.md']));
    expect([...files].some((f) => f.startsWith('examples/'))).toBe(true);
  });

  it('resolves every relative link of its documents inside itself', () => {
    const broken: string[] = [];
    for (const doc of documents) {
      for (const target of relativeTargets(readFileSync(join(ROOT, doc), 'utf8'))) {
        const file = decodeURIComponent(target.split('#', 1)[0] ?? '');
        const resolved = normalize(join(dirname(doc), file)).replace(/\/$/, '');
        const found = files.has(resolved) || [...files].some((f) => f.startsWith(`${resolved}/`));
        if (!found) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
