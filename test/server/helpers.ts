import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_FIELDS } from '../fixtures/port-fields.js';

/** The net-l3vpn port collection of the bundled models. */
export const PORTS = '/proton/net-l3vpn/v1.0/ports';

/** A valid port body (the one of the original's wire capture). */
export function portBody(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    tenant_id: '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    name: 'port1',
    mac_address: 'fa:16:3e:00:00:01',
    ...PORT_FIELDS,
    ...extra,
  };
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A spawned process with its collected output and exit. */
export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first output line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<string>;
}

/** Where and with what environment (added to {@link cleanEnv}'s) a process runs. */
export interface SpawnOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
}

/** Spawns a node process and collects its output. */
export function spawnNode(args: readonly string[], options: SpawnOptions): Spawned {
  return spawnProgram(process.execPath, args, options);
}

/** Spawns a program (an executable file, e.g. `bin/gluon.js` run by its `#!` line) and collects its output. */
export function spawnProgram(file: string, args: readonly string[], options: SpawnOptions): Spawned {
  const child = spawn(file, args, { cwd: options.cwd, env: { ...cleanEnv(), ...options.env }, stdio: 'pipe' });
  let out = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const waiter of [...waiters]) {
      const line = out.split('\n').find((l) => waiter.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern) {
      const found = out.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`process exited (${code}) before printing ${pattern}:\n${out}`)));
      });
    },
  };
}

/** The environment without any GLUON_* variable (so the developer's settings don't leak in). */
export function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GLUON_')));
}
