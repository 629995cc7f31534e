import { describe, expect, it } from 'vitest';
import { retrying, type RetryEvent } from '../../src/core/retry/index.js';

const NO_WAIT = { initialMs: 0, maxMs: 0, factor: 1 };

describe('retrying', () => {
  it('runs a task that succeeds once, as attempt 1, and tells no retry', async () => {
    const attempts: number[] = [];
    const events: RetryEvent[] = [];
    const value = await retrying((attempt) => (attempts.push(attempt), 'done'), { backoff: NO_WAIT, onRetry: (e) => events.push(e) });
    expect(value).toBe('done');
    expect(attempts).toEqual([1]);
    expect(events).toEqual([]);
  });

  it('retries failures that retryIf accepts, numbering the attempts 1, 2, 3 and telling each retry with its failure', async () => {
    const attempts: number[] = [];
    const events: RetryEvent[] = [];
    const value = await retrying(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return attempt;
      },
      { backoff: { initialMs: 1, maxMs: 4, factor: 2 }, onRetry: (e) => events.push(e) },
    );
    expect(value).toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
    expect(events.map((e) => [e.attempt, (e.err as Error).message, e.delayMs])).toEqual([
      [1, 'failure 1', 1],
      [2, 'failure 2', 2],
    ]);
  });

  it('throws the first failure as it is when retryIf refuses it, without a second attempt', async () => {
    const failure = new Error('not worth it');
    let calls = 0;
    const run = retrying(
      () => {
        calls++;
        throw failure;
      },
      { backoff: NO_WAIT, retryIf: () => false },
    );
    await expect(run).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('gives up with the last failure once the next attempt would start after the deadline', async () => {
    let calls = 0;
    const run = retrying(
      () => {
        calls++;
        throw new Error(`failure ${calls}`);
      },
      { backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1 }, deadline: Date.now() + 1_000 },
    );
    await expect(run).rejects.toThrow('failure 1');
    expect(calls).toBe(1);
  });
});
