import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { loadServerConfig, resolveServerConfig } from '../../src/server/index.js';
import { configErrorOf, configFile } from './config-input.js';

describe('resolveServerConfig', () => {
  it('uses the defaults when nothing is given', () => {
    const config = resolveServerConfig({});
    expect(config).toMatchObject({ db: 'sqlite:./gluon.db', host: '127.0.0.1', port: 2705, etcdPrefix: '', logLevel: 'info' });
    expect(config.models).toBeUndefined();
    expect(config.etcd).toBeUndefined();
    expect(config.advertisedUrl).toBeUndefined();
    expect(config.sources.port).toBe('default');
  });

  it('applies the precedence flags > env > file > defaults, setting by setting', () => {
    const config = resolveServerConfig({
      flags: { port: '1111' },
      env: { GLUON_PORT: '2222', GLUON_HOST: 'localhost' },
      file: configFile('port: 3333\nhost: 10.0.0.1\ndb: mysql://root@db.example:3306/gluon\n'),
    });
    expect(config.port).toBe(1111);
    expect(config.host).toBe('localhost');
    expect(config.db).toBe('mysql://root@db.example:3306/gluon');
    expect(config.logLevel).toBe('info');
    expect(config.sources).toMatchObject({ port: 'flag', host: 'env', db: 'file', logLevel: 'default' });
  });

  it('lets env override the file and the file override defaults', () => {
    const config = resolveServerConfig({ env: { GLUON_PORT: '2222' }, file: configFile('port: 3333\nlogLevel: debug\n') });
    expect(config.port).toBe(2222);
    expect(config.logLevel).toBe('debug');
  });

  it('treats empty environment variables as unset', () => {
    expect(resolveServerConfig({ env: { GLUON_PORT: '' }, file: configFile('port: 3333') }).port).toBe(3333);
  });

  it('reads every setting from flags, env and file', () => {
    const fromFlags = resolveServerConfig({
      flags: {
        models: 'a.yaml,b',
        db: 'sqlite::memory:',
        host: '::1',
        port: 0,
        advertisedUrl: 'http://proton.example:2705/',
        etcd: 'http://127.0.0.1:2379, http://10.0.0.2:2379',
        etcdPrefix: '/site-a/',
        logLevel: 'WARN',
      },
    });
    expect(fromFlags).toMatchObject({
      models: ['a.yaml', 'b'],
      db: 'sqlite::memory:',
      host: '::1',
      port: 0,
      advertisedUrl: 'http://proton.example:2705',
      etcd: ['http://127.0.0.1:2379', 'http://10.0.0.2:2379'],
      etcdPrefix: '/site-a',
      logLevel: 'warn',
    });
    const fromEnv = resolveServerConfig({
      env: { GLUON_MODELS: 'm', GLUON_ETCD: 'https://e:2379', GLUON_ETCD_PREFIX: '/p', GLUON_ADVERTISED_URL: 'http://x:1', GLUON_DB: 'mariadb://u@h/db', GLUON_LOG_LEVEL: 'trace' },
    });
    expect(fromEnv).toMatchObject({ models: ['m'], etcd: ['https://e:2379'], etcdPrefix: '/p', advertisedUrl: 'http://x:1', db: 'mariadb://u@h/db', logLevel: 'trace' });
    const fromFile = resolveServerConfig({
      file: configFile('models: [net-l3vpn.yaml, /abs/models]\netcd: [http://127.0.0.1:2379]\netcdPrefix: /q\nadvertisedUrl: https://p.example\n'),
    });
    expect(fromFile).toMatchObject({ models: ['/etc/gluon/net-l3vpn.yaml', '/abs/models'], etcd: ['http://127.0.0.1:2379'], etcdPrefix: '/q', advertisedUrl: 'https://p.example' });
    expect(fromFile.configFile).toBe('/etc/gluon/gluon.yaml');
  });

  it('resolves relative model paths of the file against the file, and leaves flag paths to the cwd', () => {
    expect(resolveServerConfig({ file: configFile('models: ./models') }).models).toEqual(['/etc/gluon/models']);
    expect(resolveServerConfig({ flags: { models: './models' } }).models).toEqual(['./models']);
  });

  it('accepts an empty config file', () => {
    expect(resolveServerConfig({ file: configFile('') }).port).toBe(2705);
    expect(resolveServerConfig({ file: configFile('# nothing yet\n') }).port).toBe(2705);
  });

  describe('errors', () => {
    it.each([
      ['abc', 'flag --port'],
      ['70000', 'flag --port'],
      ['-1', 'flag --port'],
      ['1.5', 'flag --port'],
      ['', 'flag --port'],
    ])('rejects --port %j naming the flag, the value and the range', (value, origin) => {
      const err = configErrorOf({ flags: { port: value } });
      expect(err.code).toBe('GLUON_ERR_CONFIG');
      expect(err.message).toContain(origin);
      expect(err.message).toContain(`"${value}"`);
      expect(err.message).toContain('0 to 65535');
      expect(err.details[0]).toMatchObject({ field: 'port', value });
    });

    it('names the environment variable a bad value came from', () => {
      const err = configErrorOf({ env: { GLUON_PORT: 'eighty' } });
      expect(err.message).toContain('environment variable GLUON_PORT');
      expect(err.message).toContain('"eighty"');
    });

    it('names the config file and key a bad value came from', () => {
      const err = configErrorOf({ file: configFile('port: 99999\n') });
      expect(err.message).toContain('config file /etc/gluon/gluon.yaml key "port"');
      expect(err.message).toContain('99999');
    });

    it('rejects an unknown key in the config file, listing the allowed keys and a suggestion', () => {
      const err = configErrorOf({ file: configFile('prot: 80\n') });
      expect(err.message).toContain('Unknown key "prot"');
      expect(err.message).toContain('/etc/gluon/gluon.yaml');
      expect(err.message).toContain('did you mean "port"');
      expect(err.message).toContain('advertisedUrl');
      expect(err.details[0]).toMatchObject({ field: 'prot', rule: 'unknown-key' });
    });

    it('suggests the camelCase key for a kebab-case one', () => {
      expect(configErrorOf({ file: configFile('advertised-url: http://x\n') }).message).toContain('did you mean "advertisedUrl"');
    });

    it('rejects a config file that is not YAML or not a mapping', () => {
      expect(configErrorOf({ file: configFile('port: [1\n') }).message).toMatch(/gluon\.yaml:\d+:\d+ is not valid YAML/);
      expect(configErrorOf({ file: configFile('- port\n') }).message).toContain('must be a YAML mapping');
      expect(configErrorOf({ file: configFile('42\n') }).message).toContain('must be a YAML mapping');
    });

    it.each([
      ['db', { db: 'postgres://x/y' }, 'sqlite:<file>'],
      ['db', { db: 'mysql://' }, 'mysql://'],
      ['host', { host: 'not a host!' }, 'IP address'],
      ['advertisedUrl', { advertisedUrl: 'proton:2705' }, 'http(s) URL'],
      ['advertisedUrl', { advertisedUrl: 'ftp://x' }, 'http(s) URL'],
      ['advertisedUrl', { advertisedUrl: 'http://0.0.0.0:2705' }, 'wildcard'],
      ['advertisedUrl', { advertisedUrl: 'http://[::]:2705' }, 'wildcard'],
      ['etcd', { etcd: 'localhost:2379' }, 'http(s) URL'],
      ['etcd', { etcd: ',' }, 'http(s) URL'],
      ['etcdPrefix', { etcdPrefix: 'site a' }, 'start with "/"'],
      ['logLevel', { logLevel: 'loud' }, 'fatal, error, warn, info, debug, trace, silent'],
      ['models', { models: ' , ' }, 'model file or directory'],
    ] as const)('rejects a bad %s', (field, flags, allowed) => {
      const err = configErrorOf({ flags });
      expect(err.code).toBe('GLUON_ERR_CONFIG');
      expect(err.details[0]?.field).toBe(field);
      expect(err.message).toContain(allowed);
      expect(err.message).toContain('from flag --');
    });

    it('reports every problem at once', () => {
      const err = configErrorOf({ flags: { port: 'x' }, env: { GLUON_LOG_LEVEL: 'nope' }, file: configFile('bogus: 1\n') });
      expect(err.details.map((d) => d.field).sort()).toEqual(['bogus', 'logLevel', 'port']);
      expect(err.message).toContain('3 problems');
    });

    it.each(['0.0.0.0', '::'])('refuses the wildcard host %s without an advertisedUrl', (host) => {
      const err = configErrorOf({ flags: { host } });
      expect(err.message).toContain('set advertisedUrl');
      expect(err.message).toContain('--advertised-url');
      expect(resolveServerConfig({ flags: { host, advertisedUrl: 'http://proton.example:2705' } }).host).toBe(host);
    });

    it('never throws anything but GLUON_ERR_CONFIG for arbitrary inputs', () => {
      const raw = fc.oneof(fc.string(), fc.integer(), fc.constant(undefined));
      fc.assert(
        fc.property(fc.record({ port: raw, host: raw, db: raw, etcd: raw, logLevel: raw }), fc.string(), (flags, yaml) => {
          try {
            resolveServerConfig({ flags: flags as never, file: configFile(yaml) });
          } catch (err) {
            expect(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG').toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('loadServerConfig', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads gluon.yaml from the working directory when present', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-config-'));
    await writeFile(join(dir, 'gluon.yaml'), 'port: 4444\n');
    const config = await loadServerConfig({ cwd: dir, env: {} });
    expect(config.port).toBe(4444);
    expect(config.configFile).toBe(join(dir, 'gluon.yaml'));
  });

  it('works without a config file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-config-'));
    expect((await loadServerConfig({ cwd: dir, env: {} })).port).toBe(2705);
  });

  it('reads the file named by --config, then GLUON_CONFIG', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-config-'));
    await writeFile(join(dir, 'a.yaml'), 'port: 1\n');
    await writeFile(join(dir, 'b.yaml'), 'port: 2\n');
    expect((await loadServerConfig({ cwd: dir, flags: { config: 'a.yaml' }, env: { GLUON_CONFIG: 'b.yaml' } })).port).toBe(1);
    expect((await loadServerConfig({ cwd: dir, env: { GLUON_CONFIG: 'b.yaml' } })).port).toBe(2);
  });

  it('fails naming an explicit config file that cannot be read', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gluon-config-'));
    await expect(loadServerConfig({ cwd: dir, flags: { config: 'missing.yaml' }, env: {} })).rejects.toMatchObject({
      code: 'GLUON_ERR_CONFIG',
      message: expect.stringContaining('"missing.yaml" (from flag --config) cannot be read: no such file'),
    });
  });
});
