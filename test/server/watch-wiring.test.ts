/** What the reference server tells /proton/capabilities and how it checks its watch settings. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/core/auth/index.js';
import { createMemoryStore } from '../../src/core/kv/index.js';
import { serverCapabilities, serverWatchOptions } from '../../src/server/watch.js';

const keystone: Authenticator = { strategy: 'keystone', authenticate: () => Promise.reject(new Error('not used')) };
const credentials = { authUrl: 'http://keystone.internal:5000/v3', username: 'gluon', password: 'secret', projectName: 'service' };

describe('serverCapabilities', () => {
  it('announces Keystone\'s public URL (wwwAuthenticateUri, else authUrl) and the bind bounds, never the service credentials', () => {
    const pub = serverCapabilities({ auth: { strategy: 'keystone', keystone: { ...credentials, wwwAuthenticateUri: 'https://keystone.example.net/v3' } }, authenticator: keystone });
    expect(pub.auth).toEqual({ strategy: 'keystone', authUrl: 'https://keystone.example.net/v3' });
    expect(JSON.stringify(pub)).not.toContain('secret');
    const internal = serverCapabilities({ auth: { strategy: 'keystone', keystone: credentials }, authenticator: keystone, bindTimeoutMs: 200_000 });
    expect(internal.auth?.authUrl).toBe('http://keystone.internal:5000/v3');
    expect(internal.bind).toEqual({ defaultTimeoutMs: 200_000, maxTimeoutMs: 200_000 });
    expect(serverCapabilities({ auth: undefined, authenticator: { ...keystone, strategy: 'noauth' } }).bind).toEqual({ defaultTimeoutMs: 10_000, maxTimeoutMs: 120_000 });
  });
});

describe('serverWatchOptions', () => {
  it('refuses a negative heartbeat or a buffer under 1 KiB, naming the option', async () => {
    const kv = createMemoryStore();
    try {
      expect(() => serverWatchOptions({ kv, metrics: new Registry(), heartbeatSeconds: -1 })).toThrow(/watchHeartbeatSeconds: expected an integer >= 0/);
      expect(() => serverWatchOptions({ kv, metrics: new Registry(), bufferBytes: 10 })).toThrow(/watchBufferBytes: expected an integer >= 1024/);
      expect(serverWatchOptions({ kv, metrics: new Registry(), heartbeatSeconds: 0, bufferBytes: 4096 })).toMatchObject({ heartbeatSeconds: 0, bufferBytes: 4096 });
    } finally {
      await kv.close();
    }
  });
});
