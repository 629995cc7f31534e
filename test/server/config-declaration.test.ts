/**
 * What is derived from the settings' declarations: the flags of every command, the
 * variables, the masking of secrets, and the settings that have no flag.
 */
import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERVE_FLAG_KEYS, settingOption, typedSettingFlags } from '../../src/cli/commands/setting-option.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { CONFIG_ENV, CONFIG_FLAGS, CONFIG_KEYS, FLAG_KEYS, SETTINGS, resolveServerConfig, settingsEcho } from '../../src/server/index.js';
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

  it('reports every bad setting at once, each with its field, rule and value as given', () => {
    // paths may be any text, so '#bad value#' is a fine (if odd) one for these
    const rejectable = FLAG_KEYS.filter((key) => !['models', 'policyFile', 'tokenFile'].includes(key));
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
