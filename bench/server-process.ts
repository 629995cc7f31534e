import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, ServerConfig, ServerKind } from './types.js';

/** The script each server kind runs in its own process. */
const SCRIPTS: Record<ServerKind, string> = {
  baseline: fileURLToPath(new URL('./baseline-server.ts', import.meta.url)),
  gluon: fileURLToPath(new URL('./proton-server.ts', import.meta.url)),
};

/** How long a server may take to start listening. */
const START_TIMEOUT_MS = 60_000;
/** How long a server may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

/** A benchmark server running in its own child process. */
export interface ServerProcess {
  readonly kind: ServerKind;
  readonly pid: number;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Path of the port collection. */
  readonly portsPath: string;
  /** Sends SIGTERM to the process (by PID), then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Extra `node` flags, e.g. `--cpu-prof`. */
  readonly execArgv?: readonly string[];
  /** Extra environment variables of the process. */
  readonly env?: Readonly<Record<string, string>>;
}

function isReady(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';
}

/** Resolves true once `child` exited, false after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts one server process (`node --import tsx bench/<kind>-server.ts`) on an ephemeral
 * loopback port and resolves once it reports that it listens.
 */
export async function startServer(kind: ServerKind, config: ServerConfig, options: StartOptions = {}): Promise<ServerProcess> {
  const child = fork(SCRIPTS[kind], [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env, BENCH_SERVER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`bench: could not start the ${kind} server process (${SCRIPTS[kind]})`);

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  };

  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`bench: the ${kind} server (pid ${pid}) did not report "ready" within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onMessage = (message: unknown): void => {
      if (!isReady(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`bench: the ${kind} server (pid ${pid}) exited before listening (code ${String(code)}, signal ${String(signal)}); its stderr is above`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

  child.disconnect();
  return { kind, pid, url: ready.url, portsPath: ready.portsPath, stop };
}

/** CPU seconds (user + system, every thread) a process used so far, from /proc (Linux); NaN when unknown. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
