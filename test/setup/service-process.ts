/**
 * What the private test services (etcd, Keystone, Neutron) have in common: a free port
 * of 127.0.0.1, the root check before installing packages, running one of
 * `test/openstack/start_*.sh` for the PID it prints, and stopping a process by that PID
 * (SIGTERM, then SIGKILL) only when it is still ours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the start/install scripts (`test/openstack`). */
export const OPENSTACK_SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'openstack');

/** A TCP port of 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether the tests run as root (and so may install Debian packages). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether a process with this PID exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last `chars` characters of a log file ('' when it does not exist). */
export function logTail(file: string, chars = 2000): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-chars) : '';
}

/** Options of {@link stopPid}. */
export interface StopPidOptions {
  /**
   * Only stop the process when its command line contains this text (its own config
   * file), so a PID reused by someone else's process is left alone.
   */
  readonly cmdlineIncludes?: string;
  /** How long to wait after SIGTERM before SIGKILL, in ms (default 10,000). */
  readonly graceMs?: number;
}

/**
 * Stops a process by PID: SIGTERM, waits until it is gone (polling every 100 ms), and
 * sends SIGKILL after the grace time. Does nothing for a PID ≤ 0, a process already gone,
 * or one whose command line lacks `cmdlineIncludes`.
 */
export async function stopPid(pid: number, options: StopPidOptions = {}): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  if (options.cmdlineIncludes !== undefined) {
    const cmdline = `/proc/${pid}/cmdline`;
    const cmd = existsSync(cmdline) ? readFileSync(cmdline, 'utf8') : '';
    if (!cmd.includes(options.cmdlineIncludes)) return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // gone meanwhile
  }
  const deadline = Date.now() + (options.graceMs ?? 10_000);
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Options of {@link runStartScript}. */
export interface RunStartScriptOptions {
  /** Variables added to the environment of the script. */
  readonly env: Readonly<Record<string, string>>;
  /** The service's log, whose tail goes into the error when the start fails. */
  readonly logFile: string;
  /** Runs before the error is thrown (stop what may run, delete the temp dir). */
  readonly cleanup?: () => Promise<void>;
}

/**
 * Runs `test/openstack/<script>` (5 minutes at most: a busy machine) and returns the PID it prints on
 * the last line of stdout. When it fails or prints no PID, calls `cleanup` and throws
 * naming the script, its exit status, its stderr and the tail of the service's log.
 */
export async function runStartScript(script: string, options: RunStartScriptOptions): Promise<number> {
  const started = spawnSync(join(OPENSTACK_SCRIPTS, script), {
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const pid = Number((started.stdout ?? '').trim().split('\n').pop());
  if (started.status === 0 && Number.isInteger(pid) && pid > 0) return pid;
  const log = logTail(options.logFile, 3000);
  await options.cleanup?.();
  throw new Error(`${script} failed (exit ${started.status ?? started.signal}): ${started.stderr ?? started.error?.message ?? ''}\n${log}`);
}
