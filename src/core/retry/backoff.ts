import { ExponentialBackoff, type GeneratorFn, type IBackoff } from 'cockatiel';

/** Exponential backoff settings: the delay after the first failure, the bound, the growth per further failure. */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. */
  readonly initialMs?: number;
  /** Upper bound of the delay, in ms. */
  readonly maxMs?: number;
  /** Growth factor per further failure. */
  readonly factor?: number;
}

/** A cockatiel exponential backoff, as {@link exponentialBackoff} makes it. */
export type Backoff = ExponentialBackoff<number>;

/** Every setting of {@link BackoffOptions}, for a part's defaults. */
export type BackoffDefaults = Required<BackoffOptions>;

/** `initial × factor^(n-1)` for the n-th delay, capped at `max`: no jitter, so tests and operators can predict it. */
const growByFactor: GeneratorFn<number> = (attempt = 0, options) => [
  Math.min(options.maxDelay, options.initialDelay * options.exponent ** Math.min(attempt, 64)),
  attempt + 1,
];

/**
 * The cockatiel backoff of these settings (the part's defaults where the caller gave
 * none): the first delay is `initialMs`, each further one `factor` times longer, never
 * more than `maxMs` (client-go's ItemExponentialFailureRateLimiter).
 */
export function exponentialBackoff(options: BackoffOptions | undefined, defaults: BackoffDefaults): Backoff {
  const initialDelay = options?.initialMs ?? defaults.initialMs;
  const maxDelay = options?.maxMs ?? defaults.maxMs;
  const exponent = options?.factor ?? defaults.factor;
  return new ExponentialBackoff({ generator: growByFactor, initialDelay, maxDelay, exponent });
}

/**
 * The delay before retry number `failures` (1 = first failure; 0 or less: none) of a
 * cockatiel backoff, for loops that schedule their retries on timers (a work queue per
 * key, a list-then-watch relist) rather than awaiting them.
 */
export function delayAfter(backoff: Backoff, failures: number): number {
  if (failures <= 0) return 0;
  let step: IBackoff<unknown> = backoff.next();
  for (let n = 1; n < failures; n++) {
    const following = step.next(undefined);
    if (following.duration === step.duration) break;
    step = following;
  }
  return step.duration;
}
