/**
 * The bind latency target, shared by `bench/bind.ts` (its pass line) and
 * `bench/summary.ts` (goal `bind_p50_vs_raw`): bind p50 ≤ 2 × raw etcd put → event p50
 * + 0.5 ms, the raw p50 measured in the same run on the same etcd.
 */

/** How the target follows from the raw p50, in words. */
export const BIND_TARGET_TEXT = '2 × raw p50 + 0.5 ms';

/** The target bind p50 (ms, rounded to µs) for a raw put → event p50 of `rawP50` ms. */
export function bindTargetP50(rawP50: number): number {
  return Math.round((2 * rawP50 + 0.5) * 1000) / 1000;
}
