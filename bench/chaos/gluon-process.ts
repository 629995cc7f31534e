/**
 * A `gluon` process of the chaos run (`gluon serve` or `gluon shim run`, the built CLI),
 * its output appended to a log file, signalled and restarted by PID with the same
 * arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gluonArgv } from '../gluon-command.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One managed process. */
export interface GluonProcess {
  /** Its name in the schedule (`server-a`, `shim-1`). */
  readonly name: string;
  /** PID of the current process. */
  readonly pid: number;
  /** Whether the process is alive (a stopped process is alive). */
  readonly running: boolean;
  /** How many times it was started. */
  readonly starts: number;
  /** Sends a signal (only while it runs). */
  signal(signal: NodeJS.Signals): void;
  /** Starts it again with the same arguments when it is not running. */
  restart(): void;
  /** SIGCONT + SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Starts `gluon <args>` (as the shell runs it: bench/gluon-command.ts) with `env` added, output appended to `logFile`. */
export function startGluon(name: string, args: readonly string[], logFile: string, env: Readonly<Record<string, string>> = {}): GluonProcess {
  let starts = 0;
  const launch = (): ChildProcess => {
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, gluonArgv(args), { cwd: ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    starts++;
    return child;
  };
  let child = launch();
  return {
    name,
    get pid() {
      return child.pid ?? -1;
    },
    get running() {
      return alive(child);
    },
    get starts() {
      return starts;
    },
    signal(signal) {
      if (alive(child)) child.kill(signal);
    },
    restart() {
      if (!alive(child)) child = launch();
    },
    async stop(graceMs = 10_000) {
      if (!alive(child)) return;
      const current = child;
      const exited = new Promise((r) => current.once('exit', r));
      current.kill('SIGCONT');
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
