/** Auth settings of `gluon serve` (flags > env > file) and `gluon policy list`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyList } from '../../src/cli/commands/policy.js';
import { resolveServerConfig } from '../../src/server/index.js';

describe('auth settings', () => {
  it('builds the keystone option from flag + environment, the password from the environment only', () => {
    const config = resolveServerConfig({
      flags: { authStrategy: 'keystone', keystoneUrl: 'http://ks:5000/v3' },
      env: { GLUON_KEYSTONE_USERNAME: 'gluon', GLUON_KEYSTONE_PASSWORD: 's3cret', GLUON_KEYSTONE_PROJECT: 'service', GLUON_KEYSTONE_CACHE_TTL: '30' },
    });
    expect(config.auth).toEqual({ strategy: 'keystone', keystone: { authUrl: 'http://ks:5000/v3', username: 'gluon', password: 's3cret', projectName: 'service', cacheTtlSeconds: 30 } });
    expect(config.sources.keystonePassword).toBe('env');
  });

  it('names every missing keystone setting, and never prints the password', () => {
    expect(() => resolveServerConfig({ flags: { authStrategy: 'keystone' }, env: {} })).toThrow(
      expect.objectContaining({ code: 'GLUON_ERR_CONFIG', message: expect.stringMatching(/keystoneUrl[\s\S]*keystoneUsername[\s\S]*keystonePassword[\s\S]*GLUON_KEYSTONE_PASSWORD or GLUON_KEYSTONE_PASSWORD_FILE \(never a command-line flag\)/) }),
    );
  });

  it('token-file needs a token file; paths in gluon.yaml are relative to it; unknown strategies are refused', () => {
    expect(() => resolveServerConfig({ env: { GLUON_AUTH_STRATEGY: 'token-file' } })).toThrow(expect.objectContaining({ message: expect.stringContaining('needs tokenFile') }));
    const config = resolveServerConfig({ file: { path: '/etc/gluon/gluon.yaml', text: 'authStrategy: token-file\ntokenFile: tokens.yaml\npolicyFile: policy.yaml\n' } });
    expect(config.auth).toEqual({ strategy: 'token-file', tokenFile: '/etc/gluon/tokens.yaml' });
    expect(config.policyFile).toBe('/etc/gluon/policy.yaml');
    expect(() => resolveServerConfig({ flags: { authStrategy: 'ldap' } })).toThrow(expect.objectContaining({ message: expect.stringContaining('must be one of noauth, token-file, keystone') }));
    expect(resolveServerConfig({}).auth).toBeUndefined();
  });
});

describe('gluon policy list', () => {
  it('prints every effective rule with its source, the policy file winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gluon-policy-list-'));
    try {
      const file = join(dir, 'policy.json');
      writeFileSync(file, JSON.stringify({ 'net-l3vpn:list_ports': 'rule:admin_or_owner', 'net-l3vpn:list_port': '@' }));
      const out: string[] = [];
      const err: string[] = [];
      expect(await runPolicyList({ policyFile: file }, { out: (l) => out.push(l), err: (l) => err.push(l) })).toBe(0);
      expect(out.find((l) => l.startsWith('net-l3vpn:list_ports '))).toMatch(/\sfile\s+rule:admin_or_owner$/);
      expect(out.find((l) => l.startsWith('net-l3vpn:get_vpns '))).toMatch(/\smodel\s+rule:admin_or_owner$/);
      expect(out.find((l) => l.startsWith('context_is_admin '))).toMatch(/\sbase\s+role:admin$/);
      expect(err).toEqual(['warning: the policy file defines "net-l3vpn:list_port", which no base rule or model object uses (typo?)']);
      const json: string[] = [];
      expect(await runPolicyList({ json: true }, { out: (l) => json.push(l), err: () => undefined })).toBe(0);
      expect(JSON.parse(json.join('\n'))).toContainEqual({ name: 'net-l3vpn:update_ports:host_id', check: 'rule:admin_or_service', source: 'model' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
