import { delayAfter, exponentialBackoff, type BackoffDefaults, type BackoffOptions } from '../core/retry/index.js';

/** A work queue's default (per key): 5 ms doubling up to 30 s. */
export const WORK_QUEUE_BACKOFF: BackoffDefaults = { initialMs: 5, maxMs: 30_000, factor: 2 };

/**
 * The delay before retry number `failures` (1 = first failure): `initial × factor^(failures-1)`,
 * capped at `max` (client-go's ItemExponentialFailureRateLimiter), from the cockatiel
 * backoff of these settings (default 5 ms doubling up to 30 s).
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  return delayAfter(exponentialBackoff(options, WORK_QUEUE_BACKOFF), failures);
}
