import { retrying } from '../retry/index.js';
import type { KeyValueStore, Watch } from '../kv/index.js';
import { controllerPrefix } from '../wire/index.js';
import type { Logger } from '../log/index.js';

/** Reopening a result watch that could not be opened: 100 ms, doubling up to 5 s, until the watches close. */
const REOPEN_BACKOFF = { initialMs: 100, maxMs: 5_000, factor: 2 };

/** Options of {@link ResultWatches}. */
export interface ResultWatchesOptions {
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  /** Called with every bind-result value written (`raw` is the value of `/controller/<api>/Port/<id>`). */
  readonly onResult: (result: { readonly apiName: string; readonly id: string; readonly raw: string | undefined }) => Promise<void>;
  /** Called after a watch that ended was opened again: results written meanwhile must be re-read. */
  readonly onReopened: (apiName: string) => Promise<void>;
}

/**
 * The result watches of a coordinator: one per API on `/controller/<api>/Port/`. A watch
 * that ends on its own is opened again (with backoff), then `onReopened` re-reads what
 * may have been missed.
 */
export class ResultWatches {
  private readonly options: ResultWatchesOptions;
  private readonly watches = new Map<string, Watch>();
  private readonly closing = new AbortController();

  constructor(options: ResultWatchesOptions) {
    this.options = options;
  }

  /** Opens the watches of these APIs that are not open yet. */
  async open(apiNames: readonly string[]): Promise<void> {
    await Promise.all(apiNames.filter((name) => !this.watches.has(name)).map((name) => this.watch(name)));
  }

  /** Closes every watch; none is opened again. */
  async close(): Promise<void> {
    this.closing.abort();
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map((w) => w.close().catch(() => undefined)));
  }

  private get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private async watch(apiName: string): Promise<void> {
    if (this.closed) return;
    const { kv, logger, onResult } = this.options;
    const prefix = controllerPrefix(apiName);
    const watch = await kv.watch({ prefix }, (event) => {
      if (event.type !== 'put') return;
      onResult({ apiName, id: event.key.slice(prefix.length), raw: event.value }).catch((err: unknown) => logger.warn({ err, api: apiName }, 'bind: applying a shim result failed'));
    });
    this.watches.set(apiName, watch);
    watch.onError((err) => {
      if (this.closed) return;
      logger.warn({ err, api: apiName }, 'bind: result watch ended; watching again and re-reading pending results');
      this.watches.delete(apiName);
      this.reopen(apiName).catch((err: unknown) => logger.warn({ err, api: apiName }, 'bind: re-reading pending results failed'));
    });
  }

  private async reopen(apiName: string): Promise<void> {
    const { logger } = this.options;
    try {
      await retrying(() => this.watch(apiName), {
        backoff: REOPEN_BACKOFF,
        signal: this.closing.signal,
        unref: true,
        onRetry: ({ err }) => logger.warn({ err, api: apiName }, 'bind: result watch could not be opened; retrying'),
      });
    } catch (err) {
      if (this.closed) return;
      throw err;
    }
    await this.options.onReopened(apiName);
  }
}
