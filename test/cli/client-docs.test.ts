/**
 * docs/cli.md's tour runs: every `gluon` command of its first sh block, in order, against
 * a server, with the variables the block assigns (`PORT=$(gluon …)`); a `# exit N`
 * comment gives the exit code expected, else 0.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gluon, startProton } from './client-helpers.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/cli.md', import.meta.url)), 'utf8');

/** The commands of the tour: continuation lines joined, comments and blank lines dropped. */
function tourCommands(): { line: string; exit: number }[] {
  const block = /## Tour[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
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
  it('the tour runs as written', async () => {
    const commands = tourCommands();
    expect(commands.length).toBeGreaterThan(10);
    const vars: Record<string, string> = {};
    for (const { line, exit } of commands) {
      const assignment = /^([A-Z]+)=\$\((.*)\)$/.exec(line);
      const argv = words(assignment?.[2] ?? line, vars);
      expect(argv[0], line).toBe('gluon');
      const result = await gluon(argv.slice(1), { env: { GLUON_URL: url } });
      expect(result.code, `${line}\n${result.stderr}`).toBe(exit);
      if (assignment?.[1] !== undefined) vars[assignment[1]] = result.stdout.trim();
    }
    expect(vars['PORT']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps every protonclient action to a gluon action', () => {
    for (const action of ['list', 'show', 'create', 'update', 'delete']) expect(doc).toContain(`| \`protonclient --api A N-${action}`);
  });
});
