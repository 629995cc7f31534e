/**
 * The one way to retry and back off (cockatiel): exponential backoff settings with a
 * part's defaults, the delay before the n-th retry for timer-driven loops, and
 * {@link retrying} for awaited ones.
 * @packageDocumentation
 */
export { delayAfter, exponentialBackoff } from './backoff.js';
export type { Backoff, BackoffDefaults, BackoffOptions } from './backoff.js';
export { executeAfterFirst, retrying } from './retrying.js';
export type { RetryEvent, RetryingOptions } from './retrying.js';
