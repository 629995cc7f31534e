import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createMemoryStore, isKvError } from '../../src/core/kv/index.js';
import { describeKeyValueStore } from './kv-conformance.js';
import { waitFor } from '../setup/wait-for.js';

const backend = createMemoryBackend();
describeKeyValueStore('in-process', async (prefix) => createMemoryStore({ prefix, backend }));

describe('in-process store specifics', () => {
  it('bounds its history: watches from before the kept window fail with GLUON_ERR_KV_COMPACTED', async () => {
    const kv = createMemoryStore({ historyLimit: 10 });
    const first = (await kv.put('/a', '0')).revision;
    for (let i = 1; i < 30; i++) await kv.put('/a', String(i));
    const err = await kv.watch({ prefix: '/', fromRevision: first }, () => undefined).catch((e: unknown) => e);
    expect(isKvError(err, 'GLUON_ERR_KV_COMPACTED')).toBe(true);
    const seen: string[] = [];
    const w = await kv.watch({ prefix: '/', fromRevision: (await kv.currentRevision()) - 5 }, (e) => {
      seen.push(e.value ?? '');
    });
    await waitFor('seen.length === 6', () => seen.length === 6);
    expect(seen).toEqual(['24', '25', '26', '27', '28', '29']);
    await w.close();
    await kv.close();
  });

  it('fails every call after close with GLUON_ERR_KV_CLOSED', async () => {
    const kv = createMemoryStore();
    await kv.close();
    const err = await kv.get('/a').catch((e: unknown) => e);
    expect(isKvError(err, 'GLUON_ERR_KV_CLOSED')).toBe(true);
  });
});
