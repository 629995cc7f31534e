import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEtcdStore, isKvError } from '../../src/core/kv/index.js';

/** Unhandled rejections seen while the test runs (vitest would also fail the run on one). */
const unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', record);
afterAll(() => {
  process.off('unhandledRejection', record);
});

describe('closing an etcd store while watches and campaigns are being established', () => {
  it('rejects each pending watch and campaign with a coded kv error, CLOSED when the close wins the race (or lets it finish); no rejection goes unhandled', async () => {
    const endpoint = inject('etcdEndpoint');
    for (let round = 0; round < 5; round++) {
      const kv = createEtcdStore({ hosts: endpoint, prefix: `/close-${randomUUID()}` });
      const pending = [
        ...Array.from({ length: 10 }, (_, i) => kv.watch({ prefix: `/w${i}/` }, () => undefined)),
        ...Array.from({ length: 3 }, (_, i) => kv.watch({ key: `/k${i}`, fromRevision: 1 }, () => undefined)),
        kv.campaign('/election', `c${round}`, { ttl: 5 }),
      ];
      // close while they are being established: the first round closes at once, later ones after a turn of the loop
      if (round > 0) await new Promise((r) => setImmediate(r));
      const settled = Promise.allSettled(pending); // the caller handles every outcome
      await kv.close();
      const results = await settled;
      for (const result of results) {
        if (result.status === 'rejected') expect(isKvError(result.reason) ? result.reason.code : result.reason).toMatch(/^GLUON_ERR_KV_(CLOSED|CAMPAIGN_ABORTED|UNAVAILABLE|FAILED)$/);
      }
    }
    // node reports an unhandled rejection once the microtask queue is drained: one more turn of the loop
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  });
});
