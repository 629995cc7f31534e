import { handleWhen, retry } from 'cockatiel';
import { delayAfter, exponentialBackoff, type BackoffDefaults } from './backoff.js';

/** One retry about to wait: which attempt failed, why, and how long until the next. */
export interface RetryEvent {
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  readonly err: unknown;
  /** The wait before the next attempt, in ms. */
  readonly delayMs: number;
}

/** How {@link retrying} retries. */
export interface RetryingOptions {
  /** The backoff between attempts (exponential, see {@link exponentialBackoff}). */
  readonly backoff: BackoffDefaults;
  /** Which failures are worth another attempt (default: every one). */
  readonly retryIf?: (err: unknown) => boolean;
  /** Give up (throwing the last failure) when the next attempt would start after this time, ms since the epoch (default: never). */
  readonly deadline?: number;
  /** Give up (throwing the last failure) once this aborts. */
  readonly signal?: AbortSignal;
  /** Told before each wait (to log it). */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Let the process exit while waiting between attempts (a background retry). */
  readonly unref?: boolean;
}

/**
 * Runs `task` until it succeeds, on a cockatiel retry policy: a failure that
 * `retryIf` accepts is retried after the backoff's next delay, unless the deadline
 * would pass first or the signal aborted; any other failure is thrown as it is.
 * The first attempt runs at once, before any policy is built (the hot path of a write
 * or a bind succeeds first time); its failure is then handed to the policy, which
 * decides and waits exactly as if it had run the attempt itself.
 */
export function retrying<T>(task: (attempt: number) => T | PromiseLike<T>, options: RetryingOptions): Promise<T> {
  return executeAfterFirst(task, (run) => retryPolicy(options).execute(run));
}

/**
 * Runs `task` once at once (attempt 1) and, only when it fails, hands on to `policy` (a
 * cockatiel policy's `execute`, built or reused by the caller), whose attempt 0 stands for
 * the one already run: it fails again with the same error, so the policy counts, decides
 * and waits exactly as if it had run it itself. The hot path pays no policy.
 */
export async function executeAfterFirst<T>(task: (attempt: number) => T | PromiseLike<T>, policy: (run: (context: { readonly attempt: number }) => PromiseLike<T>) => Promise<T>): Promise<T> {
  let first: unknown;
  try {
    return await task(1);
  } catch (err) {
    first = err;
  }
  return policy(async ({ attempt }) => (attempt === 0 ? Promise.reject(first) : task(attempt + 1)));
}

/** The cockatiel policy of {@link retrying}. */
function retryPolicy(options: RetryingOptions) {
  const deadline = options.deadline ?? Infinity;
  const backoff = exponentialBackoff(undefined, options.backoff);
  let failures = 0;
  const worthRetrying = (err: unknown): boolean => {
    failures++;
    if (options.signal?.aborted === true || !(options.retryIf?.(err) ?? true)) return false;
    return Date.now() + delayAfter(backoff, failures) <= deadline;
  };
  const retries = retry(handleWhen(worthRetrying), { backoff, maxAttempts: Number.POSITIVE_INFINITY });
  const policy = options.unref === true ? retries.dangerouslyUnref() : retries;
  const { onRetry } = options;
  if (onRetry !== undefined) {
    policy.onRetry((event) => onRetry({ attempt: event.attempt, err: 'error' in event ? event.error : event.value, delayMs: event.delay }));
  }
  return policy;
}
