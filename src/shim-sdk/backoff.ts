/** Exponential backoff settings (per key in the work queue, per relist in the informer). */
export interface BackoffOptions {
  /** Delay after the first failure, in ms (default 5). */
  readonly initialMs?: number;
  /** Upper bound of the delay, in ms (default 30,000). */
  readonly maxMs?: number;
  /** Growth factor per further failure (default 2). */
  readonly factor?: number;
}

/**
 * The delay before retry number `failures` (1 = first failure): `initial × factor^(failures-1)`,
 * capped at `max` (client-go's ItemExponentialFailureRateLimiter).
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 5;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  if (failures <= 0) return 0;
  const delay = initial * Math.pow(factor, Math.min(failures - 1, 64));
  return Math.min(max, Number.isFinite(delay) ? delay : max);
}
