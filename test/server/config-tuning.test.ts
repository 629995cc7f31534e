/**
 * The bind and HA tuning settings of `gluon serve` (bindTimeoutMs, maxBindTimeoutMs,
 * leaseTtlSeconds) and the partial resolution other commands use (`only`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { resolveServerConfig, type ResolveServerConfigInput } from '../../src/server/index.js';
import { configErrorOf, configFile } from './config-input.js';

describe('bind and lease tuning settings', () => {
  it('default to the server defaults (10 s bind, 120 s max, 10 s lease)', () => {
    const config = resolveServerConfig({});
    expect(config).toMatchObject({ bindTimeoutMs: 10_000, maxBindTimeoutMs: 120_000, leaseTtlSeconds: 10 });
    expect(config.sources).toMatchObject({ bindTimeoutMs: 'default', maxBindTimeoutMs: 'default', leaseTtlSeconds: 'default' });
  });

  it('are read from flags, GLUON_* variables and gluon.yaml with flags > env > file', () => {
    expect(resolveServerConfig({ flags: { bindTimeoutMs: '2500', maxBindTimeoutMs: 60000, leaseTtlSeconds: '3' } })).toMatchObject({
      bindTimeoutMs: 2500, maxBindTimeoutMs: 60_000, leaseTtlSeconds: 3,
    });
    const fromEnv = resolveServerConfig({ env: { GLUON_BIND_TIMEOUT_MS: '4000', GLUON_MAX_BIND_TIMEOUT_MS: '8000', GLUON_LEASE_TTL_SECONDS: '5' } });
    expect(fromEnv).toMatchObject({ bindTimeoutMs: 4000, maxBindTimeoutMs: 8000, leaseTtlSeconds: 5 });
    expect(fromEnv.sources.leaseTtlSeconds).toBe('env');
    const mixed = resolveServerConfig({
      flags: { bindTimeoutMs: '1000' },
      env: { GLUON_BIND_TIMEOUT_MS: '2000', GLUON_LEASE_TTL_SECONDS: '7' },
      file: configFile('bindTimeoutMs: 3000\nmaxBindTimeoutMs: 30000\nleaseTtlSeconds: 20\n'),
    });
    expect(mixed).toMatchObject({ bindTimeoutMs: 1000, maxBindTimeoutMs: 30_000, leaseTtlSeconds: 7 });
    expect(mixed.sources).toMatchObject({ bindTimeoutMs: 'flag', maxBindTimeoutMs: 'file', leaseTtlSeconds: 'env' });
  });

  it('reads the watch stream settings, with their defaults', () => {
    expect(resolveServerConfig({})).toMatchObject({ watchHeartbeatSeconds: 15, watchBufferBytes: 1_048_576 });
    const set = resolveServerConfig({ flags: { watchHeartbeatSeconds: '0' }, env: { GLUON_WATCH_BUFFER_BYTES: '65536' } });
    expect(set).toMatchObject({ watchHeartbeatSeconds: 0, watchBufferBytes: 65_536 });
  });

  it('a bind timeout above the default maximum raises the maximum with it', () => {
    expect(resolveServerConfig({ flags: { bindTimeoutMs: '200000' } })).toMatchObject({ bindTimeoutMs: 200_000, maxBindTimeoutMs: 200_000 });
  });

  it.each([
    [{ flags: { bindTimeoutMs: 'soon' } }, 'bindTimeoutMs', 'flag --bind-timeout-ms'],
    [{ flags: { bindTimeoutMs: -1 } }, 'bindTimeoutMs', 'flag --bind-timeout-ms'],
    [{ env: { GLUON_MAX_BIND_TIMEOUT_MS: '1.5' } }, 'maxBindTimeoutMs', 'environment variable GLUON_MAX_BIND_TIMEOUT_MS'],
    [{ flags: { leaseTtlSeconds: '0' } }, 'leaseTtlSeconds', 'flag --lease-ttl-seconds'],
    [{ file: configFile('leaseTtlSeconds: ten\n') }, 'leaseTtlSeconds', 'config file /etc/gluon/gluon.yaml key "leaseTtlSeconds"'],
    [{ flags: { watchHeartbeatSeconds: '-5' } }, 'watchHeartbeatSeconds', 'flag --watch-heartbeat-seconds'],
    [{ env: { GLUON_WATCH_BUFFER_BYTES: '100' } }, 'watchBufferBytes', 'environment variable GLUON_WATCH_BUFFER_BYTES'],
  ] as [ResolveServerConfigInput, string, string][])('rejects %j naming the setting and where it came from', (input, field, origin) => {
    const err = configErrorOf(input);
    expect(err.code).toBe('GLUON_ERR_CONFIG');
    expect(err.details[0]?.field).toBe(field);
    expect(err.message).toContain(origin);
    expect(err.message).toContain('whole number of');
  });

  it('refuses an explicit maximum below the bind timeout', () => {
    const err = configErrorOf({ flags: { bindTimeoutMs: '5000', maxBindTimeoutMs: '1000' } });
    expect(err.details[0]).toMatchObject({ field: 'maxBindTimeoutMs', rule: 'min' });
    expect(err.message).toContain('at least bindTimeoutMs (5000)');
  });

  it('suggests the right key for a misspelt one in gluon.yaml', () => {
    expect(configErrorOf({ file: configFile('bind_timeout_ms: 100\n') }).message).toContain('did you mean "bindTimeoutMs"?');
    expect(configErrorOf({ file: configFile('leaseTTLSecond: 3\n') }).message).toContain('did you mean "leaseTtlSeconds"?');
  });

  it('accepts any whole number and never throws anything but GLUON_ERR_CONFIG', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.integer({ min: 1, max: 100_000 }), (ms, ttl) => {
        const config = resolveServerConfig({ flags: { bindTimeoutMs: String(ms), leaseTtlSeconds: ttl } });
        expect(config.bindTimeoutMs).toBe(ms);
        expect(config.maxBindTimeoutMs).toBeGreaterThanOrEqual(ms);
        expect(config.leaseTtlSeconds).toBe(ttl);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer()), (raw) => {
        try {
          resolveServerConfig({ flags: { bindTimeoutMs: raw as never, maxBindTimeoutMs: raw as never, leaseTtlSeconds: raw as never } });
        } catch (err) {
          expect(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG').toBe(true);
        }
      }),
    );
  });
});

describe('resolving only some settings (gluon arbiter, gluon shim run)', () => {
  it('reads only the named settings and ignores the others, even when invalid', () => {
    const config = resolveServerConfig({
      only: ['etcd', 'etcdPrefix'],
      env: { GLUON_PORT: 'not-a-port', GLUON_ETCD: 'http://10.0.0.5:2379', GLUON_ETCD_PREFIX: '/site-a' },
      file: configFile('host: 0.0.0.0\nlogLevel: chatty\n'),
    });
    expect(config.etcd).toEqual(['http://10.0.0.5:2379']);
    expect(config.etcdPrefix).toBe('/site-a');
    expect(config.port).toBe(2705);
    expect(config.sources).toMatchObject({ etcd: 'env', etcdPrefix: 'env', port: 'default', host: 'default' });
  });

  it('resolves the etcd settings as gluon serve does: --etcd > GLUON_ETCD > gluon.yaml etcd, prefix alike', () => {
    const env = { GLUON_ETCD: 'http://env:2379', GLUON_ETCD_PREFIX: '/env' };
    const only = ['etcd', 'etcdPrefix'] as const;
    const yaml = configFile('etcd: http://file:2379\netcdPrefix: /file\n');
    expect(resolveServerConfig({ only, flags: { etcd: 'http://flag:2379' }, env, file: yaml })).toMatchObject({ etcd: ['http://flag:2379'], etcdPrefix: '/env' });
    expect(resolveServerConfig({ only, env, file: yaml })).toMatchObject({ etcd: ['http://env:2379'], etcdPrefix: '/env' });
    expect(resolveServerConfig({ only, env: {}, file: yaml })).toMatchObject({ etcd: ['http://file:2379'], etcdPrefix: '/file' });
    expect(resolveServerConfig({ only, env: {} })).toMatchObject({ etcdPrefix: '' });
    expect(resolveServerConfig({ only, env: {} }).etcd).toBeUndefined();
    expect(configErrorOf({ only, env: { GLUON_ETCD: 'ftp://x:1' } }).message).toContain('GLUON_ETCD');
  });

  it('still validates the named settings and the file keys', () => {
    expect(configErrorOf({ only: ['etcd'], flags: { etcd: 'ftp://x:1' } }).message).toContain('flag --etcd');
    expect(configErrorOf({ only: ['etcd'], file: configFile('etcd:\n  url: http://x:2379\n') }).details[0]?.field).toBe('etcd');
    expect(configErrorOf({ only: ['etcd'], file: configFile('etcdprefx: /a\n') }).message).toContain('did you mean "etcdPrefix"?');
  });
});
