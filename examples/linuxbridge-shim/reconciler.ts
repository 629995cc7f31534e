/**
 * Serializes and coalesces data-plane passes: handlers run concurrently, but only one
 * pass touches the host at a time, and every request is answered by a pass that
 * started after it (so it saw the cache as it was when the request was made).
 */
import type { ShimContext } from '../../src/shim-sdk/index.js';
import { applyPlanes } from './data-plane.js';
import { desiredPlanes } from './desired-state.js';
import type { HostConfig } from './host-config.js';

/** Requests passes of the host's data plane. */
export interface Reconciler {
  /** Resolves when a pass that started after this call has finished; rejects with its error. */
  request(ctx: ShimContext): Promise<void>;
}

/** A reconciler for one host; `config` is read at the first pass. */
export function createReconciler(config: () => HostConfig): Reconciler {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  let latest: ShimContext | undefined;
  const pass = async (): Promise<void> => {
    queued = undefined;
    const ctx = latest;
    if (ctx === undefined) return;
    const host = config();
    await applyPlanes(desiredPlanes(ctx, host), host, ctx.logger);
  };
  return {
    request(ctx) {
      latest = ctx;
      if (queued !== undefined) return queued;
      const next = tail.then(pass);
      queued = next;
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
