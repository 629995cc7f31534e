import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClient, runProtonclient } from '../../src/cli/client/index.js';
import { createProtonServer, type ProtonServer, type ProtonServerOptions } from '../../src/server/index.js';

/** What one client run printed and its exit code. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link gluon} / {@link protonclient}. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Called with the output so far after every write (a `--watch` test aborts from here). */
  readonly onOutput?: (stdout: string) => void;
}

async function run(main: typeof runClient, args: readonly string[], options: RunOptions): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
      options.onOutput?.(stdout);
    },
    stderr: (t) => {
      stderr += t;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout, stderr };
}

/** Runs `gluon <args>` in-process (the same code as the bin), with its own environment. */
export function gluon(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return run(runClient, args, options);
}

/** Runs `protonclient <args>` in-process. */
export function protonclient(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return run(runProtonclient, args, options);
}

/** A Proton server on SQLite in a temp dir, on a free port; `stop` closes it and removes the dir. */
export async function startProton(options: ProtonServerOptions = {}): Promise<{ server: ProtonServer; url: string; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gluon-cli-'));
  const server = await createProtonServer({ db: `sqlite:${join(dir, 'gluon.db')}`, port: 0, logger: { level: 'silent' }, ...options });
  const url = await server.listen();
  return {
    server,
    url,
    dir,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `mac_address` → `--mac-address`. */
export function flag(attribute: string): string {
  return `--${attribute.replace(/_/g, '-')}`;
}
