import type { DriverContext } from '../types.js';

/** Fetches the service-binding addresses of `ids` (interface id → address), one request per binding collection. @internal */
export type FetchAddresses = (ids: readonly string[], ctx: DriverContext | undefined) => Promise<Map<string, string>>;

/** Where a lookup goes: its `lane` (lookups of one lane may share a request) and how a lane fetches. @internal */
export interface LookupLane {
  /** The lane's key: the service's base URL and the token the request carries. */
  readonly key: string;
  readonly fetch: FetchAddresses;
}

interface Waiter {
  readonly id: string;
  readonly ctx: DriverContext | undefined;
  settle(outcome: { address?: string | undefined; err?: unknown }): void;
}

interface Lane {
  busy: boolean;
  waiting: Waiter[];
  readonly fetch: FetchAddresses;
}

/**
 * The address lookups of single ports, shared: per lane (a Proton service and a token),
 * one lookup request is on the wire at a time, and the lookups made meanwhile wait for it
 * and then go together as one filtered list (`?interface_id=a&interface_id=b…`). A lone
 * lookup goes at once, so an idle driver waits no longer than before; under load (a boot
 * storm) the reads of many ports cost a few requests. Each answer is read after its
 * lookup was made, so it is as fresh as a lookup of its own. A waiting lookup whose
 * signal aborts rejects at once; a shared request carries no caller's signal.
 * @internal
 */
export class AddressLookups {
  private readonly lanes = new Map<string, Lane>();

  /** The address of interface `id` (undefined when it has none), through `lane`. */
  lookup(lane: LookupLane, id: string, ctx: DriverContext | undefined): Promise<string | undefined> {
    if (ctx?.signal?.aborted === true) return Promise.reject(abortReason(ctx.signal));
    let state = this.lanes.get(lane.key);
    if (state === undefined) this.lanes.set(lane.key, (state = { busy: false, waiting: [], fetch: lane.fetch }));
    const queue = state;
    const answer = new Promise<string | undefined>((resolve, reject) => {
      const signal = ctx?.signal;
      const onAbort = (): void => {
        queue.waiting = queue.waiting.filter((w) => w !== waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        id,
        ctx,
        settle: ({ address, err }) => {
          signal?.removeEventListener('abort', onAbort);
          if (err === undefined) resolve(address);
          else reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.waiting.push(waiter);
    });
    this.drain(lane.key, queue);
    return answer;
  }

  /** Sends the lane's waiting lookups as one request, unless one is on the wire; again when it returns. */
  private drain(key: string, lane: Lane): void {
    if (lane.busy) return;
    const batch = lane.waiting;
    if (batch.length === 0) {
      this.lanes.delete(key);
      return;
    }
    lane.waiting = [];
    lane.busy = true;
    const first = batch[0]?.ctx;
    const shared = first?.signal === undefined ? first : withoutSignal(first);
    lane
      .fetch([...new Set(batch.map((w) => w.id))], shared)
      .then(
        (addresses) => batch.forEach((w) => w.settle({ address: addresses.get(w.id) })),
        (err: unknown) => batch.forEach((w) => w.settle({ err: err ?? new Error('address lookup failed') })),
      )
      .finally(() => {
        lane.busy = false;
        this.drain(key, lane);
      });
  }
}

function withoutSignal(ctx: DriverContext): DriverContext {
  return { ...(ctx.token === undefined ? {} : { token: ctx.token }), ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }) };
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
