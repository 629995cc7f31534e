/**
 * The child-process side of a benchmark server: read the configuration, report the
 * listening URL to the harness, and shut down cleanly on SIGTERM.
 */
import type { ReadyMessage, ServerConfig } from './types.js';

/**
 * Turns source-mapped stack traces off again. tsx (which loads these TypeScript entry
 * scripts) enables them, and Sequelize formats a stack for every query, so they would
 * add a cost that neither server has in production.
 */
export function disableSourceMaps(): void {
  process.setSourceMapsEnabled(false);
}

/** Reads the configuration the harness passed in `BENCH_SERVER_CONFIG`. */
export function readServerConfig(): ServerConfig {
  const raw = process.env['BENCH_SERVER_CONFIG'];
  if (raw === undefined || raw === '') {
    throw new Error('bench server: BENCH_SERVER_CONFIG is not set; start this script through bench/run.ts');
  }
  const parsed = JSON.parse(raw) as Partial<ServerConfig>;
  if (typeof parsed.db !== 'string' || typeof parsed.host !== 'string') {
    throw new Error(`bench server: BENCH_SERVER_CONFIG must hold {"db": string, "host": string}, received ${raw}`);
  }
  return { db: parsed.db, host: parsed.host };
}

/** Tells the harness (over IPC) where the server listens. */
export function announceReady(message: Omit<ReadyMessage, 'type'>): void {
  if (process.send === undefined) {
    console.error(`bench server listening on ${message.url}${message.portsPath}`);
    return;
  }
  process.send({ type: 'ready', ...message } satisfies ReadyMessage);
}

/** Runs `close` once on SIGTERM/SIGINT, then exits (so `--cpu-prof` profiles get written). */
export function closeOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const handler = (): void => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('bench server: close failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Reports a start-up failure on stderr and exits non-zero. */
export function failStartup(error: unknown): never {
  console.error('bench server: start-up failed:', error);
  process.exit(1);
}
