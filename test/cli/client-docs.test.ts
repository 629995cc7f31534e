/**
 * The client examples run: every `gluon` and `protonclient` command of docs/cli.md's
 * tour and of the README's client tour, in order, against a server, with the variables
 * the block assigns (`PORT=$(gluon …)`); a `# exit N` comment gives the exit code
 * expected, else 0.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gluon, protonclient, startProton } from './client-helpers.js';

const read = (file: string): string => readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8');
const doc = read('docs/cli.md');

/** The commands of the first sh block after `heading`: continuation lines joined, comments and blank lines dropped. */
function tourCommands(text: string, heading: string): { line: string; exit: number }[] {
  const start = text.indexOf(heading);
  const block = start < 0 ? '' : (/```sh\n([\s\S]*?)```/.exec(text.slice(start))?.[1] ?? '');
  const joined = block.replace(/\\\n\s*/g, '');
  return joined
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => ({ line: l.replace(/\s+#.*$/, '').trim(), exit: Number(/#\s*exit (\d)/.exec(l)?.[1] ?? 0) }));
}

/** Splits a command line like a shell: single quotes, `$VAR` substitution. */
function words(line: string, vars: Readonly<Record<string, string>>): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? (m[2] ?? '').replace(/\$([A-Z]+)/g, (_all, name: string) => vars[name] ?? ''));
}

let url: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ url, stop } = await startProton());
});
afterAll(async () => stop());

describe('docs/cli.md', () => {
  it.each([
    ['docs/cli.md', '## Tour'],
    ['README.md', '## The same tour with the client'],
  ])('the tour of %s runs as written', async (file, heading) => {
    const commands = tourCommands(file === 'README.md' ? read(file) : doc, heading);
    expect(commands.length).toBeGreaterThan(4);
    const vars: Record<string, string> = {};
    const env = { GLUON_URL: url, OS_PROTON_HOST: new URL(url).hostname, OS_PROTON_PORT: new URL(url).port };
    for (const { line, exit } of commands) {
      const assignment = /^([A-Z]+)=\$\((.*)\)$/.exec(line);
      const argv = words(assignment?.[2] ?? line, vars);
      expect(['gluon', 'protonclient'], line).toContain(argv[0]);
      const result = await (argv[0] === 'gluon' ? gluon : protonclient)(argv.slice(1), { env });
      expect(result.code, `${line}\n${result.stderr}`).toBe(exit);
      if (assignment?.[1] !== undefined) vars[assignment[1]] = result.stdout.trim();
    }
    expect(vars['PORT']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps every protonclient action to a gluon action', () => {
    for (const action of ['list', 'show', 'create', 'update', 'delete']) expect(doc).toContain(`| \`protonclient --api A N-${action}`);
  });
});
