import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isGluonError } from '../../src/core/errors/index.js';
import { createKeyValueStore, parseEtcdEndpoints } from '../../src/core/kv/index.js';

function configError(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(isGluonError(err)).toBe(true);
    return err as { code: string; message: string };
  }
  throw new Error('expected a GLUON_ERR_CONFIG');
}

describe('createKeyValueStore / etcd URL config', () => {
  it('no URL gives the in-process store; an http URL list gives etcd', async () => {
    const mem = createKeyValueStore(undefined);
    expect(mem.kind).toBe('memory');
    await mem.close();
    const etcd = createKeyValueStore('http://127.0.0.1:23790, http://127.0.0.2:23790', { dialTimeoutMs: 100 });
    expect(etcd.kind).toBe('etcd');
    await etcd.close();
  });

  it('normalises good URL lists', () => {
    expect(parseEtcdEndpoints('http://127.0.0.1:2379')).toEqual(['http://127.0.0.1:2379']);
    expect(parseEtcdEndpoints('https://a:1,https://b:2/')).toEqual(['https://a:1', 'https://b:2']);
  });

  it('rejects bad URLs with GLUON_ERR_CONFIG naming the option and the value', () => {
    const scheme = configError(() => createKeyValueStore('etcd://127.0.0.1:2379'));
    expect(scheme.code).toBe('GLUON_ERR_CONFIG');
    expect(scheme.message).toContain('--etcd');
    expect(scheme.message).toContain('etcd://127.0.0.1:2379');
    expect(configError(() => parseEtcdEndpoints('127.0.0.1:2379', 'GLUON_ETCD')).message).toContain('GLUON_ETCD');
    expect(configError(() => parseEtcdEndpoints('http://a:1,')).code).toBe('GLUON_ERR_CONFIG');
    expect(configError(() => parseEtcdEndpoints('http://a:1,https://b:2')).message).toContain('mixes');
    expect(configError(() => parseEtcdEndpoints('http://a:1/v3/kv')).message).toContain('no path');
  });

  it('property: any input either parses to http(s) URLs or fails with GLUON_ERR_CONFIG', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.array(fc.webUrl(), { minLength: 1, maxLength: 3 }).map((a) => a.join(','))), (value) => {
        try {
          const urls = parseEtcdEndpoints(value);
          expect(urls.length).toBeGreaterThan(0);
          for (const u of urls) expect(u).toMatch(/^https?:\/\/[^/]+$/);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('GLUON_ERR_CONFIG');
        }
      }),
      { numRuns: 50 },
    );
  });

});
