/**
 * The shipped systemd units and sample configs (deploy/): `systemd-analyze verify`
 * accepts the units, each carries the hardening an operator relies on, secrets reach the
 * services as credentials, and every sample gluon.yaml is valid for its command.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveServerConfig, type ConfigKey } from '../../src/server/index.js';
import { isRoot } from '../setup/service-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const unitsDir = join(root, 'deploy', 'systemd');
const configDir = join(root, 'deploy', 'config');
const units = readdirSync(unitsDir).filter((name) => name.endsWith('.service'));
const ETCD_KEYS: readonly ConfigKey[] = ['etcd', 'etcdPrefix', 'etcdCaFile', 'etcdCertFile', 'etcdKeyFile', 'etcdUsername', 'etcdPassword'];

/** Makes sure `systemd-analyze` exists: installs Debian's `systemd` with apt when running as root. */
function ensureSystemdAnalyze(): string {
  const path = '/usr/bin/systemd-analyze';
  if (existsSync(path)) return path;
  if (!isRoot()) throw new Error(`${path} is missing: install Debian's systemd package to run this test`);
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'systemd'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return path;
}

/** The unit's `Key=value` lines of its [Service] section. */
function serviceDirectives(text: string): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  const directives = new Map<string, string[]>();
  for (const line of section.replace(/\\\n/g, ' ').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) directives.set(match[1], [...(directives.get(match[1]) ?? []), match[2] ?? '']);
  }
  return directives;
}

describe('deploy/systemd units', () => {
  const work = mkdtempSync(join(tmpdir(), 'gluon-units-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the server, the templated shim and the arbiter, listed in the package files', () => {
    expect(units.sort()).toEqual(['gluon-arbiter.service', 'gluon-serve.service', 'gluon-shim@.service']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('deploy');
  });

  it('pass systemd-analyze verify', () => {
    const analyze = ensureSystemdAnalyze();
    // verify refuses an ExecStart binary that does not exist: the units name the installed
    // /usr/bin/gluon, so the copies point at this checkout's bin/gluon.js instead; the template
    // is verified as one instance
    const copies = units.map((name) => {
      const copy = join(work, name.replace('@.service', '@net-l3vpn.service'));
      writeFileSync(copy, readFileSync(join(unitsDir, name), 'utf8').replaceAll('/usr/bin/gluon ', `${join(root, 'bin', 'gluon.js')} `));
      return copy;
    });
    const run = spawnSync(analyze, ['verify', '--man=no', ...copies], { encoding: 'utf8' });
    // only what is said of our units counts (verify also reports unrelated units of the host)
    const ours = `${run.stderr}${run.stdout}`.split('\n').filter((line) => line.includes('gluon'));
    expect(ours).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });

  it.each(units)('%s runs as a dedicated user without capabilities on a read-only system', (name) => {
    const directives = serviceDirectives(readFileSync(join(unitsDir, name), 'utf8'));
    expect(directives.get('User')).toEqual(['gluon']);
    for (const [key, value] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', CapabilityBoundingSet: '', Restart: 'on-failure' })) {
      expect(directives.get(key), key).toEqual([value]);
    }
    expect(directives.get('ExecStart')?.[0]).toMatch(/^\/usr\/bin\/gluon (serve|shim run|arbiter) /);
  });

  it.each(units)('%s passes the etcd client key as a credential, never on the command line', (name) => {
    const directives = serviceDirectives(readFileSync(join(unitsDir, name), 'utf8'));
    expect(directives.get('LoadCredential')?.some((line) => line.startsWith('etcd-client.key:'))).toBe(true);
    expect(directives.get('Environment')).toContain('GLUON_ETCD_KEY_FILE=%d/etcd-client.key');
    expect(directives.get('ExecStart')?.[0]).not.toMatch(/password|\.key\b|--etcd-key-file/);
  });
});

describe('deploy/config samples', () => {
  const file = (name: string): { path: string; text: string } => ({ path: join(configDir, name), text: readFileSync(join(configDir, name), 'utf8') });

  it('serve.yaml is a valid gluon serve config with TLS etcd and a client certificate', () => {
    const config = resolveServerConfig({ file: file('serve.yaml'), env: { GLUON_KEYSTONE_PASSWORD: 'from-a-credential', GLUON_ETCD_KEY_FILE: '/run/credentials/gluon-serve.service/etcd-client.key' } });
    expect(config.etcd?.every((url) => url.startsWith('https://'))).toBe(true);
    expect(config.etcdCertFile).toBe('/etc/gluon/pki/gluon-site-a-server.crt');
    expect(config.migrate).toBe('none');
  });

  it.each(['shim.yaml', 'arbiter.yaml'])('%s is valid for the etcd settings its command reads', (name) => {
    // as the unit provides them: the key and the Keystone password as credentials
    const env = { GLUON_ETCD_KEY_FILE: '/run/credentials/etcd-client.key', GLUON_KEYSTONE_PASSWORD: 'from-a-credential' };
    const config = resolveServerConfig({ file: file(name), env, only: name === 'arbiter.yaml' ? [...ETCD_KEYS, 'authStrategy', 'keystoneUrl', 'keystoneUsername', 'keystonePassword', 'keystoneProject'] : ETCD_KEYS });
    expect(config.etcdPrefix).toBe('/site-a');
    expect(config.etcdCaFile).toBe('/etc/gluon/pki/etcd-ca.crt');
  });
});
