/**
 * The PoC's processes: started detached with their output in a log file of the run's
 * directory, marked with `GLUON_POC_RUN=<run id>` in their environment, and stopped by
 * PID only while that marker is still there (a reused PID is left alone).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { hasRunMarker } from './run-marker.js';
import { RUN_ENV } from './state.js';

/** A process the run started. */
export interface RunProcess {
  /** What it is (`etcd`, `proton`, `shim-compute-1`…). */
  readonly role: string;
  /** Its PID. */
  readonly pid: number;
  /** Its log file. */
  readonly log: string;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** What it is (also the log file's name). */
  readonly role: string;
  /** The program and its arguments. */
  readonly command: readonly string[];
  /** The run directory (where the log goes). */
  readonly dir: string;
  /** The run id (the marker in the environment). */
  readonly runId: string;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the current one). */
  readonly cwd?: string;
}

/** Starts a detached process (it survives `poc up`); its output goes to `<dir>/<role>.log`. */
export function startProcess(options: StartProcessOptions): RunProcess {
  const log = `${options.dir}/${options.role}.log`;
  const fd = openSync(log, 'a');
  const [program = '', ...args] = options.command;
  const child = spawn(program, args, { stdio: ['ignore', fd, fd], detached: true, ...(options.cwd === undefined ? {} : { cwd: options.cwd }), env: { ...process.env, ...options.env, [RUN_ENV]: options.runId } });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${options.role} (${program})`);
  return { role: options.role, pid: child.pid, log };
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, when the process still carries the run's marker; resolves once it is gone. */
export async function stopProcess(pid: number, runId: string, graceMs = 10_000): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 0 || !hasRunMarker(pid, runId)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** The text of a log file ('' when absent). */
export function readLog(log: string): string {
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

/** Waits until `ready()` holds, failing with the log's tail when the process died or time ran out. */
export async function waitReady(proc: RunProcess, ready: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (!isAlive(proc.pid)) throw new Error(`${proc.role} exited before it was ready:\n${readLog(proc.log).slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${proc.role} not ready after ${timeoutMs / 1000} s:\n${readLog(proc.log).slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
