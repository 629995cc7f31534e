/**
 * What is derived from the settings' declarations: the flags of every command, the
 * variables, the masking of secrets, and the settings that have no flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERVE_FLAG_KEYS, settingOption, typedSettingFlags } from '../../src/cli/commands/setting-option.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { CONFIG_ENV, CONFIG_FLAGS, CONFIG_KEYS, FLAG_KEYS, SETTINGS, loadServerConfig, resolveServerConfig, settingsEcho, type SettingDeclaration } from '../../src/server/index.js';
import { configErrorOf, configFile } from './config-input.js';

const KEYSTONE_ENV = { GLUON_KEYSTONE_USERNAME: 'gluon', GLUON_KEYSTONE_PROJECT: 'service', GLUON_KEYSTONE_URL: 'http://ks:5000/v3', GLUON_AUTH_STRATEGY: 'keystone' };

describe('settings declared once', () => {
  it('gives gluon serve one option per setting that has a flag, with its variable', () => {
    const options = new Map(serveCommand().options.map((o) => [o.attributeName(), o]));
    for (const key of SERVE_FLAG_KEYS) {
      expect(options.get(key)?.long, key).toBe(CONFIG_FLAGS[key]);
      expect(options.get(key)?.envVar, key).toBe(CONFIG_ENV[key]);
    }
    // besides the settings, only the plugin listing and the application root (not settings: nothing to configure in a file)
    const others = serveCommand().options.map((o) => o.attributeName()).filter((name) => !(SERVE_FLAG_KEYS as readonly string[]).includes(name));
    expect(others).toEqual(['plugins', 'root']);
  });

  it('names the default in the help line of a setting that has one', () => {
    expect(settingOption('port').description).toContain('(default: 2705)');
    expect(settingOption('etcd', 'etcd of the shim').description).toBe('etcd of the shim');
  });

  it('keeps every value of a repeated list flag, and passes only what was typed', () => {
    const command = new Command('probe').exitOverride().addOption(settingOption('etcd')).addOption(settingOption('port'));
    command.parse(['--etcd', 'http://a:2379', '--etcd', 'http://b:2379,http://c:2379'], { from: 'user' });
    expect(typedSettingFlags(command)).toEqual({ etcd: ['http://a:2379', 'http://b:2379,http://c:2379'] });
    expect(resolveServerConfig({ flags: typedSettingFlags(command), only: ['etcd'] }).etcd).toEqual(['http://a:2379', 'http://b:2379', 'http://c:2379']);
  });

  it('has no flag for environment- and file-only settings, and ignores one passed as a flag', () => {
    const noFlag = CONFIG_KEYS.filter((key) => !(FLAG_KEYS as readonly string[]).includes(key));
    expect(noFlag).toEqual(expect.arrayContaining(['keystonePassword', 'keystoneUsername']));
    for (const key of noFlag) expect(CONFIG_FLAGS[key]).toBe('(no flag)');
    const config = resolveServerConfig({ flags: { keystonePassword: 'from-argv' } as never, env: { ...KEYSTONE_ENV, GLUON_KEYSTONE_PASSWORD: 'from-env' } });
    expect(config.keystonePassword).toBe('from-env');
    expect(config.sources.keystonePassword).toBe('env');
  });

  it('never echoes a secret: not in an error, not in the settings echo', () => {
    expect(SETTINGS.keystonePassword.secret).toBe(true);
    const err = configErrorOf({ file: configFile('keystonePassword: [hunter2]\n') });
    expect(err.message).toContain('Invalid keystonePassword "***"');
    expect(JSON.stringify(err.details)).not.toContain('hunter2');
    const config = resolveServerConfig({ env: { ...KEYSTONE_ENV, GLUON_KEYSTONE_PASSWORD: 'hunter2' } });
    const echo = settingsEcho(config);
    expect(echo.keystonePassword).toEqual({ value: '***', source: 'env' });
    expect(echo.keystoneUsername).toEqual({ value: 'gluon', source: 'env' });
    expect(JSON.stringify(echo)).not.toContain('hunter2');
  });

  it('gives no secret a flag: the declaration refuses one, so no secret reaches a command line', () => {
    const secrets = CONFIG_KEYS.filter((key) => (SETTINGS[key] as SettingDeclaration).secret === true);
    expect(secrets).toContain('keystonePassword');
    for (const key of secrets) expect(CONFIG_FLAGS[key], key).toBe('(no flag)');
    const refused = {
      schema: { type: 'string', minLength: 1 },
      env: 'GLUON_PROBE',
      flag: { name: '--probe', arg: '<password>', help: 'never' },
      expects: 'must be text',
      secret: true,
      doc: { allowed: 'text' },
      // @ts-expect-error a secret setting cannot declare a flag
    } satisfies SettingDeclaration;
    expect(refused.secret).toBe(true);
  });

  it('reads a secret from the file its _FILE variable names, trailing newline dropped, and never echoes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-secret-'));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 'from-a-file\n', { mode: 0o600 });
      const config = await loadServerConfig({ cwd: dir, env: { ...KEYSTONE_ENV, GLUON_KEYSTONE_PASSWORD_FILE: file } });
      expect(config.keystonePassword).toBe('from-a-file');
      expect(config.sources.keystonePassword).toBe('env');
      expect(JSON.stringify(settingsEcho(config))).not.toContain('from-a-file');
      const both = await loadServerConfig({ cwd: dir, env: { ...KEYSTONE_ENV, GLUON_KEYSTONE_PASSWORD: 'from-env', GLUON_KEYSTONE_PASSWORD_FILE: file } });
      expect(both.keystonePassword).toBe('from-env');
      await expect(loadServerConfig({ cwd: dir, env: { ...KEYSTONE_ENV, GLUON_KEYSTONE_PASSWORD_FILE: join(dir, 'missing') } })).rejects.toMatchObject({
        code: 'GLUON_ERR_CONFIG',
        details: [expect.objectContaining({ field: 'keystonePassword', rule: 'readable' })],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the trusted proxies as addresses or CIDR ranges and names one that is neither', () => {
    expect(resolveServerConfig({ env: { GLUON_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16,fd00::/8' }, only: ['trustedProxies'] }).trustedProxies).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8']);
    for (const bad of ['proxy.example.net', '10.0.0.0/33', '10.0.0.1/8/2']) {
      const err = configErrorOf({ env: { GLUON_TRUSTED_PROXIES: `10.0.0.5,${bad}` }, only: ['trustedProxies'] });
      expect(err.details).toEqual([expect.objectContaining({ field: 'trustedProxies', rule: 'ip-or-cidr' })]);
      expect(err.message).toContain(`"${bad}" is not an IP address or CIDR range`);
    }
  });

  it('needs the key of a certificate, and a certificate for client certificates', () => {
    const err = configErrorOf({ flags: { tlsCert: '/etc/gluon/tls.crt', tlsClientCa: '/etc/gluon/clients.pem' } });
    expect(err.details.map((d) => `${d.field}:${d.rule}`)).toEqual(['tlsKey:required']);
    const alone = configErrorOf({ flags: { tlsClientCa: '/etc/gluon/clients.pem' } });
    expect(alone.details.map((d) => d.message)).toEqual(['tlsClientCa needs tlsCert (--tls-cert / GLUON_TLS_CERT, or tlsCert: in gluon.yaml).']);
  });

  it('reports every bad setting at once, each with its field, rule and value as given', () => {
    // paths may be any text, so '#bad value#' is a fine (if odd) one for these
    const rejectable = FLAG_KEYS.filter((key) => !['models', 'policyFile', 'tokenFile', 'etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'etcdUsername', 'tlsCert', 'tlsKey', 'tlsClientCa', 'tlsCa'].includes(key));
    fc.assert(
      fc.property(fc.subarray([...rejectable], { minLength: 1 }), (keys) => {
        const flags = Object.fromEntries(keys.map((key) => [key, '#bad value#']));
        const err = configErrorOf({ flags, only: keys });
        const fields = err.details.filter((d) => d.rule !== 'required').map((d) => d.field);
        expect(fields.sort()).toEqual([...keys].sort());
        for (const detail of err.details.filter((d) => d.rule !== 'required')) {
          expect(detail.value).toBe('#bad value#');
          expect(detail.rule).not.toBe('');
        }
      }),
      { numRuns: 50 },
    );
  });
});
