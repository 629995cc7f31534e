import { GluonError } from '../errors/index.js';
import type { ApiModel, ObjectModel } from '../model/index.js';
import type { StoredObject } from '../store/index.js';
import { revisionOf } from './classify.js';
import type { BindingRequest } from './types.js';

/**
 * Where one bind attempt stands:
 *
 * ```
 *            pendingStored            expired
 * opening ───────────────▶ waiting ───────────▶ expired
 *    ▲  │ pendingFailed                            │
 *    │  └──▶ (state before opening, or dropped)    │
 *    └──────────────────── open ◀──────────────────┘
 * any state but settled ── settle ──▶ settled
 * ```
 */
export type AttemptState =
  /** Registered; its pending write is being stored. */
  | { readonly name: 'opening' }
  /** The pending port is stored (at `revision`); the shims are expected to answer. */
  | { readonly name: 'waiting'; readonly pending: StoredObject; readonly revision: number | undefined }
  /** A deadline passed and `failed` (`binding_failed`) was stored; a later result still applies. */
  | { readonly name: 'expired'; readonly failed: StoredObject; readonly revision: number | undefined }
  /** Answered by a result, an unbind or a bind elsewhere: every waiter has its port. */
  | { readonly name: 'settled' };

/** The name of an {@link AttemptState}. */
export type AttemptStateName = AttemptState['name'];

/** Which states each state may move to (settling is allowed from every state but `settled`). */
const NEXT: Readonly<Record<AttemptStateName, readonly AttemptStateName[]>> = {
  opening: ['waiting', 'expired', 'settled'],
  waiting: ['expired', 'settled'],
  expired: ['opening', 'settled'],
  settled: [],
};

/** What a bind attempt is for: one binding of one port. */
export interface AttemptTarget {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  readonly binding: BindingRequest;
}

/**
 * One bind request of one port, answered once by a shim result (or an unbind, or a bind
 * elsewhere). Its state moves only through the methods below, each one transition of
 * {@link AttemptState}; an impossible move throws `GLUON_ERR_INTERNAL`. The coordinator
 * runs every transition of a port under that port's lock.
 */
export class BindAttempt {
  readonly api: ApiModel;
  readonly object: ObjectModel;
  readonly id: string;
  readonly binding: BindingRequest;
  /** Resolves with the port that answers the attempt. */
  readonly result: Promise<StoredObject>;
  private current: AttemptState = { name: 'opening' };
  /** The state to return to when a pending write fails (undefined: a new attempt, dropped). */
  private beforeOpening: AttemptState | undefined;
  private waiterCount = 0;
  private resolve!: (port: StoredObject) => void;

  /** A new attempt, `opening`: its pending write is about to be stored. */
  constructor(target: AttemptTarget) {
    this.api = target.api;
    this.object = target.object;
    this.id = target.id;
    this.binding = target.binding;
    this.result = new Promise<StoredObject>((resolve) => {
      this.resolve = resolve;
    });
  }

  /** The current state. */
  get state(): AttemptState {
    return this.current;
  }

  /** True until the attempt is settled. */
  get live(): boolean {
    return this.current.name !== 'settled';
  }

  /** Requests currently waiting for the attempt. */
  get waiters(): number {
    return this.waiterCount;
  }

  /** The revision of the port's pending write (undefined before it is stored). */
  get revision(): number | undefined {
    const state = this.current;
    return state.name === 'waiting' || state.name === 'expired' ? state.revision : undefined;
  }

  /** One more request waits for the attempt. */
  join(): void {
    this.waiterCount++;
  }

  /** A request stopped waiting (answered or failed). */
  leave(): void {
    this.waiterCount--;
  }

  /** `expired` → `opening`: the binding is asked again, its pending write is about to be stored. */
  open(): void {
    const before = this.current;
    this.move({ name: 'opening' });
    this.beforeOpening = before;
  }

  /** `opening` → `waiting`: the pending port is stored. */
  pendingStored(pending: StoredObject): void {
    this.move({ name: 'waiting', pending, revision: revisionOf(pending) });
    this.beforeOpening = undefined;
  }

  /**
   * `opening` → the state before it: the pending write failed. Returns false when the
   * attempt was new (nothing to return to): the caller drops it.
   */
  pendingFailed(): boolean {
    this.expect('opening');
    const before = this.beforeOpening;
    this.beforeOpening = undefined;
    if (before === undefined) return false;
    this.move(before);
    return true;
  }

  /** `waiting` → `expired`: a deadline passed and `failed` was stored. */
  expired(failed: StoredObject): void {
    this.expect('waiting');
    this.move({ name: 'expired', failed, revision: this.revision });
  }

  /** Any state → `settled`, answering every waiter with `port`. Settling twice is a no-op. */
  settle(port: StoredObject): void {
    if (!this.live) return;
    this.move({ name: 'settled' });
    this.resolve(port);
  }

  private expect(name: AttemptStateName): void {
    if (this.current.name !== name) throw this.illegal(name);
  }

  private move(next: AttemptState): void {
    if (!NEXT[this.current.name].includes(next.name)) throw this.illegal(next.name);
    this.current = next;
  }

  private illegal(to: AttemptStateName): GluonError {
    return new GluonError('GLUON_ERR_INTERNAL', `Bind attempt of port ${this.id} of ${this.api.name} cannot move from ${this.current.name} to ${to}.`);
  }
}
