import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A `gluon shim run` child process whose JSON log lines are collected. */
export interface ShimProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  readonly logs: Record<string, unknown>[];
  /** Everything written to stderr. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first log line matching `predicate`. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Spawns `gluon shim run <args>` through tsx (the fixture, or the real CLI entry with `cli`). */
export function spawnShim(args: readonly string[], options: { cli?: boolean } = {}): ShimProcess {
  const entry = options.cli ? 'src/cli/main.ts' : 'test/shim-sdk/fixtures/gluon-shim.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', entry, 'shim', 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let err = '';
  let buffer = '';
  let errBuffer = '';
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  // the shim logs JSON lines to stderr (the stream every gluon command logs to)
  const onLine = (line: string): void => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.predicate(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    } catch {
      // not a log line
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (buffer = splitLines(buffer + chunk, onLine)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    errBuffer = splitLines(errBuffer + chunk, onLine);
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitForLog(predicate, timeoutMs = 30_000) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${err.slice(-1000)}; last logs: ${JSON.stringify(logs.slice(-5))}`)), timeoutMs);
        waiters.push({ predicate, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

/** Stops a child (SIGKILL) if it still runs. */
export async function killShim(p: ShimProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}

/** Calls `onLine` for each complete line of `text`; returns the incomplete rest. */
function splitLines(text: string, onLine: (line: string) => void): string {
  let rest = text;
  let nl: number;
  while ((nl = rest.indexOf('\n')) >= 0) {
    onLine(rest.slice(0, nl));
    rest = rest.slice(nl + 1);
  }
  return rest;
}
