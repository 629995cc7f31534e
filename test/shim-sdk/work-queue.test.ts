import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkQueue, backoffDelay } from '../../src/shim-sdk/index.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('never queues a key twice: adds of a queued key coalesce into one handling', async () => {
    const seen: string[] = [];
    const q = new WorkQueue<string>({ handler: (k) => void seen.push(k), paused: true });
    for (let i = 0; i < 5; i++) q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    q.resume();
    await q.idle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key in two workers at once; a key added while running is handled once more afterwards', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gate = deferred();
    const q = new WorkQueue<string>({
      concurrency: 8,
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await gate.promise;
        running--;
      },
    });
    q.add('k');
    await tick();
    expect(q.active).toBe(1);
    q.add('k');
    q.add('k');
    await tick();
    expect(q.active).toBe(1);
    gate.resolve();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('keeps per-key order: the handler always reads the latest state, never an older one after a newer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat(3)), { minLength: 1, maxLength: 60 }), async (writes) => {
        const state = new Map<string, number>();
        const seen = new Map<string, number[]>();
        let version = 0;
        const q = new WorkQueue<string>({
          concurrency: 3,
          handler: async (k, ctx) => {
            const v = state.get(k) ?? -1;
            seen.set(k, [...(seen.get(k) ?? []), v]);
            await tick(ctx.failures);
          },
        });
        for (const [key, pause] of writes) {
          state.set(key, ++version);
          q.add(key);
          if (pause > 0) await tick();
        }
        await q.idle();
        for (const [key, versions] of seen) {
          expect([...versions].sort((x, y) => x - y)).toEqual(versions); // never goes back
          expect(versions[versions.length - 1]).toBe(state.get(key)); // ends on the latest
        }
        expect(new Set(seen.keys())).toEqual(new Set(writes.map(([k]) => k)));
      }),
      { numRuns: 40 },
    );
  });

  it('bounds the number of handlers running at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue<number>({
      concurrency: 3,
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(2);
        running--;
      },
    });
    for (let i = 0; i < 20; i++) q.add(i);
    await q.idle();
    expect(maxRunning).toBe(3);
  });

  it('logs a handler exception and retries the key with growing backoff until it succeeds; never fatal', async () => {
    const attempts: number[] = [];
    const errors: object[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o: object) => void errors.push(o) };
    const q = new WorkQueue<string>({
      backoff: { initialMs: 1, maxMs: 8 },
      logger,
      handler: (k, ctx) => {
        if (k !== 'x') return;
        attempts.push(ctx.failures);
        if (ctx.failures < 4) throw new Error(`boom ${k}`);
      },
    });
    q.add('x');
    q.add('ok');
    await q.idle();
    expect(attempts).toEqual([0, 1, 2, 3, 4]);
    expect(q.numRequeues('x')).toBe(0); // success forgets the failures
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors[0]).toMatchObject({ key: 'x', failures: 1, retryInMs: 1, err: 'boom x' });
    expect(errors[3]).toMatchObject({ failures: 4, retryInMs: 8 });
  });

  it('computes exponential backoff capped at the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { initialMs: 5, maxMs: 50 }))).toEqual([5, 10, 20, 40, 50]);
    expect(backoffDelay(10_000, { initialMs: 5, maxMs: 1000 })).toBe(1000);
    expect(backoffDelay(0)).toBe(0);
  });

  it('shutdown with drain finishes the handlers in flight and drops the queued keys', async () => {
    const done: string[] = [];
    const q = new WorkQueue<string>({
      concurrency: 1,
      handler: async (k) => {
        await tick(5);
        done.push(k);
      },
    });
    q.add('first');
    q.add('second');
    await tick();
    await q.shutdown({ drain: true });
    expect(done).toEqual(['first']);
    q.add('late');
    await tick(10);
    expect(done).toEqual(['first']);
  });

  it('pause aborts the signal of handlers in flight and holds back the others until resume', async () => {
    const signals: AbortSignal[] = [];
    const seen: string[] = [];
    const gate = deferred();
    const q = new WorkQueue<string>({
      concurrency: 1,
      handler: async (k, ctx) => {
        signals.push(ctx.signal);
        seen.push(k);
        if (k === 'a') await gate.promise;
      },
    });
    q.add('a');
    q.add('b');
    await tick();
    const paused = q.pause();
    expect(signals[0]?.aborted).toBe(true);
    gate.resolve();
    await paused;
    await tick(5);
    expect(seen).toEqual(['a']);
    q.resume();
    await q.idle();
    expect(seen).toEqual(['a', 'b']);
    expect(signals[1]?.aborted).toBe(false);
  });
});
