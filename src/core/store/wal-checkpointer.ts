import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/index.js';

/** How often the worker checkpoints (ms). */
const INTERVAL_MS = 200;

/** WAL pages left after a passive checkpoint above which it restarts the WAL (≈ 40 MiB of 4 KiB pages). */
const RESTART_PAGES = 10_000;

/** The worker: its own better-sqlite3 connection, a checkpoint every `intervalMs`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
const tick = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result && result.log - result.checkpointed > workerData.restartPages) db.pragma('wal_checkpoint(RESTART)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  tick();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

/** Where better-sqlite3 is, resolved from this module (ESM or CJS build). */
function driverPath(): string {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url).resolve('better-sqlite3');
}

/**
 * Checkpoints a SQLite database in WAL mode off the event loop. SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses 1,000 WAL pages: it copies the pages into
 * the database file and fsyncs it, on the connection that commits — with a synchronous
 * driver, on the event loop (a 5–20 ms stall, and half the cost of a write on average).
 * The writer turns that off; this worker thread, with its own connection, runs a PASSIVE
 * checkpoint every 200 ms (it never waits for the writer or the readers), and a RESTART
 * one (which waits, in the worker) when the WAL still holds more than 10,000 pages.
 * @internal
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | undefined;
  private exited = false;

  /** Starts the worker on `file`; `onFailure` is called when it cannot run (the caller falls back to automatic checkpoints). */
  constructor(file: string, logger: Logger, onFailure: (err: unknown) => void) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: driverPath(), file, intervalMs: INTERVAL_MS, restartPages: RESTART_PAGES },
    });
    this.worker.unref();
    this.worker.once('exit', () => (this.exited = true));
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error !== undefined) logger.warn({ err: message.error, file }, 'SQLite WAL checkpoint failed; the next one retries');
    });
    this.worker.on('error', (err) => {
      logger.warn({ err, file }, 'SQLite WAL checkpointer stopped; checkpoints run on commit instead');
      onFailure(err);
    });
  }

  /** Checkpoints once more and stops the worker (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const done = (): void => resolve();
      if (this.exited) {
        resolve();
        return;
      }
      this.worker.once('exit', done);
      this.worker.once('message', (message: { stopped?: boolean }) => {
        if (message.stopped === true) void this.worker.terminate().then(done, done);
      });
      this.worker.postMessage('stop');
      // a worker that died already has exited: terminate() resolves at once
      setTimeout(() => void this.worker.terminate().then(done, done), 5_000).unref();
    });
    return this.stopping;
  }
}
