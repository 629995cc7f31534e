import { isGluonError, type GluonErrorCode } from '../errors/index.js';
import type { KeyValueStore } from '../kv/index.js';
import type { ProtonStore } from '../store/index.js';
import type { BindAttempt } from './bind-attempt.js';
import type { Logger } from '../log/index.js';

/** What the steps of the bind protocol share: one per coordinator. */
export interface BindContext {
  readonly store: ProtonStore;
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  /** The attempts in memory, by {@link portKey}. */
  readonly attempts: Map<string, BindAttempt>;
}

/** The key of a port in the coordinator's maps and lock. */
export function portKey(api: string, id: string): string {
  return `${api}\u0000${id}`;
}

/** True when `err` is a GluonError with this code. */
export function hasCode(err: unknown, code: GluonErrorCode): boolean {
  return isGluonError(err) && err.code === code;
}
