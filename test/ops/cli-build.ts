import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { spawnProgram, type Spawned } from '../server/helpers.js';

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

/** Runs the built `gluon` command with `args`, as a shell runs it: by its `#!` line. */
export function gluon(args: readonly string[], cwd: string, env: Record<string, string> = {}): Spawned {
  return spawnProgram(BIN, args, { cwd, env });
}

/** What the tests of a file leave behind: processes to kill, then clean-ups to run. */
export interface Leftovers {
  /** Processes killed (SIGKILL, unless they exited) and waited for after each test. */
  readonly running: Spawned[];
  /** Run after the processes are gone, newest first. */
  readonly cleanups: (() => Promise<void>)[];
}

/** Registers an `afterEach` that kills every process in `running` and then runs `cleanups` (newest first). */
export function cleanUpAfterEach(): Leftovers {
  const leftovers: Leftovers = { running: [], cleanups: [] };
  afterEach(async () => {
    for (const proc of leftovers.running.splice(0)) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    }
    for (const cleanup of leftovers.cleanups.splice(0).reverse()) await cleanup();
  });
  return leftovers;
}
