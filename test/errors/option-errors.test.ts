import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGluonError, wholeNumberOption } from '../../src/core/errors/index.js';
import { BindingCoordinator, type BindingCoordinatorOptions } from '../../src/core/binding/index.js';
import { createStore } from '../../src/core/store/index.js';
import { chunk, createMirror, createOutboxPublisher, type MirrorOptions, type OutboxPublisherOptions } from '../../src/core/sync/index.js';
import { WorkQueue } from '../../src/shim-sdk/index.js';

/** Options whose parts are never reached: the numeric option is checked before anything is used. */
const unreached = {} as never;

/** What a call threw (or undefined when it did not). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

const notWholeAtLeastOne = fc.oneof(
  fc.integer({ max: 0 }),
  fc.double({ noInteger: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2),
);

describe('invalid library options: one coded error', () => {
  it('names the option, the rule and the value received, for any value that is not a whole number >= min', () => {
    fc.assert(
      fc.property(notWholeAtLeastOne, (value) => {
        const err = thrown(() => wholeNumberOption('concurrency', value, { min: 1 }));
        expect(isGluonError(err)).toBe(true);
        expect(err).toMatchObject({ code: 'GLUON_ERR_CONFIG', details: [{ field: 'concurrency', rule: 'integerMin1', value }] });
        expect((err as Error).message).toContain(`received ${String(value)}`);
      }),
    );
  });

  it('returns a whole number within the range as it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (value) => {
        expect(wholeNumberOption('heartbeat', value, { min: 0 })).toBe(value);
      }),
    );
  });

  it.each([
    ['WorkQueue concurrency', () => new WorkQueue<string>({ handler: async () => undefined, concurrency: 0 }), 'concurrency'],
    ['createStore maxPageSize', () => createStore({ url: 'sqlite::memory:', maxPageSize: 1.5 }), 'maxPageSize'],
    ['outbox publisher batchSize', () => createOutboxPublisher({ source: unreached, kv: unreached, apis: [], batchSize: 0 } as OutboxPublisherOptions), 'batchSize'],
    ['outbox publisher lingerMs', () => createOutboxPublisher({ source: unreached, kv: unreached, apis: [], lingerMs: -1 } as OutboxPublisherOptions), 'lingerMs'],
    ['mirror leaseTtlSeconds', () => createMirror({ source: unreached, kv: unreached, apis: [], leaseTtlSeconds: 0 } as MirrorOptions), 'leaseTtlSeconds'],
    ['mirror stallMs', () => createMirror({ source: unreached, kv: unreached, apis: [], stallMs: 0.5 } as MirrorOptions), 'stallMs'],
    ['etcd transaction chunk size', () => chunk([1, 2], 0), 'txnOps'],
    ['binding defaultTimeoutMs', () => new BindingCoordinator({ store: unreached, kv: unreached, apis: [], defaultTimeoutMs: -1 } as BindingCoordinatorOptions), 'defaultTimeoutMs'],
  ])('%s: GLUON_ERR_CONFIG, not a RangeError', (_name, create, field) => {
    expect(thrown(create)).toMatchObject({ code: 'GLUON_ERR_CONFIG', details: [{ field }] });
  });
});
