import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, type Spawned } from '../server/helpers.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'gluon.js');
const CLI_BUNDLE = join(ROOT, 'dist', 'cli.js');

function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/** Builds dist/ when it is missing or older than src/ (`npm test` builds first anyway). */
export function ensureBuilt(): void {
  if (!existsSync(CLI_BUNDLE) || statSync(CLI_BUNDLE).mtimeMs < newest(join(ROOT, 'src'))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  }
}

/** Runs the built `gluon` command with `args`. */
export function gluon(args: readonly string[], cwd: string, env: Record<string, string> = {}): Spawned {
  return spawnNode([BIN, ...args], { cwd, env });
}
