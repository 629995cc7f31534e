import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isGluonError } from '../../src/core/errors/index.js';
import { CONFIG_FLAGS, SETTINGS, loadServerConfig, readEtcdAccess, resolveServerConfig } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gluon-etcd-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** The error a call throws (undefined when it does not). */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('etcd access settings', () => {
  it('takes the etcd password from the environment or gluon.yaml only, never a flag, and never echoes it', () => {
    expect(SETTINGS.etcdPassword.secret).toBe(true);
    expect(CONFIG_FLAGS.etcdPassword).toBe('(no flag)');
    expect(CONFIG_FLAGS.etcdCaFile).toBe('--etcd-ca-file');
    const err = (() => {
      try {
        resolveServerConfig({ env: { GLUON_ETCD_PASSWORD: 'hunter2' } });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG').toBe(true);
    expect(JSON.stringify(err)).not.toContain('hunter2');
    expect((err as Error).message).toContain('etcdPassword (from environment variable GLUON_ETCD_PASSWORD) needs etcdUsername');
  });

  it('refuses a client certificate without its key, naming where to set the key', () => {
    expect(() => resolveServerConfig({ flags: { etcdCertFile: '/etc/gluon/pki/a.crt' } })).toThrow(
      'etcdCertFile (from flag --etcd-cert-file) needs etcdKeyFile (--etcd-key-file / GLUON_ETCD_KEY_FILE, or etcdKeyFile: in gluon.yaml).',
    );
  });

  it('reads a secret from the file <VARIABLE>_FILE names, its trailing newline dropped; the variable itself wins', async () => {
    const file = join(dir, 'password');
    writeFileSync(file, 'from-the-file\n');
    expect((await loadServerConfig({ env: { GLUON_ETCD_USERNAME: 'u', GLUON_ETCD_PASSWORD_FILE: file }, cwd: dir })).etcdPassword).toBe('from-the-file');
    expect((await loadServerConfig({ env: { GLUON_ETCD_USERNAME: 'u', GLUON_ETCD_PASSWORD_FILE: file, GLUON_ETCD_PASSWORD: 'direct' }, cwd: dir })).etcdPassword).toBe('direct');
    const missing = await errorOf(() => loadServerConfig({ env: { GLUON_ETCD_USERNAME: 'u', GLUON_ETCD_PASSWORD_FILE: join(dir, 'nope') }, cwd: dir }));
    expect(isGluonError(missing) && missing.code === 'GLUON_ERR_CONFIG').toBe(true);
    expect((missing as Error).message).toContain('GLUON_ETCD_PASSWORD_FILE');
  });

  it('reads the PEM files into the client options, and nothing when no setting is given', async () => {
    const ca = join(dir, 'ca.crt');
    writeFileSync(ca, PEM);
    expect(await readEtcdAccess({})).toBeUndefined();
    const access = await readEtcdAccess({ etcdCaFile: ca, etcdUsername: 'u', etcdPassword: 'p' });
    expect(access?.ca?.toString()).toBe(PEM);
    expect(access).toMatchObject({ username: 'u', password: 'p' });
  });

  it('refuses any file that holds no PEM with GLUON_ERR_CONFIG naming the setting and the path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string().filter((text) => !text.includes('-----BEGIN ')), async (text) => {
        const file = join(dir, 'not-pem');
        writeFileSync(file, text);
        const err = await errorOf(() => readEtcdAccess({ etcdCertFile: file, etcdKeyFile: file }));
        expect(isGluonError(err) && err.code === 'GLUON_ERR_CONFIG').toBe(true);
        expect((err as { details: { field: string; value: unknown }[] }).details).toEqual([
          expect.objectContaining({ field: 'etcdCertFile', value: file }),
          expect.objectContaining({ field: 'etcdKeyFile', value: file }),
        ]);
      }),
      { numRuns: 30 },
    );
  });
});
